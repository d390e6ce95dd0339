"""Reading a transaction log (CSV or Parquet) and refusing bad entries with one line naming the
file, the column, the row and the value; the bundled CDNOW sample; merging same-day purchases."""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

_PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}


def cdnow_sample_path() -> Path:
    """Path of the CDNOW sample shipped with loopsim (``loopsim/data/cdnow_sample.csv``).

    2,357 customers of the CDNOW 1997 Q1 cohort, 6,919 transactions to 1998-06-30 (see
    ``loopsim/data/README.md`` for the source and citation).
    """
    return Path(str(resources.files("loopsim").joinpath("data", "cdnow_sample.csv")))


def merge_same_day(df: pd.DataFrame) -> pd.DataFrame:
    """Merge the transactions of one customer on the same day (amounts summed).

    Datetime times are normalised to the day; numeric times (days) are grouped by
    ``floor(time)`` and keep the earliest time of the day. This is the usual BTYD convention
    (e.g. the CDNOW analyses of Fader, Hardie & Lee 2005), so that ``frequency`` counts
    purchase *days*.
    """
    out = df.copy()
    if pd.api.types.is_datetime64_any_dtype(out["time"]):
        out["time"] = out["time"].dt.normalize()
        keys = ["customer_id", "time"]
        merged = out.groupby(keys, as_index=False, sort=True)["amount"].sum(min_count=1)
    else:
        out["_day"] = np.floor(out["time"].to_numpy(dtype=float))
        merged = (out.groupby(["customer_id", "_day"], as_index=False, sort=True)
                  .agg(time=("time", "min"), amount=("amount", lambda s: s.sum(min_count=1))))
        merged = merged.drop(columns="_day")
    return merged[["customer_id", "time", "amount"]].reset_index(drop=True)


_merge_days = merge_same_day  # read_transactions' keyword argument shadows the public name


def read_transactions(path: str | Path, customer_col: str = "customer_id", time_col: str = "date",
                      amount_col: str | None = "amount", time_format: str | None = None,
                      merge_same_day: bool = True) -> pd.DataFrame:
    """Read a transaction log (CSV, or Parquet by suffix ``.parquet``/``.pq``).

    Parameters
    ----------
    path : the file.
    customer_col, time_col, amount_col : column names in the file. ``amount_col=None`` reads a log
        without amounts (``amount`` is then NaN and no spend model is fitted).
    time_format : ``strptime`` format of the time column (e.g. ``"%Y%m%d"``). Without it, numeric
        times are kept as floats (taken to be **days**, as in loopsim's own output) and anything
        else is parsed as dates.
    merge_same_day : merge (sum) the transactions of one customer on the same day, as in the BTYD
        literature (see :func:`merge_same_day`).

    Returns
    -------
    DataFrame with columns ``customer_id``, ``time`` (datetime64 or float days) and ``amount``
    (currency), sorted by customer and time.

    Raises
    ------
    ValueError
        one line naming the file and the missing column, or the column, row (counted from 1,
        the header not counted) and value of the first bad entry: a missing customer id or time,
        a time that does not parse (the message lists the accepted formats), or an amount that is
        missing, not a number, not finite or negative (returns/refunds are not supported).
    """
    path = Path(path)
    raw = pd.read_parquet(path) if path.suffix.lower() in _PARQUET_SUFFIXES else pd.read_csv(path)
    wanted = [("customer", customer_col), ("time", time_col)]
    if amount_col is not None:
        wanted.append(("amount", amount_col))
    for _role, col in wanted:
        if col not in raw.columns:
            present = ", ".join(map(str, raw.columns))
            raise ValueError(f"{path}: missing column {col!r} (columns present: {present})")
    for col in (customer_col, time_col):
        missing = raw[col].isna().to_numpy()
        if missing.any():
            raise ValueError(f"{path}: column {col!r}, row {_row(missing)}: missing value; "
                             "every transaction needs a customer id and a time")
    time = _parse_times(path, raw[time_col], time_col, time_format)
    if pd.api.types.is_datetime64_any_dtype(time) and getattr(time.dt, "tz", None) is not None:
        time = time.dt.tz_localize(None)
    if amount_col is None:
        amount = pd.Series(np.nan, index=raw.index)
    else:
        amount = _parse_amounts(path, raw[amount_col], amount_col)
    df = pd.DataFrame({"customer_id": raw[customer_col].to_numpy(), "time": time.to_numpy(),
                       "amount": amount.to_numpy(dtype=float)})
    if merge_same_day:
        return _merge_days(df)
    return df.sort_values(["customer_id", "time"], kind="stable").reset_index(drop=True)


def _row(bad: np.ndarray) -> int:
    """1-based row number (data rows, the header not counted) of the first True in ``bad``."""
    return int(np.flatnonzero(bad)[0]) + 1


_TIME_FORMATS = ("accepted: dates such as 2020-01-31, 2020-01-31 14:30:00 or 01/31/2020 written "
                 "the same way throughout the column, or numbers (days); for any other layout give "
                 "time_format (--time-format), a strptime format such as %Y%m%d")


def _parse_times(path: Path, t: pd.Series, col: str, time_format: str | None) -> pd.Series:
    """Parse the time column (no missing values) or raise one line naming the file, the column,
    the first value that does not parse, its row and the accepted formats."""
    try:
        if time_format is not None:
            return pd.to_datetime(t.astype(str), format=time_format)
        if pd.api.types.is_numeric_dtype(t):
            return t.astype(float)
        if pd.api.types.is_datetime64_any_dtype(t):
            return t
        with warnings.catch_warnings():   # pandas' note when it parses value by value
            warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
            return pd.to_datetime(t)
    except (ValueError, TypeError) as exc:
        error = exc
    head = f"{path}: column {col!r} could not be parsed as times"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if time_format is not None:
                parsed = pd.to_datetime(t.astype(str), format=time_format, errors="coerce")
            else:
                parsed = pd.to_datetime(t, errors="coerce")
            bad = parsed.isna().to_numpy()
        except (ValueError, TypeError):  # e.g. mixed time zones: no single bad value
            bad = np.zeros(len(t), dtype=bool)
    if not bad.any():
        reason = str(error).splitlines()[0].removesuffix(" You might want to try:").rstrip(".:")
        raise ValueError(f"{head} ({reason}); {_TIME_FORMATS}") from None
    i = _row(bad)
    value = t.iloc[i - 1]
    if time_format is not None:
        raise ValueError(f"{head}: row {i} has {str(value)!r}, which does not match the time format "
                         f"{time_format!r} (time_format / --time-format)") from None
    first = str(t.iloc[0])
    guess = guess_datetime_format(first) if i > 1 else None
    if guess is not None:
        raise ValueError(f"{head}: row {i} has {str(value)!r}, but row 1 has {first!r} "
                         f"({guess}); {_TIME_FORMATS}") from None
    raise ValueError(f"{head}: row {i} has {str(value)!r}; {_TIME_FORMATS}") from None


def _parse_amounts(path: Path, a: pd.Series, col: str) -> pd.Series:
    """Amounts as floats; refuse (one line naming the file, column, row and value) missing,
    non-numeric, non-finite and negative ones. Returns and refunds are not supported: the spend
    model is of the value of purchases."""
    amount = pd.to_numeric(a, errors="coerce").astype(float)
    values = amount.to_numpy()
    checks = (
        (a.isna().to_numpy(), "missing value"),
        (np.isnan(values), "not a number"),
        (~np.isfinite(values), "not a finite number"),
        (values < 0, "negative (returns and refunds are not supported)"),
    )
    for bad, why in checks:
        if bad.any():
            i = _row(bad)
            shown = "" if why == "missing value" else f"{str(a.iloc[i - 1])!r} is "
            raise ValueError(f"{path}: column {col!r}, row {i}: {shown}{why}; amounts must be "
                             "finite numbers >= 0 (in currency)")
    return amount
