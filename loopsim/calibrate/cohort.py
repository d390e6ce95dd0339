"""From a transaction log file to a runnable calibrated scenario file (what ``loopsim calibrate``
does): resolve and read the log, parse the calibration end, fit, build the scenario (the base it
extends, or a cohort like the log's) and write it atomically after validating it.

Every refusal is a one-line :class:`~loopsim.errors.LoopsimError` naming the file or the option.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import LoopsimError, ScenarioError
from .calibration import Calibration
from .fit import calibrate
from .log import cdnow_sample_path, read_transactions

#: Bundled transaction logs that can be named instead of a file.
SAMPLES = {"cdnow": cdnow_sample_path}


@dataclass
class CohortCalibration:
    """A log calibrated into a scenario, ready to be written by :meth:`write`.

    Attributes
    ----------
    calibration : the fit (``spend`` is None when the spend model was left out).
    log : the transaction log file read.
    out : the scenario file to write (TOML).
    text : the scenario file's content.
    extends : the base scenario as written in the file (relative to ``out``'s folder), or None.
    notes : what the user should know about the fit (warnings, a left-out spend model), in order.
    transactions : the log as read (same-day purchases merged), e.g. for figures of the fit.
    calibration_end : the calibration end as parsed (a Timestamp, or days), None when the log's
        last transaction ends the calibration period.
    """

    calibration: Calibration
    log: Path
    out: Path
    text: str
    extends: str | None = None
    notes: list[str] = field(default_factory=list)
    transactions: pd.DataFrame | None = field(default=None, repr=False)
    calibration_end: Any = None

    def write(self) -> None:
        """Write :attr:`text` to :attr:`out` atomically, after checking (next to ``out``, before
        it replaces anything) that it loads as a valid scenario; nothing is left half-written."""
        from ..scenario import load_scenario
        from ..store import atomic_write_text

        out = self.out

        def validate(tmp: Path) -> None:
            try:
                load_scenario(tmp)
            except ScenarioError as exc:
                where = f"{exc.field}: " if exc.field else ""
                raise LoopsimError(f"{out}: the calibrated scenario would be invalid: "
                                   f"{where}{exc.message}") from None

        atomic_write_text(out, self.text, check=validate)


def transaction_log(log: str | Path) -> Path:
    """A transaction log file, or a bundled sample named by :data:`SAMPLES` (``cdnow``).

    Raises :class:`LoopsimError` for a directory or a file that does not exist."""
    path = Path(log)
    if path.exists():
        if path.is_dir():
            raise LoopsimError(f"{log}: is a directory, not a transaction log (CSV or Parquet)")
        return path
    if str(log).lower() in SAMPLES:
        return SAMPLES[str(log).lower()]()
    raise LoopsimError(f"{log}: file not found (give a CSV/Parquet transaction log, or "
                       f"{', '.join(SAMPLES)} for a bundled sample)")


def _check_targets(out: Path, extends: Path | None) -> None:
    """Refuse an ``out`` that is a directory and a missing or broken base, before any fitting."""
    from ..scenario import load_scenario

    if out.exists() and out.is_dir():
        raise LoopsimError(f"{out}: --out must be a scenario file name (it is a directory)")
    if extends is None:
        return
    if not extends.is_file():
        raise LoopsimError(f"{extends}: --extends: base scenario not found")
    try:
        load_scenario(extends)
    except ScenarioError as exc:
        raise LoopsimError(f"--extends {exc}") from None


def _read_log(path: Path, **columns: Any) -> pd.DataFrame:
    """:func:`read_transactions` with its refusals as one line that names the file."""
    try:
        tx = read_transactions(path, **columns)
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        raise LoopsimError(first if str(exc).startswith(str(path)) else f"{path}: {first}") from None
    if len(tx) == 0:
        raise LoopsimError(f"{path}: no transactions")
    return tx


def parse_calibration_end(value: str | None, is_datetime: bool) -> Any:
    """The ``--calibration-end`` text as the log's time type: a Timestamp for a log of dates, days
    (float) for a log of numeric times; None stays None (the last transaction)."""
    if value is None:
        return None
    try:
        return pd.Timestamp(value) if is_datetime else float(value)
    except (ValueError, TypeError):
        what = "a date like 1997-09-30" if is_datetime else "a number of days (the log's times are numbers)"
        raise LoopsimError(f"--calibration-end: {value!r} is not {what}") from None


def _fit(tx: pd.DataFrame, path: Path, notes: list[str], **options: Any) -> Calibration:
    """:func:`calibrate`, its refusals as one line naming the file and its warnings as notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cal = calibrate(tx, source=path.name, **options)
        except ValueError as exc:
            raise LoopsimError(f"{path}: {str(exc).splitlines()[0]}") from None
    notes += [str(w.message) for w in caught]
    if cal.spend is not None and cal.spend.params["q"] <= 1:
        notes.append("the spend model is left out (q <= 1); the scenario keeps its base's spend")
        cal.spend = None
    return cal


def cohort_fields(cal: Calibration, tx: pd.DataFrame) -> dict[str, Any]:
    """Scenario fields that make a run look like the log's cohort: ``time.horizon_days`` (the
    log's span in days, rounded up, plus one day) and ``market`` (the calibration period's
    customers as the initial customers, first purchases spread over ``initial_spread_days`` days
    as in the log)."""
    first_days = (cal.rfm["T"].max() - cal.rfm["T"]) * cal.unit_days
    span = tx["time"].max() - tx["time"].min()
    is_dt = pd.api.types.is_datetime64_any_dtype(tx["time"])
    span_days = span.total_seconds() / 86400.0 if is_dt else float(span)
    return {"time": {"horizon_days": float(math.ceil(span_days + 1))},
            "market": {"initial_customers": int(len(cal.rfm)), "initial_first_purchase": True,
                       "initial_spread_days": round(float(first_days.max()), 3)}}


def calibrate_log(log: str | Path, out: Path, extends: Path | None = None, model: str = "bgnbd",
                  unit_days: float = 7.0, calibration_end: str | None = None,
                  customer_col: str = "customer_id", time_col: str = "date",
                  amount_col: str | None = "amount", time_format: str | None = None
                  ) -> CohortCalibration:
    """Calibrate a transaction log into a runnable scenario (not written yet: see
    :meth:`CohortCalibration.write`).

    Parameters
    ----------
    log : a CSV/Parquet transaction log, or ``cdnow`` for the bundled sample.
    out : the scenario file to write; a base's path is written relative to its folder.
    extends : a base scenario; the written file is the base with the calibrated population.
        Without it the file is a cohort like the log's (:func:`cohort_fields`).
    model, unit_days : as for :func:`~loopsim.calibrate.calibrate` (``unit_days`` in days).
    calibration_end : last day of the calibration period as text (a date, or days for a log
        with numeric times); default the last transaction.
    customer_col, time_col, amount_col, time_format : as for :func:`read_transactions`;
        ``amount_col`` empty or None: no amounts and no spend model.

    Raises
    ------
    LoopsimError
        one line naming the file or option: a missing log or base, an ``out`` that is a
        directory, a broken base, a bad log entry, a bad calibration end, a log that cannot
        identify the model.
    """
    path = transaction_log(log)
    _check_targets(out, extends)
    tx = _read_log(path, customer_col=customer_col, time_col=time_col,
                   amount_col=amount_col or None, time_format=time_format)
    cal_end = parse_calibration_end(calibration_end,
                                    pd.api.types.is_datetime64_any_dtype(tx["time"]))
    notes: list[str] = []
    cal = _fit(tx, path, notes, model=model, unit_days=unit_days, calibration_end=cal_end,
               spend=bool(amount_col))
    extra: dict[str, Any] = {"name": f"Calibrated on {path.name} ({model})"}
    ext_rel = None
    if extends is not None:
        ext_rel = Path(os.path.relpath(extends.resolve(), out.resolve().parent)).as_posix()
    else:
        extra.update(cohort_fields(cal, tx))
    return CohortCalibration(calibration=cal, log=path, out=out, extends=ext_rel, notes=notes,
                             text=cal.to_toml(extends=ext_rel, extra=extra), transactions=tx,
                             calibration_end=cal_end)
