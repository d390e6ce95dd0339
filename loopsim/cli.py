"""The ``loopsim`` command.

Every command prints a readable table; commands that write results write ``DIR/summary.json``
and tidy tables. Bad input gives one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .errors import LoopsimError, ScenarioError

console = Console()


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
seed_opt = click.option("--seed", "-s", type=int, default=1, show_default=True, help="Root random seed.")
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(df, path: Path) -> None:
    """Write a DataFrame atomically as Parquet or CSV (by suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if path.suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_summary_json(path: Path, payload: dict) -> None:
    def clean(o):
        if isinstance(o, float) and not math.isfinite(o):
            return None
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v) for v in o]
        return o

    atomic_write_bytes(path, json.dumps(clean(payload), indent=2).encode())


def _check_out(out: Path | None) -> None:
    if out is not None and out.exists() and not out.is_dir():
        raise LoopsimError(f"{out}: --out must be a directory (it is a file)")


# ---------------------------------------------------------------------------- run
@app.command()
@scenario_arg
@click.option("--reps", "-n", type=click.IntRange(min=1), default=1, show_default=True,
              help="Replications (mean and 95% CI per metric).")
@seed_opt
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")
@set_opt
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Write summary.json and tables to this directory.")
@click.option("--format", "fmt_", type=click.Choice(["parquet", "csv"]), default="parquet",
              show_default=True, help="Table format.")
def run(scenario: Path, reps: int, seed: int, workers: int, set_: tuple[str, ...], out: Path | None,
        fmt_: str):
    """Simulate a scenario and print its summary metrics."""
    if fmt_ not in ("parquet", "csv"):
        raise LoopsimError(f"--format: {fmt_!r} is not allowed; use parquet or csv")
    _check_out(out)
    sc = load(scenario, set_)
    from .engine import simulate

    if reps == 1:
        with console.status(f"simulating {sc.name} ...", spinner="dots") if sys.stderr.isatty() else _null():
            res = simulate(sc, seed=seed)
        t = Table(title=f"{sc.name}  (seed {seed}, {res.elapsed_seconds:.1f} s)")
        t.add_column("metric")
        t.add_column("value", justify="right")
        for k, v in res.summary.items():
            t.add_row(k, fmt(v))
        console.print(t)
        if out is not None:
            ext = ".csv" if fmt_ == "csv" else ".parquet"
            for name in ("customers", "transactions", "timeline", "contacts"):
                write_table(getattr(res, name), out / f"{name}{ext}")
            write_summary_json(out / "summary.json", {
                "scenario": sc.name, "scenario_hash": sc.hash, "seed": seed, "replications": 1,
                "metrics": res.summary})
            console.print(f"wrote {out}/summary.json and tables ({fmt_})")
        return
    from .experiment import replicate

    exp = replicate(sc, n=reps, seed=seed, workers=workers)
    summ = exp.summary()
    t = Table(title=f"{sc.name}  ({reps} replications, seed {seed}, 95% CI)")
    for c in ("metric", "mean", "ci_low", "ci_high", "sd"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for metric, row in summ.iterrows():
        t.add_row(str(metric), fmt(row["mean"]), fmt(row["ci_low"]), fmt(row["ci_high"]), fmt(row["sd"]))
    console.print(t)
    if out is not None:
        ext = ".csv" if fmt_ == "csv" else ".parquet"
        write_table(exp.runs, out / f"runs{ext}")
        write_table(summ.reset_index(), out / f"summary{ext}")
        write_summary_json(out / "summary.json", {
            "scenario": sc.name, "scenario_hash": sc.hash, "seed": seed, "replications": reps,
            "metrics": {m: dict(r) for m, r in summ.iterrows()}})
        console.print(f"wrote {out}/summary.json and tables ({fmt_})")


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
@app.command()
def policies():
    """List every policy type with its parameters and defaults."""
    from .scenario import policy_types

    for name, cls in policy_types().items():
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        t = Table(title=f"{name}  [{getattr(cls, 'kind', '')}]  {doc}", title_justify="left")
        t.add_column("parameter")
        t.add_column("default", justify="right")
        t.add_column("description")
        for fname, f in cls.Params.model_fields.items():
            if fname == "type":
                continue
            default = "required" if f.is_required() else repr(f.get_default(call_default_factory=True))
            if hasattr(f.default, "model_dump"):
                default = json.dumps(f.default.model_dump(mode="json", by_alias=True))
            t.add_row(f.alias or fname, default, f.description or "")
        console.print(t)


# ---------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning bad input into one line and exit code 2."""
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
    except click.exceptions.Abort:
        err.print("loopsim: interrupted", markup=False)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("loopsim: interrupted", markup=False)
        sys.exit(130)
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        err.print(f"loopsim: error: {where}{exc.strerror or exc}", markup=False)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
