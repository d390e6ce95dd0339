"""The per-customer recency/frequency/monetary (RFM) summary the BTYD models are fitted on."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LoopsimError


def _check_unit_days(unit_days: Any) -> float:
    """``unit_days`` as a float, or a one-line :class:`LoopsimError` naming the option."""
    try:
        value = float(unit_days)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise LoopsimError(f"unit_days (--unit-days): {unit_days!r} is not allowed; give the time "
                           "unit in days, a finite number > 0 (7 = weeks)")
    return value



def _to_time(value: Any, is_datetime: bool) -> Any:
    if value is None:
        return None
    if is_datetime:
        return pd.Timestamp(value)
    return float(value)


def _days(delta: pd.Series | Any, is_datetime: bool) -> Any:
    """A time difference (a Series or a scalar; timedeltas, or floats already in days) in days."""
    if is_datetime:
        if isinstance(delta, pd.Series):
            return delta.dt.total_seconds().to_numpy() / 86400.0
        return delta.total_seconds() / 86400.0
    return np.asarray(delta, dtype=float) if isinstance(delta, pd.Series) else float(delta)


def rfm_summary(df: pd.DataFrame, calibration_end: Any = None, observation_end: Any = None,
                unit_days: float = 7.0) -> pd.DataFrame:
    """Per-customer recency/frequency/monetary summary for BTYD fitting.

    Parameters
    ----------
    df : transactions with columns ``customer_id``, ``time`` (datetime64, or float **days**) and
        optionally ``amount`` (currency), e.g. from :func:`read_transactions` (already merged by
        day; this function counts rows, so merge first if needed).
    calibration_end : last time included in the calibration period (a date, or days for float
        times); default the last transaction time. Customers whose first purchase is after it are
        excluded.
    observation_end : end of the holdout period (inclusive); if given, holdout columns are added.
    unit_days : length of the time unit in days (7 = weeks).

    Returns
    -------
    DataFrame indexed by ``customer_id`` with

    * ``frequency`` - repeat purchases in the calibration period (count),
    * ``recency`` - last calibration purchase minus first purchase (time units),
    * ``T`` - ``calibration_end`` minus first purchase (time units),
    * ``monetary_value`` - mean amount of the repeat calibration transactions (0 if none),
    * with ``observation_end``: ``frequency_holdout`` (purchases in ``(calibration_end,
      observation_end]``) and ``duration_holdout`` (``observation_end - calibration_end``, units).
    """
    for col in ("customer_id", "time"):
        if col not in df.columns:
            raise ValueError(f"rfm_summary: missing column {col!r}")
    unit_days = _check_unit_days(unit_days)
    is_dt = pd.api.types.is_datetime64_any_dtype(df["time"])
    d = df[["customer_id", "time"]].copy()
    d["amount"] = df["amount"].astype(float) if "amount" in df.columns else np.nan
    cal_end = _to_time(calibration_end, is_dt)
    if cal_end is None:
        cal_end = d["time"].max()
    obs_end = _to_time(observation_end, is_dt)

    cal = d[d["time"] <= cal_end].sort_values(["customer_id", "time"], kind="stable")
    grp = cal.groupby("customer_id", sort=True)
    first = grp["time"].min()
    last = grp["time"].max()
    count = grp.size()
    rank = grp.cumcount()
    repeat = cal[rank.to_numpy() > 0]
    rep_mean = repeat.groupby("customer_id")["amount"].mean()
    out = pd.DataFrame(index=first.index)
    out["frequency"] = (count - 1).astype(int)
    out["recency"] = _days(last - first, is_dt) / unit_days
    out["T"] = _days(cal_end - first, is_dt) / unit_days
    out["monetary_value"] = rep_mean.reindex(out.index).fillna(0.0).astype(float)
    if obs_end is not None:
        if obs_end < cal_end:
            raise ValueError("rfm_summary: observation_end is before calibration_end")
        hold = d[(d["time"] > cal_end) & (d["time"] <= obs_end)]
        out["frequency_holdout"] = (hold.groupby("customer_id").size()
                                    .reindex(out.index).fillna(0).astype(int))
        out["duration_holdout"] = _days(obs_end - cal_end, is_dt) / unit_days
    out.index.name = "customer_id"
    return out
