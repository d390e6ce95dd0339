"""``loopsim optimise``: search a scenario's parameters for the best design (Optuna, common
random numbers, a final ranking-and-selection stage)."""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.table import Table

from .common import (
    _check_out,
    app,
    console,
    dask_opt,
    fmt,
    fmt_ci,
    load,
    scenario_arg,
    seed_opt,
    set_opt,
)


@app.command("optimise")
@scenario_arg
@click.option("--param", "params", multiple=True, required=True,
              metavar="PATH=LOW:HIGH[:int|:log] | PATH=A,B,C",
              help="A parameter to search (repeatable): a range, an integer or log-scale range, or choices.")
@click.option("--objective", "objectives", multiple=True, default=("profit",), show_default=True,
              help="Metric (or arithmetic of metrics) to optimise; repeat for a Pareto front (NSGA-II).")
@click.option("--direction", "directions", multiple=True, type=click.Choice(["maximize", "minimize"]),
              help="One per --objective (default: the metric's own: profit up, costs and waits down).")
@click.option("--constraint", "constraints", multiple=True, metavar="METRIC>=X|METRIC<=X",
              help="A constraint on a metric's mean over replications (repeatable).")
@click.option("--trials", "-t", type=click.IntRange(min=1), default=60, show_default=True,
              help="Trials (designs evaluated) in the search.")
@click.option("--reps", "-n", type=click.IntRange(min=2), default=8, show_default=True,
              help="Replications per trial (the same seeds in every trial).")
@click.option("--sampler", type=click.Choice(["tpe", "cmaes", "gp", "nsga2", "random"]), default=None,
              help="Optuna sampler (default tpe; nsga2 with several objectives).")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="Candidates re-evaluated in the final selection stage.")
@click.option("--final-reps", type=click.IntRange(min=2), default=None,
              help="Replications per candidate in the final stage (default max(4 x --reps, 20)).")
@seed_opt
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for the replications (also the workers of --dask local).")
@dask_opt
@click.option("--storage", default=None, metavar="URL",
              help="An Optuna RDB storage shared by several machines (e.g. postgresql://...); "
                   "default: DIR/study.journal.")
@set_opt
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Study directory (resumable): best.toml, trials.parquet, selection.parquet, summary.json.")
@click.option("--plots", is_flag=True, help="Also draw figures under DIR/figures/.")
def optimise_cmd(scenario: Path, params, objectives, directions, constraints, trials: int, reps: int,
                 sampler: str | None, top: int, final_reps: int | None, seed: int, workers: int,
                 dask: str | None, storage: str | None, set_, out: Path | None, plots: bool):
    """Find the best design: search --param ranges for the best --objective under --constraint,
    then re-run the best candidates and choose one with paired CIs and P(best)."""
    from ..errors import LoopsimError
    from ..optimise import optimise

    _check_out(out)
    if plots and out is None:
        raise LoopsimError("--plots needs --out DIR (the figures go to DIR/figures/)")
    sc = load(scenario, set_)
    res = optimise(sc, list(params), objective=list(objectives), direction=list(directions) or None,
                   constraints=list(constraints), trials=trials, n=reps, seed=seed, sampler=sampler,
                   top=top, final_n=final_reps, workers=workers, dask=dask, out=out, storage=storage,
                   plots=plots, base_file=scenario)
    _print(res)
    if out is not None:
        console.print(f"wrote {out}/" + ", ".join(res.files))


def _print(res) -> None:
    b = res.best
    sel = res.selection
    t = Table(title=f"Final selection on {b['objective']} ({b['direction']}), {b['replications']} "
                    "paired replications per candidate; chosen first")
    params = list(b["params"])
    for c in ("trial", *params, "mean", "chosen better by (95% CI)", "P(best)", "in best subset"):
        t.add_column(c, justify="right")
    for _, r in sel.iterrows():
        adv = "" if r["chosen"] else fmt_ci(r["chosen_advantage"], r["chosen_advantage_ci_low"],
                                            r["chosen_advantage_ci_high"])
        t.add_row(str(int(r["trial"])), *(fmt(r[p]) if isinstance(r[p], int | float) else str(r[p])
                                           for p in params),
                  fmt(r["objective_mean"]), adv, f"{r['p_best']:.0%}", "yes" if r["in_best_subset"] else "no")
    console.print(t)
    best = ", ".join(f"{k} = {fmt(v) if isinstance(v, float) and math.isfinite(v) else v}"
                     for k, v in b["params"].items())
    console.print(f"best design: {best} (trial {b['trial']}, P(best) {b['p_best']:.0%})")
    if res.pareto is not None:
        console.print(f"Pareto front: trials {', '.join(str(t) for t in res.pareto)}")
