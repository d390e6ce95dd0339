"""One scenario: ``run``, ``check``, ``trace``, ``policies``."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from ..errors import LoopsimError
from ..units import shown_name, shown_value
from .common import (
    _check_metric,
    _check_out,
    _check_reps_cap,
    _options,
    app,
    console,
    dask_opt,
    fmt,
    load,
    local_workers,
    precision_opts,
    printable,
    scenario_arg,
    seed_opt,
    set_opt,
    write_summary_json,
    write_table,
)
from .notes import RETENTION_NOTE, tenure_note
from .plot import need_out, plots_for_run, plots_for_store, plots_opt
from .store import wait_opt


@app.command()
@scenario_arg
@click.option("--reps", "-n", type=click.IntRange(min=1), default=None,
              help="Replications (mean and 95% CI per metric)  [default: 1, or 10 to start --precision]")
@seed_opt
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")
@_options(precision_opts)
@dask_opt
@set_opt
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Write summary.json and tables to this directory (with several replications a "
                   "resumable result store).")
@click.option("--format", "fmt_", type=click.Choice(["parquet", "csv"]), default="parquet",
              show_default=True, help="Table format (with --reps: CSV copies in DIR/csv/ besides the store).")
@wait_opt
@plots_opt
def run(scenario: Path, reps: int | None, seed: int, workers: int, precision: float | None, max_reps: int,
        metric: str, dask: str | None, set_: tuple[str, ...], out: Path | None, fmt_: str, wait: bool, plots: bool):
    """Simulate a scenario and print its summary metrics (with --reps or --precision: their
    mean and 95% CI over replications)."""
    _check_out(out)
    _check_metric(metric)
    _check_reps_cap(reps, max_reps, precision)
    need_out(out, {"--plots": plots})
    single = precision is None and (reps is None or reps == 1) and dask is None
    sc = load(scenario, set_, workers=1 if single else local_workers(workers, dask))
    if single:
        _run_one(sc, seed, out, fmt_, plots)
    else:
        _run_replications(sc, reps, seed, workers, precision, max_reps, metric, dask, out, fmt_, wait, plots)


def _run_one(sc, seed: int, out: Path | None, fmt_: str, plots: bool) -> None:
    """``run`` without replications: one simulation, its metrics, and with --out its tables."""
    from ..engine import simulate

    ext = ".csv" if fmt_ == "csv" else ".parquet"
    status = Text(printable(f"simulating {sc.name} ..."))   # a str would be read as markup
    with console.status(status, spinner="dots") if sys.stderr.isatty() else _null():
        res = simulate(sc, seed=seed)
    t = Table(title=f"{sc.name}  (seed {seed}, {res.elapsed_seconds:.1f} s)")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in res.summary.items():
        t.add_row(shown_name(k), fmt(shown_value(k, v)))
    console.print(t)
    console.print(tenure_note(res.retention_curve()))
    console.print(RETENTION_NOTE)
    if out is not None:
        for name in ("customers", "transactions", "timeline", "contacts"):
            write_table(getattr(res, name), out / f"{name}{ext}")
        write_summary_json(out / "summary.json", {
            "kind": "run", "scenario": sc.name, "scenario_hash": sc.hash, "seed": seed,
            "replications": 1, "metrics": res.summary})
        console.print(f"wrote {out}/summary.json and tables ({fmt_})")
        if plots:
            plots_for_run(res, out)


def _run_replications(sc, reps: int | None, seed: int, workers: int, precision: float | None,
                      max_reps: int, metric: str, dask: str | None, out: Path | None, fmt_: str,
                      wait: bool, plots: bool) -> None:
    """``run --reps``/``--precision``: replications, their mean and 95% CI, and the store."""
    from ..experiment import replicate

    exp = replicate(sc, n=reps, seed=seed, workers=workers, out=out, precision=precision, metric=metric,
                    max_reps=max_reps, dask=dask, wait=wait)
    summ = exp.summary()
    title = f"{sc.name}  ({exp.n} replications, seed {seed}, 95% CI)"
    if precision is not None:
        title += f"; precision {precision:g} on {metric} " + ("reached" if exp.converged else "NOT reached (cap)")
    t = Table(title=title)
    for c in ("metric", "mean", "ci_low", "ci_high", "sd"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for m, row in summ.iterrows():
        m = str(m)
        t.add_row(shown_name(m), *(fmt(shown_value(m, row[c])) for c in ("mean", "ci_low", "ci_high", "sd")))
    console.print(t)
    console.print(RETENTION_NOTE)
    if out is not None:
        # the result store has written runs/, summary/ and summary.json; CSV copies on request
        if fmt_ == "csv":
            write_table(exp.runs, out / "csv" / "runs.csv")
            write_table(summ.reset_index(), out / "csv" / "summary.csv")
            console.print(f"wrote {out}/summary.json, runs/, summary/ and csv/", markup=False)
        else:
            console.print(f"wrote {out}/summary.json, runs/ and summary/", markup=False)
        if plots:
            plots_for_store(out)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


# ---------------------------------------------------------------------------- check
@app.command()
@scenario_arg
@set_opt
def check(scenario: Path, set_: tuple[str, ...]):
    """Validate a scenario file and describe it (errors name the file and field)."""
    sc = load(scenario, set_)
    segs = ", ".join(f"{s.name} ({s.share:.0%})" for s in sc.population.segments)
    pols = ", ".join(p.type for p in sc.policies) or "none"
    console.print(f"OK {scenario}: {sc.name!r}, hash {sc.hash}")
    console.print(f"  horizon {sc.time.horizon_days:g} days; segments: {segs}; policies: {pols}")


# ---------------------------------------------------------------------------- trace
@app.command()
@scenario_arg
@click.option("--customer", "-c", type=int, default=None,
              help="Customer id (default: an early customer with a full story).")
@seed_opt
@set_opt
@click.option("--plot", "plot", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Also draw the journey as a timeline figure (.png, .svg or .pdf).")
def trace(scenario: Path, customer: int | None, seed: int, set_: tuple[str, ...], plot: Path | None):
    """Print one customer's journey in plain words: funnel, purchases, programme progress,
    satisfaction changes and their causes, service waits (minutes), churn and win-back."""
    from ..engine import simulate
    from ..records import Tracer
    from ..tracing import ending, journey_lines

    _check_plot(plot)
    sc = load(scenario, set_, workers=1)
    tracer = Tracer(ids={customer}) if customer is not None else Tracer(limit=sys.maxsize)
    res = simulate(sc, seed=seed, tracer=tracer)
    if customer is None:
        customer = _storied_customer(tracer.events, scenario)
    events = res.trace(customer)
    if not events:
        raise LoopsimError(f"--customer {customer}: this customer never appeared "
                           f"(ids 0..{max(0, res.summary['prospects'] + sc.market.initial_customers - 1):.0f} did)")
    console.print(f"Journey of customer {customer} in {sc.name!r} (seed {seed}); money in "
                  f"{sc.market.currency}, service waits in minutes, satisfaction on a 0-10 scale",
                  markup=False)
    contacts = res.contacts[res.contacts["customer_id"] == customer]
    for line in journey_lines(events, sc, contacts):
        console.print("  " + line, markup=False, highlight=False)
    rows = res.customers[res.customers["customer_id"] == customer]
    row = rows.iloc[0] if len(rows) else None
    last = next((e.state for e in reversed(events) if e.state and e.event != "satisfaction"), {})
    console.print("  -> " + ending(row, sc, last), markup=False, highlight=False)
    if plot is not None:
        from ..store.atomic import _atomic_write  # temp file + rename: no half-written figure
        from ..tracing import journey_figure

        fig = journey_figure(events, sc, customer, math.nan if row is None else float(row["churned_at"]))
        _atomic_write(plot, lambda tmp: fig.savefig(tmp, format=plot.suffix[1:].lower(), dpi=150))
        console.print(f"wrote {plot}", markup=False)


def _check_plot(plot: Path | None) -> None:
    if plot is not None and plot.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise LoopsimError(f"--plot {plot}: the file name must end in .png, .svg or .pdf")
    if plot is not None and plot.is_dir():
        raise LoopsimError(f"--plot {plot}: is a directory; give a file name ending in .png, .svg or .pdf")


def _storied_customer(events, scenario: Path) -> int:
    """An early customer whose journey shows the whole loop: came through the funnel and bought
    three times or more (else twice, else once)."""
    counts: dict[int, int] = {}
    funnel: set[int] = set()
    for e in events:
        counts[e.customer_id] = counts.get(e.customer_id, 0) + (e.event == "purchase")
        if e.event == "awareness":
            funnel.add(e.customer_id)
    rich = ([cid for cid, n in counts.items() if n >= 3 and cid in funnel]
            or [cid for cid, n in counts.items() if n >= 2] or [cid for cid, n in counts.items() if n])
    if not rich:
        raise LoopsimError(f"{scenario}: no customer made a purchase; nothing to trace")
    return rich[0]


# ---------------------------------------------------------------------------- policies
def _param_rows(model_cls, prefix: str = ""):
    """(dotted name, default, description) for every field; nested tables are flattened."""
    from pydantic import BaseModel

    for fname, f in model_cls.model_fields.items():
        if fname == "type" and not prefix:
            continue
        name = prefix + (f.alias or fname)
        default = None if f.is_required() else f.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            yield name, "(table)", f.description or ""
            yield from _param_rows(type(default), name + ".")
            continue
        if f.is_required():
            shown = "required"
        elif isinstance(default, list | tuple) and default and isinstance(default[0], BaseModel):
            shown = json.dumps([d.model_dump(mode="json", by_alias=True, exclude_defaults=True) for d in default])
        else:
            shown = repr(default)
        yield name, shown, f.description or ""


@app.command()
@click.argument("name", required=False)
def policies(name: str | None):
    """List every policy type (or one, NAME) with its parameters and defaults.

    Nested tables (a reward policy's ``behaviour`` switches) are shown with dotted names, as they
    are set with --set, e.g. ``--set rewards.points.behaviour.goal_gradient=false``."""
    from ..scenario import policy_types

    types = policy_types()
    if name is not None and name not in types:
        raise LoopsimError(f"unknown policy type {name!r}; known types: {', '.join(types)}")
    for tname, cls in types.items():
        if name is not None and tname != name:
            continue
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        t = Table(title=f"{tname}  [{getattr(cls, 'kind', '')}]  {doc}", title_justify="left")
        t.add_column("parameter")
        t.add_column("default", justify="right")
        t.add_column("description")
        for row in _param_rows(cls.Params):
            t.add_row(*row)
        console.print(t)


