"""Many runs: ``compare`` and ``sweep``."""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.table import Table

from ..errors import LoopsimError
from .common import (
    POSITIVE,
    _check_metric,
    _check_out,
    _check_reps_cap,
    _options,
    app,
    console,
    dask_opt,
    fmt,
    fmt_ci,
    load,
    precision_opts,
    scenario_arg,
    seed_opt,
    set_opt,
    write_table,
)
from .plot import figures_and_report, need_out, plots_opt, report_opt
from .store import wait_opt


# ---------------------------------------------------------------------------- compare
def _design_names(paths: list[Path]) -> list[str]:
    names: list[str] = []
    for p in paths:
        base = p.stem
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.append(name)
    return names


_COMPARE_METRICS = ("profit", "profit_discounted", "retention_rate", "revenue", "reward_cost",
                    "clv_mean", "repeat_purchase_rate", "nps")


def _compare_table(tab, ref: str, title: str) -> Table:
    """The printed comparison: the headline metrics, every money component of profit, the points
    liability and the policies' metrics, with p5/p50/p95 across replications; the explanation
    below it (``explain``) names the components that drive the profit difference."""
    from ..explain import COMPONENTS, policy_metrics

    present = list(dict.fromkeys(tab["metric"]))
    shown = [m for m in (*_COMPARE_METRICS, *(c for c, _l, _s in COMPONENTS), "points_liability")
             if m in present]
    shown += [m for m in policy_metrics(present) if m not in shown]
    t = Table(title=title)
    for c in ("metric", "design", "mean ± 95% CI", "p5 / p50 / p95", f"vs {ref} ± 95% CI", "P(better)"):
        t.add_column(c, justify="left" if c in ("metric", "design") else "right")
    pol = set(policy_metrics(present))
    for m in shown:
        sub = tab[tab["metric"] == m]
        if m in pol:   # a policy's metric: only the designs that have the policy report it
            sub = sub[sub["mean"].notna()]
        for i, (_, r) in enumerate(sub.iterrows()):
            diff = "" if r["design"] == ref else fmt_ci(r["diff"], r["diff_ci_low"], r["diff_ci_high"])
            pb = "" if math.isnan(r["p_better"]) else f"{r['p_better']:.0%}"
            qs = " / ".join(fmt(r[q]) for q in ("p5", "p50", "p95"))
            t.add_row(m if i == 0 else "", str(r["design"]), fmt_ci(r["mean"], r["ci_low"], r["ci_high"]),
                      qs, diff, pb)
        t.add_section()
    return t


@app.command("compare")
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="SCENARIO...")
@click.option("--reps", "-n", type=click.IntRange(min=2), default=30, show_default=True,
              help="Replications per design (the start, with --precision).")
@seed_opt
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")
@click.option("--precision", type=POSITIVE, default=None,
              help="Add replications until the 95% CI half-width of the paired difference in "
                   "--metric is within this share of the reference's mean (e.g. 0.01).")
@_options(precision_opts[1:])
@click.option("--independent", is_flag=True,
              help="Independent random streams per design instead of common random numbers.")
@dask_opt
@set_opt
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Result store directory (resumable): runs/, comparison/, summary.json.")
@wait_opt
@plots_opt
@report_opt
def compare_cmd(scenarios: tuple[Path, ...], reps: int, seed: int, workers: int, precision: float | None,
                max_reps: int, metric: str, independent: bool, dask: str | None, set_: tuple[str, ...],
                out: Path | None, wait: bool, plots: bool, report: bool):
    """Compare designs (the first is the reference): paired differences with 95% CIs and P(better).

    P(better) is the share of paired replications in which a design beats the reference
    (ties count half). Every design sees the same customers and draws (common random numbers)
    unless --independent.
    """
    from ..experiment import compare as run_compare

    if len(scenarios) < 2:
        raise LoopsimError("compare needs at least two scenario files (the first is the reference)")
    _check_out(out)
    _check_metric(metric)
    _check_reps_cap(reps, max_reps, precision)
    need_out(out, {"--plots": plots, "--report": report})
    designs = {n: load(p, set_) for n, p in zip(_design_names(list(scenarios)), scenarios, strict=True)}
    cmp = run_compare(designs, n=reps, seed=seed, crn=not independent, workers=workers,
                      precision=precision, metric=metric, max_reps=max_reps, dask=dask, out=out, wait=wait)
    tab = cmp.table()
    ref = cmp.reference
    mode = "independent streams" if independent else "common random numbers"
    title = f"{cmp.n} replications per design, seed {seed}, {mode}; reference: {ref}; 95% CI"
    if precision is not None:
        title += f"; precision {precision:g} on {metric} " + ("reached" if cmp.converged else "NOT reached (cap)")
    t = _compare_table(tab, ref, title)
    console.print(t)
    if len(cmp.designs) > 1:
        from ..explain import explain

        console.print(explain(cmp), markup=False, highlight=False)
    if out is not None:
        console.print(f"wrote {out}/summary.json, runs/ and comparison/", markup=False)
        figures_and_report(out, plots, report)


# ---------------------------------------------------------------------------- sweep
@app.command("sweep")
@scenario_arg
@click.option("--grid", "grid", multiple=True, metavar="PATH=V1,V2,...",
              help="Full-factorial values of a parameter (repeatable).")
@click.option("--lhs", "lhs", multiple=True, metavar="PATH=LOW:HIGH",
              help="Range of a parameter for a Latin-hypercube design (repeatable; with --points).")
@click.option("--points", "-k", type=click.IntRange(min=1), default=None,
              help="Design points for --lhs (base samples, a power of 2, with --sobol).")
@click.option("--random", "random_", is_flag=True, help="Uniform random points over the --lhs ranges.")
@click.option("--sobol", "sobol_metric", default=None, metavar="METRIC",
              help="Sobol sensitivity indices of METRIC over the --lhs ranges.")
@click.option("--reps", "-n", type=click.IntRange(min=1), default=1, show_default=True,
              help="Replications per point.")
@seed_opt
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (also the workers of --dask local).")
@dask_opt
@set_opt
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Result store directory (resumable): runs/, points/, summary.json.")
@wait_opt
@plots_opt
@report_opt
def sweep_cmd(scenario: Path, grid: tuple[str, ...], lhs: tuple[str, ...], points: int | None,
              random_: bool, sobol_metric: str | None, reps: int, seed: int, workers: int,
              dask: str | None, set_: tuple[str, ...], out: Path | None, wait: bool, plots: bool, report: bool):
    """Run a scenario over a parameter grid or design; one row per (point, replication)."""
    from ..experiment import parse_grid, parse_ranges, sobol, sweep, sweep_summary

    _check_out(out)
    need_out(out, {"--plots": plots, "--report": report})
    if bool(grid) == bool(lhs):
        raise LoopsimError("sweep needs either --grid PATH=V1,V2,... or --lhs PATH=LOW:HIGH (not both)")
    if lhs and points is None:
        raise LoopsimError("--lhs needs --points K")
    if grid and (points is not None or random_ or sobol_metric is not None):
        used = [o for o, v in (("--points", points is not None), ("--random", random_),
                               ("--sobol", sobol_metric is not None)) if v]
        raise LoopsimError(f"{', '.join(used)}: only with --lhs ranges; a --grid sweep runs every combination")
    if random_ and sobol_metric is not None:
        raise LoopsimError("--random and --sobol: choose one (Sobol indices use their own sample)")
    if sobol_metric is not None and (points < 2 or points & (points - 1)):
        raise LoopsimError(f"--points: Sobol indices need a power of 2 from 2 up (got {points})")
    sc = load(scenario, set_)
    if sobol_metric is not None:
        if not lhs:
            raise LoopsimError("--sobol needs parameter ranges given with --lhs PATH=LOW:HIGH")
        res = sobol(sc, parse_ranges(lhs), metric=sobol_metric, n=points, reps=reps, seed=seed,
                    workers=workers, dask=dask, out=out, wait=wait)
        t = Table(title=f"Sobol indices of {sobol_metric} ({len(res.runs)} runs, seed {seed})")
        for c in ("parameter", "first order", "total order"):
            t.add_column(c, justify="left" if c == "parameter" else "right")
        for _, r in res.indices.iterrows():
            t.add_row(str(r["parameter"]), f"{r['first_order']:.3f}", f"{r['total_order']:.3f}")
        console.print(t)
        if out is not None:
            write_table(res.indices, out / "sobol" / "sobol.parquet")
            console.print(f"wrote {out}/summary.json, runs/, points/ and sobol/", markup=False)
            figures_and_report(out, plots, report)
        return
    if grid:
        df = sweep(sc, grid=parse_grid(grid), n=reps, seed=seed, workers=workers, dask=dask, out=out, wait=wait)
    else:
        df = sweep(sc, design="random" if random_ else "lhs", ranges=parse_ranges(lhs), points=points,
                   n=reps, seed=seed, workers=workers, dask=dask, out=out, wait=wait)
    summ = sweep_summary(df)
    params = [c for c in summ.columns if c not in ("n",) and not c.startswith(("profit_", "retention_rate_"))]
    t = Table(title=f"{sc.name}: {len(summ)} points x {reps} replications (seed {seed}; 95% CI)")
    for c in ("point", *params, "profit ± 95% CI", "retention ± 95% CI"):
        t.add_column(c, justify="right")
    for p, r in summ.iterrows():
        t.add_row(str(p), *(fmt(float(r[c])) if isinstance(r[c], int | float) else str(r[c]) for c in params),
                  fmt_ci(r["profit_mean"], r["profit_ci_low"], r["profit_ci_high"]),
                  fmt_ci(r["retention_rate_mean"], r["retention_rate_ci_low"], r["retention_rate_ci_high"]))
    console.print(t)
    if out is not None:
        console.print(f"wrote {out}/summary.json, runs/ and points/", markup=False)
        figures_and_report(out, plots, report)


