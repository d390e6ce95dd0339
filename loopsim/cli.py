"""The ``loopsim`` command.

Every command prints a readable table; commands that write results write ``DIR/summary.json``
and tidy tables. Bad input gives one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .errors import LoopsimError, ScenarioError

# Piped or logged output (not a terminal) gets a width that fits the comparison tables instead of
# rich's 80-column default; COLUMNS still wins.
console = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 140)


def _version_string() -> str:
    from . import __version__

    return f"loopsim {__version__}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              help="Show the version and exit.",
              callback=lambda ctx, _p, v: (click.echo(_version_string()), ctx.exit()) if v else None)
def app():
    """Simulate the customer loyalty loop: funnel, purchases, rewards, service, personalisation,
    advocacy and churn, with real costs."""


scenario_arg = click.argument("scenario", type=click.Path(path_type=Path))
class _PositiveFinite(click.ParamType):
    """A finite number > 0 (click's FloatRange lets NaN and inf through)."""

    name = "float"

    def convert(self, value, param, ctx):
        try:
            v = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not (math.isfinite(v) and v > 0):
            self.fail(f"{value!r} is not a finite number > 0", param, ctx)
        return v


POSITIVE = _PositiveFinite()
seed_opt = click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True,
                        help="Root random seed (0 to 2**63-1).")
set_opt = click.option("--set", "set_", multiple=True, metavar="PATH=VALUE",
                       help="Override a field by dotted path (repeatable).")


# ---------------------------------------------------------------------------- helpers
def load(path: Path, sets: list[str] | None = None):
    """Load a scenario with ``--set`` overrides (errors are one-line ScenarioErrors)."""
    from .scenario import load_scenario, parse_override

    overrides = dict(parse_override(s) for s in (sets or []))
    return load_scenario(path, overrides)


def fmt(v: float) -> str:
    """Format a metric value for a table."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:,.2f}"
    return f"{v:.4f}"


def write_table(df, path: Path) -> None:
    """Write a DataFrame atomically as Parquet or CSV (by suffix)."""
    from .store import atomic_write_table

    atomic_write_table(path, df)


def write_summary_json(path: Path, payload: dict) -> None:
    """Write ``summary.json`` atomically (NaN as null)."""
    from .store import atomic_write_json

    atomic_write_json(path, payload)


def _check_out(out: Path | None) -> None:
    if out is not None and out.exists() and not out.is_dir():
        raise LoopsimError(f"{out}: --out must be a directory (it is a file)")


# ---------------------------------------------------------------------------- run
precision_opts = [
    click.option("--precision", type=POSITIVE, default=None,
                 help="Add replications until the 95% CI half-width of --metric is within this share "
                      "of its mean (e.g. 0.01), starting from --reps (default 10)."),
    click.option("--max-reps", type=click.IntRange(min=2), default=1000, show_default=True,
                 help="Cap on replications with --precision."),
    click.option("--metric", default="profit", show_default=True, help="Metric for --precision."),
]
dask_opt = click.option("--dask", default=None, metavar="ADDRESS|local",
                        help="Run on Dask distributed: a scheduler address, or 'local' for a LocalCluster "
                             "with --workers processes.")


def _options(opts):
    def deco(f):
        for o in reversed(opts):
            f = o(f)
        return f
    return deco


def _check_metric(metric: str) -> None:
    from .metrics import CORE_METRICS

    if metric not in CORE_METRICS:
        raise LoopsimError(f"--metric: {metric!r} is not a summary metric; use one of {', '.join(CORE_METRICS)}")


def _check_reps_cap(reps: int | None, max_reps: int, precision: float | None) -> None:
    if precision is not None and reps is not None and reps > max_reps:
        raise LoopsimError(f"--reps {reps} is more than --max-reps {max_reps}; with --precision, --reps is "
                           "where the replications start and --max-reps their cap")


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
              show_default=True, help="Table format.")
def run(scenario: Path, reps: int | None, seed: int, workers: int, precision: float | None, max_reps: int,
        metric: str, dask: str | None, set_: tuple[str, ...], out: Path | None, fmt_: str):
    """Simulate a scenario and print its summary metrics (with --reps or --precision: their
    mean and 95% CI over replications)."""
    _check_out(out)
    _check_metric(metric)
    _check_reps_cap(reps, max_reps, precision)
    sc = load(scenario, set_)
    ext = ".csv" if fmt_ == "csv" else ".parquet"
    from .engine import simulate

    if precision is None and (reps is None or reps == 1) and dask is None:
        with console.status(f"simulating {sc.name} ...", spinner="dots") if sys.stderr.isatty() else _null():
            res = simulate(sc, seed=seed)
        t = Table(title=f"{sc.name}  (seed {seed}, {res.elapsed_seconds:.1f} s)")
        t.add_column("metric")
        t.add_column("value", justify="right")
        for k, v in res.summary.items():
            t.add_row(k, fmt(v))
        console.print(t)
        if out is not None:
            for name in ("customers", "transactions", "timeline", "contacts"):
                write_table(getattr(res, name), out / f"{name}{ext}")
            write_summary_json(out / "summary.json", {
                "kind": "run", "scenario": sc.name, "scenario_hash": sc.hash, "seed": seed,
                "replications": 1, "metrics": res.summary})
            console.print(f"wrote {out}/summary.json and tables ({fmt_})")
        return
    from .experiment import replicate

    exp = replicate(sc, n=reps, seed=seed, workers=workers, out=out, precision=precision, metric=metric,
                    max_reps=max_reps, dask=dask)
    summ = exp.summary()
    title = f"{sc.name}  ({exp.n} replications, seed {seed}, 95% CI)"
    if precision is not None:
        title += f"; precision {precision:g} on {metric} " + ("reached" if exp.converged else "NOT reached (cap)")
    t = Table(title=title)
    for c in ("metric", "mean", "ci_low", "ci_high", "sd"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for m, row in summ.iterrows():
        t.add_row(str(m), fmt(row["mean"]), fmt(row["ci_low"]), fmt(row["ci_high"]), fmt(row["sd"]))
    console.print(t)
    if out is not None:
        # the result store has written runs.parquet and summary.json; CSV copies on request
        if fmt_ == "csv":
            write_table(exp.runs, out / "runs.csv")
        write_table(summ.reset_index(), out / f"summary{ext}")
        console.print(f"wrote {out}/summary.json, runs{ext} and summary{ext} (result store: {out}/runs/)")


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
def trace(scenario: Path, customer: int | None, seed: int, set_: tuple[str, ...]):
    """Print one customer's journey, line by line, in plain words."""
    from .engine import simulate
    from .records import Tracer

    sc = load(scenario, set_)
    tracer = Tracer(ids={customer}) if customer is not None else Tracer(limit=sys.maxsize)
    res = simulate(sc, seed=seed, tracer=tracer)
    if customer is None:
        # prefer someone who came through the funnel and bought repeatedly: the whole loop
        counts: dict[int, int] = {}
        funnel: set[int] = set()
        for e in tracer.events:
            counts[e.customer_id] = counts.get(e.customer_id, 0) + (e.event == "purchase")
            if e.event == "awareness":
                funnel.add(e.customer_id)
        rich = ([cid for cid, n in counts.items() if n >= 3 and cid in funnel]
                or [cid for cid, n in counts.items() if n >= 2] or [cid for cid, n in counts.items() if n])
        if not rich:
            raise LoopsimError(f"{scenario}: no customer made a purchase; nothing to trace")
        customer = rich[0]
    events = res.trace(customer)
    if not events:
        raise LoopsimError(f"--customer {customer}: this customer never appeared "
                           f"(ids 0..{max(0, res.summary['prospects'] + sc.market.initial_customers - 1):.0f} did)")
    cur = sc.market.currency
    console.print(f"Journey of customer {customer} in {sc.name!r} (seed {seed}); money in {cur}")
    row = res.customers[res.customers["customer_id"] == customer]
    for e in events:
        console.print(f"  day {e.time:7.2f}  {e.event:<13} {e.detail}")
    if len(row):
        r = row.iloc[0]
        status = "still a customer" if math.isnan(r["churned_at"]) else f"churned on day {r['churned_at']:.1f}"
        console.print(f"  -> {int(r['purchases'])} purchases, revenue {r['revenue']:.2f}, "
                      f"CLV {r['clv']:.2f}, satisfaction {r['satisfaction']:.1f}, {status} "
                      f"at the horizon (day {sc.time.horizon_days:g})")
    else:
        console.print("  -> never became a customer")


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
    from .scenario import policy_types

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


def _ci(mean: float, lo: float, hi: float) -> str:
    """``mean ± half-width`` of a 95% interval, to the precision the half-width supports."""
    if any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)):
        return fmt(mean)
    half = (hi - lo) / 2
    if not half > 0 or math.isnan(mean):
        return f"{fmt(mean)} ± 0"
    # two significant digits of the half-width, and the mean to the same decimals: the digits
    # shown are the ones the interval supports
    d = min(8, max(0, 1 - math.floor(math.log10(half))))
    return f"{mean:,.{d}f} ± {half:,.{d}f}"


_COMPARE_METRICS = ("profit", "profit_discounted", "retention_rate", "revenue", "reward_cost",
                    "clv_mean", "repeat_purchase_rate", "nps")


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
              help="Result store directory (resumable): runs.parquet, comparison.parquet, summary.json.")
def compare_cmd(scenarios: tuple[Path, ...], reps: int, seed: int, workers: int, precision: float | None,
                max_reps: int, metric: str, independent: bool, dask: str | None, set_: tuple[str, ...],
                out: Path | None):
    """Compare designs (the first is the reference): paired differences with 95% CIs and P(better).

    P(better) is the share of paired replications in which a design beats the reference
    (ties count half). Every design sees the same customers and draws (common random numbers)
    unless --independent.
    """
    from .experiment import compare as run_compare

    if len(scenarios) < 2:
        raise LoopsimError("compare needs at least two scenario files (the first is the reference)")
    _check_out(out)
    _check_metric(metric)
    _check_reps_cap(reps, max_reps, precision)
    designs = {n: load(p, set_) for n, p in zip(_design_names(list(scenarios)), scenarios, strict=True)}
    cmp = run_compare(designs, n=reps, seed=seed, crn=not independent, workers=workers,
                      precision=precision, metric=metric, max_reps=max_reps, dask=dask, out=out)
    tab = cmp.table()
    ref = cmp.reference
    mode = "independent streams" if independent else "common random numbers"
    title = f"{cmp.n} replications per design, seed {seed}, {mode}; reference: {ref}; 95% CI"
    if precision is not None:
        title += f"; precision {precision:g} on {metric} " + ("reached" if cmp.converged else "NOT reached (cap)")
    t = Table(title=title)
    for c in ("metric", "design", "mean ± 95% CI", f"vs {ref} ± 95% CI", "P(better)"):
        t.add_column(c, justify="left" if c in ("metric", "design") else "right")
    for m in _COMPARE_METRICS:
        sub = tab[tab["metric"] == m]
        for i, (_, r) in enumerate(sub.iterrows()):
            diff = "" if r["design"] == ref else _ci(r["diff"], r["diff_ci_low"], r["diff_ci_high"])
            pb = "" if math.isnan(r["p_better"]) else f"{r['p_better']:.0%}"
            t.add_row(m if i == 0 else "", str(r["design"]), _ci(r["mean"], r["ci_low"], r["ci_high"]), diff, pb)
        t.add_section()
    console.print(t)
    if out is not None:
        console.print(f"wrote {out}/summary.json, runs.parquet and comparison.parquet")


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
              help="Result store directory (resumable): runs.parquet, summary.json.")
def sweep_cmd(scenario: Path, grid: tuple[str, ...], lhs: tuple[str, ...], points: int | None,
              random_: bool, sobol_metric: str | None, reps: int, seed: int, workers: int,
              dask: str | None, set_: tuple[str, ...], out: Path | None):
    """Run a scenario over a parameter grid or design; one row per (point, replication)."""
    from .experiment import parse_grid, parse_ranges, sobol, sweep, sweep_summary

    _check_out(out)
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
                    workers=workers, dask=dask, out=out)
        t = Table(title=f"Sobol indices of {sobol_metric} ({len(res.runs)} runs, seed {seed})")
        for c in ("parameter", "first order", "total order"):
            t.add_column(c, justify="left" if c == "parameter" else "right")
        for _, r in res.indices.iterrows():
            t.add_row(str(r["parameter"]), f"{r['first_order']:.3f}", f"{r['total_order']:.3f}")
        console.print(t)
        if out is not None:
            write_table(res.indices, out / "sobol.parquet")
            console.print(f"wrote {out}/runs.parquet, summary.json and sobol.parquet")
        return
    if grid:
        df = sweep(sc, grid=parse_grid(grid), n=reps, seed=seed, workers=workers, dask=dask, out=out)
    else:
        df = sweep(sc, design="random" if random_ else "lhs", ranges=parse_ranges(lhs), points=points,
                   n=reps, seed=seed, workers=workers, dask=dask, out=out)
    summ = sweep_summary(df)
    params = [c for c in summ.columns if c not in ("n",) and not c.startswith(("profit_", "retention_rate_"))]
    t = Table(title=f"{sc.name}: {len(summ)} points x {reps} replications (seed {seed}; 95% CI)")
    for c in ("point", *params, "profit ± 95% CI", "retention ± 95% CI"):
        t.add_column(c, justify="right")
    for p, r in summ.iterrows():
        t.add_row(str(p), *(fmt(float(r[c])) if isinstance(r[c], int | float) else str(r[c]) for c in params),
                  _ci(r["profit_mean"], r["profit_ci_low"], r["profit_ci_high"]),
                  _ci(r["retention_rate_mean"], r["retention_rate_ci_low"], r["retention_rate_ci_high"]))
    console.print(t)
    if out is not None:
        console.print(f"wrote {out}/runs.parquet and summary.json")


# ---------------------------------------------------------------------------- calibrate
_SAMPLES = {"cdnow": "cdnow_sample_path"}


def _transaction_log(log: str) -> Path:
    """A log file path, or a bundled sample by name (``cdnow``)."""
    path = Path(log)
    if path.exists():
        if path.is_dir():
            raise LoopsimError(f"{log}: is a directory, not a transaction log (CSV or Parquet)")
        return path
    if log.lower() in _SAMPLES:
        from . import calibrate as cal_mod

        return getattr(cal_mod, _SAMPLES[log.lower()])()
    raise LoopsimError(f"{log}: file not found (give a CSV/Parquet transaction log, or "
                       f"{', '.join(_SAMPLES)} for a bundled sample)")


@app.command()
@click.argument("log", metavar="LOG")
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True,
              help="Scenario file to write (TOML).")
@click.option("--extends", "extends", type=click.Path(path_type=Path), default=None,
              help="Base scenario the calibrated population is put into (written as a path "
                   "relative to the output file's folder).")
@click.option("--model", type=click.Choice(["bgnbd", "paretonbd"]), default="bgnbd",
              show_default=True, help="Purchase/dropout model.")
@click.option("--unit-days", type=POSITIVE, default=7.0,
              show_default=True, help="Time unit of the fitted rates (days; 7 = weeks).")
@click.option("--calibration-end", default=None, metavar="DATE",
              help="Last day of the calibration period (default: the last transaction).")
@click.option("--customer-col", default="customer_id", show_default=True, help="Customer id column.")
@click.option("--time-col", default="date", show_default=True,
              help="Date column (or numeric time in days).")
@click.option("--amount-col", default="amount", show_default=True,
              help="Amount column ('' for a log without amounts: no spend model).")
@click.option("--time-format", default=None, metavar="FORMAT",
              help="strptime format of the date column, e.g. %Y%m%d (default: inferred).")
def calibrate(log: str, out: Path, extends: Path | None, model: str, unit_days: float,
              calibration_end: str | None, customer_col: str, time_col: str, amount_col: str,
              time_format: str | None):
    """Fit a population (BG/NBD or Pareto/NBD, Gamma-Gamma spend) to a transaction log.

    LOG is a CSV or Parquet file with one row per transaction, or `cdnow` for the bundled CDNOW
    sample. Prints the estimates with standard errors and writes a runnable scenario to --out:
    with --extends, the base scenario with the calibrated population; without, a cohort like the
    log's (its customers, first purchases spread as in the log, horizon the log's span).
    """
    import warnings

    import pandas as pd

    from . import calibrate as cal_mod
    from .scenario import load_scenario
    from .store import atomic_write_text

    path = _transaction_log(log)
    if out.exists() and out.is_dir():
        raise LoopsimError(f"{out}: --out must be a scenario file name (it is a directory)")
    if extends is not None and not extends.is_file():
        raise LoopsimError(f"{extends}: --extends: base scenario not found")
    if extends is not None:
        try:
            load_scenario(extends)   # a broken base is named as such, before any fitting
        except ScenarioError as exc:
            raise LoopsimError(f"--extends {exc}") from None
    try:
        tx = cal_mod.read_transactions(path, customer_col=customer_col, time_col=time_col,
                                       amount_col=amount_col or None, time_format=time_format)
    except ValueError as exc:
        raise LoopsimError(str(exc).splitlines()[0] if str(exc).startswith(str(path))
                           else f"{path}: {str(exc).splitlines()[0]}") from None
    if len(tx) == 0:
        raise LoopsimError(f"{path}: no transactions")
    is_dt = pd.api.types.is_datetime64_any_dtype(tx["time"])
    if calibration_end is not None:
        try:
            cal_end = pd.Timestamp(calibration_end) if is_dt else float(calibration_end)
        except (ValueError, TypeError):
            what = "a date like 1997-09-30" if is_dt else "a number of days (the log's times are numbers)"
            raise LoopsimError(f"--calibration-end: {calibration_end!r} is not {what}") from None
    else:
        cal_end = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cal = cal_mod.calibrate(tx, model=model, unit_days=unit_days, calibration_end=cal_end,
                                    spend=bool(amount_col), source=path.name)
        except ValueError as exc:
            raise LoopsimError(f"{path}: {str(exc).splitlines()[0]}") from None
    for w in caught:
        console.print(f"[yellow]note:[/yellow] {w.message}")
    if cal.spend is not None and cal.spend.params["q"] <= 1:
        console.print("[yellow]note:[/yellow] the spend model is left out (q <= 1); the scenario "
                      "keeps its base's spend")
        cal.spend = None
    for fit, title in ((cal.purchase, {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD"}[model]),
                       (cal.spend, "Gamma-Gamma spend")):
        if fit is None:
            continue
        console.print(f"{title}: n = {fit.n:,} customers, log-likelihood {fit.loglik:,.2f}",
                      markup=False, highlight=False)
        t = Table()
        for c in ("parameter", "estimate", "se"):
            t.add_column(c, justify="left" if c == "parameter" else "right")
        for k, v in fit.params.items():
            t.add_row(k, f"{v:.4g}", f"{fit.se[k]:.2g}")
        console.print(t)
    unit = "week" if unit_days == 7 else f"{unit_days:g} days"
    console.print(f"rates per {unit}; calibration period ends {cal.calibration_end}")

    extra: dict = {"name": f"Calibrated on {path.name} ({model})"}
    ext_rel = None
    if extends is not None:
        ext_rel = Path(os.path.relpath(extends.resolve(), out.resolve().parent)).as_posix()
    else:
        first_days = (cal.rfm["T"].max() - cal.rfm["T"]) * unit_days
        span = tx["time"].max() - tx["time"].min()
        span_days = span.total_seconds() / 86400.0 if is_dt else float(span)
        extra["time"] = {"horizon_days": float(math.ceil(span_days + 1))}
        extra["market"] = {"initial_customers": int(len(cal.rfm)), "initial_first_purchase": True,
                           "initial_spread_days": round(float(first_days.max()), 3)}
    text = cal.to_toml(extends=ext_rel, extra=extra)

    def validate(tmp: Path) -> None:   # the written file, next to --out, before it replaces anything
        try:
            load_scenario(tmp)
        except ScenarioError as exc:
            where = f"{exc.field}: " if exc.field else ""
            raise LoopsimError(f"{out}: the calibrated scenario would be invalid: {where}{exc.message}"
                               ) from None

    atomic_write_text(out, text, check=validate)
    click.echo(f"wrote {out}" + (f" (extends {ext_rel})" if ext_rel else ""))


# ---------------------------------------------------------------------------- export-transactions
_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def _table_path(path: Path, option: str) -> Path:
    if path.suffix.lower() not in _TABLE_SUFFIXES:
        raise LoopsimError(f"{path}: {option} must end in .csv or .parquet")
    if path.is_dir():
        raise LoopsimError(f"{path}: {option} is a directory; give a file name")
    return path


@app.command("export-transactions")
@scenario_arg
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True,
              help="Transactions file (.csv or .parquet).")
@seed_opt
@set_opt
@click.option("--rfm", type=click.Path(path_type=Path), default=None,
              help="Also write the RFM summary (frequency, recency, T, monetary_value) here.")
@click.option("--customers", "customers_out", type=click.Path(path_type=Path), default=None,
              help="Also write per-customer durations and churn flags (for lifelines) here.")
@click.option("--start-date", default="2000-01-01", show_default=True,
              help="Calendar date of simulation day 0.")
@click.option("--unit-days", type=POSITIVE, default=7.0,
              show_default=True, help="Time unit of recency and T in the RFM summary (days).")
def export_transactions(scenario: Path, out: Path, seed: int, set_: tuple[str, ...],
                        rfm: Path | None, customers_out: Path | None, start_date: str,
                        unit_days: float):
    """Simulate a scenario and write its transactions for lifetimes / PyMC-Marketing.

    Columns customer_id, date, monetary_value (one row per purchase, amount paid); with --rfm
    also the per-customer summary over the whole horizon (same-day purchases merged, as the BTYD
    libraries do), with --customers the durations (tenure_days) and event flags (churned).
    """
    import pandas as pd

    from .calibrate import merge_same_day, rfm_summary, to_btyd_transactions
    from .engine import simulate

    _table_path(out, "--out")
    seen = {out.resolve(): "--out"}
    for p, opt in ((rfm, "--rfm"), (customers_out, "--customers")):
        if p is not None:
            _table_path(p, opt)
            if p.resolve() in seen:
                raise LoopsimError(f"{p}: {opt} and {seen[p.resolve()]} name the same file; give each its own")
            seen[p.resolve()] = opt
    try:
        start = pd.Timestamp(start_date)
    except (ValueError, TypeError):
        raise LoopsimError(f"--start-date: {start_date!r} is not a date like 2000-01-01") from None
    sc = load(scenario, set_)
    if not sc.time.record_transactions:
        raise LoopsimError(f"{scenario}: time.record_transactions is false; nothing to export")
    res = simulate(sc, seed=seed)
    tx = to_btyd_transactions(res.transactions, start_date=start.isoformat())
    tx["date"] = tx["date"].dt.round("s")
    tx = tx.sort_values(["date", "customer_id"], kind="stable").reset_index(drop=True)
    write_table(tx, out)
    t = Table(title=f"{sc.name}  (seed {seed}; day 0 = {start.date()})", title_justify="left")
    t.add_column("file")
    t.add_column("rows", justify="right")
    t.add_column("content")
    t.add_row(str(out), f"{len(tx):,}", "customer_id, date, monetary_value")
    if rfm is not None:
        end = start + pd.Timedelta(days=sc.time.horizon_days)
        merged = merge_same_day(tx.rename(columns={"date": "time", "monetary_value": "amount"}))
        summ = rfm_summary(merged, calibration_end=end, unit_days=unit_days).reset_index()
        write_table(summ, rfm)
        t.add_row(str(rfm), f"{len(summ):,}", f"RFM: frequency, recency, T (units of {unit_days:g} days), "
                  "monetary_value")
    if customers_out is not None:
        cols = ["customer_id", "segment", "acquired_at", "tenure_days", "churned", "churned_at",
                "purchases", "revenue", "clv"]
        cust = res.customers[[c for c in cols if c in res.customers.columns]].copy()
        if "segment" in cust:
            cust["segment"] = cust["segment"].astype(str)
        write_table(cust, customers_out)
        t.add_row(str(customers_out), f"{len(cust):,}", "durations (tenure_days) and events (churned)")
    console.print(t)


# ---------------------------------------------------------------------------- entry point
def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning bad input into one line and exit code 2."""
    # A terminated experiment (a batch system's time limit, `kill`) stops like Ctrl-C: finished
    # runs stay in the store and the message says so.
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    term = signal.getsignal(signal.SIGTERM) if hasattr(signal, "SIGTERM") and main_thread else None
    if term == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        _main(argv)
    finally:
        if term == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, term)


def _main(argv: list[str] | None) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        rv = app.main(args=argv, standalone_mode=False, prog_name="loopsim")
        if isinstance(rv, int) and rv:
            sys.exit(rv)
    except (LoopsimError, ScenarioError) as exc:
        err.print(f"loopsim: error: {exc}", markup=False)
        sys.exit(2)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(0)
    except click.exceptions.NoSuchOption as exc:
        err.print(f"loopsim: error: {exc.format_message()}", markup=False)
        sys.exit(2)
    except click.exceptions.UsageError as exc:
        msg = exc.format_message().replace("\n", " ")
        err.print(f"loopsim: error: {msg}", markup=False)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):
        err.print("loopsim: error: interrupted", markup=False)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except MemoryError:
        err.print("loopsim: error: out of memory; simulate fewer customers (market.initial_customers, "
                  "arrivals), a shorter time.horizon_days, or use fewer --workers", markup=False)
        sys.exit(2)
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        err.print(f"loopsim: error: {where}{exc.strerror or exc}", markup=False)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
