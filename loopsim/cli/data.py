"""Transaction logs: ``calibrate`` and ``export-transactions``."""

from __future__ import annotations

import math
import os
from pathlib import Path

import click
from rich.table import Table

from ..errors import LoopsimError, ScenarioError
from .common import (
    POSITIVE,
    app,
    console,
    load,
    scenario_arg,
    seed_opt,
    set_opt,
    write_table,
)

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
        from .. import calibrate as cal_mod

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
@click.option("--plots", is_flag=True, help="Also draw the fit's figures (PNG and SVG) into "
              "OUT's folder, in OUTNAME_figures/ (the holdout figure needs --calibration-end).")
def calibrate(log: str, out: Path, extends: Path | None, model: str, unit_days: float,
              calibration_end: str | None, customer_col: str, time_col: str, amount_col: str,
              time_format: str | None, plots: bool):
    """Fit a population (BG/NBD or Pareto/NBD, Gamma-Gamma spend) to a transaction log.

    LOG is a CSV or Parquet file with one row per transaction, or `cdnow` for the bundled CDNOW
    sample. Prints the estimates with standard errors and writes a runnable scenario to --out:
    with --extends, the base scenario with the calibrated population; without, a cohort like the
    log's (its customers, first purchases spread as in the log, horizon the log's span).
    """
    import warnings

    import pandas as pd

    from .. import calibrate as cal_mod
    from ..scenario import load_scenario
    from ..store import atomic_write_text

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
    if plots:
        from .plot import plots_for_calibration

        plots_for_calibration(cal, tx, cal_end, out.with_name(f"{out.stem}_figures"))


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

    from ..calibrate import merge_same_day, rfm_summary, to_btyd_transactions
    from ..engine import simulate

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


