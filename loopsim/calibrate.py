"""Calibrate a loopsim population from a transaction log with buy-till-you-die models.

Workflow::

    from loopsim.calibrate import read_transactions, calibrate, cdnow_sample_path
    tx = read_transactions(cdnow_sample_path())               # customer_id, time, amount
    cal = calibrate(tx, model="bgnbd", calibration_end="1997-09-30")
    print(cal.summary_table())
    open("calibrated.toml", "w").write(cal.to_toml(extends="online_shop.toml"))

The purchase/dropout process is fitted with the BG/NBD (Fader, Hardie & Lee 2005, Marketing
Science 24(2)) or the Pareto/NBD (Schmittlein, Morrison & Colombo 1987, Management Science 33(1)),
spend with the Gamma-Gamma model (Fader, Hardie & Lee 2005, JMR 42(4)); see :mod:`loopsim.btyd`.

Conventions (those of the BTYD literature and of the ``lifetimes`` package; with them the
published CDNOW estimates and log-likelihoods are reproduced exactly):

* transactions of one customer on the same day are merged into one (amounts summed);
* ``calibration_end`` is the last day *included* in the calibration period, and the customer's
  age is ``T = (calibration_end - first purchase) / unit_days`` (for CDNOW, calibration_end =
  1997-09-30 gives T = 38.86 weeks for a customer who first bought on 1997-01-01);
* ``frequency`` counts *repeat* purchases (days with a purchase after the first one), and
  ``monetary_value`` is the mean value of the repeat transactions (0 if none), as in the
  Gamma-Gamma papers.

This module does not import the simulation engine or the CLI.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import tomli_w
from pandas.tseries.api import guess_datetime_format

from . import btyd
from .btyd import FitResult
from .errors import LoopsimError

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "MIN_CUSTOMERS",
    "Calibration",
    "calibrate",
    "cdnow_sample_path",
    "merge_same_day",
    "read_transactions",
    "rfm_summary",
    "to_btyd_transactions",
]

_PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}


def cdnow_sample_path() -> Path:
    """Path of the CDNOW sample shipped with loopsim (``loopsim/data/cdnow_sample.csv``).

    2,357 customers of the CDNOW 1997 Q1 cohort, 6,919 transactions to 1998-06-30 (see
    ``loopsim/data/README.md`` for the source and citation).
    """
    return Path(str(resources.files("loopsim").joinpath("data", "cdnow_sample.csv")))


# --------------------------------------------------------------------------- reading


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


# --------------------------------------------------------------------------- RFM summary


def _to_time(value: Any, is_datetime: bool) -> Any:
    if value is None:
        return None
    if is_datetime:
        return pd.Timestamp(value)
    return float(value)


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

    def days(delta: pd.Series | Any) -> Any:
        if is_dt:
            if isinstance(delta, pd.Series):
                return delta.dt.total_seconds().to_numpy() / 86400.0
            return delta.total_seconds() / 86400.0
        return np.asarray(delta, dtype=float) if isinstance(delta, pd.Series) else float(delta)

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
    out["recency"] = days(last - first) / unit_days
    out["T"] = days(cal_end - first) / unit_days
    out["monetary_value"] = rep_mean.reindex(out.index).fillna(0.0).astype(float)
    if obs_end is not None:
        if obs_end < cal_end:
            raise ValueError("rfm_summary: observation_end is before calibration_end")
        hold = d[(d["time"] > cal_end) & (d["time"] <= obs_end)]
        out["frequency_holdout"] = (hold.groupby("customer_id").size()
                                    .reindex(out.index).fillna(0).astype(int))
        out["duration_holdout"] = days(obs_end - cal_end) / unit_days
    out.index.name = "customer_id"
    return out


# --------------------------------------------------------------------------- calibration


def _sig(v: float, digits: int = 6) -> float:
    return float(f"{v:.{digits}g}")


@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    Attributes
    ----------
    model : ``"bgnbd"`` or ``"paretonbd"``.
    purchase : fit of the purchase/dropout model (rates per ``unit_days``).
    spend : Gamma-Gamma fit of spend per purchase (None when the log has no amounts or no
        customer has a repeat purchase).
    unit_days : time unit of the rate parameters (days).
    rfm : the RFM summary the models were fitted on.
    source : description of the data source (file name), used in the TOML header.
    calibration_end : end of the calibration period (as passed or inferred).
    """

    model: str
    purchase: FitResult
    spend: FitResult | None
    unit_days: float
    rfm: pd.DataFrame = field(repr=False)
    source: str | None = None
    calibration_end: Any = None

    def population_fragment(self, purchase_params: dict[str, float] | None = None,
                            spend_params: dict[str, float] | None = None) -> dict[str, Any]:
        """The calibrated population as a scenario dict ``{"population": {...}}``.

        One segment ``calibrated`` (share 1): purchase rates ``Gamma(shape=r, rate=alpha)`` per
        time unit; BG/NBD: ``dropout ~ Beta(a, b)`` after each repeat purchase and no churn hazard;
        Pareto/NBD: no per-purchase dropout and ``churn_hazard ~ Gamma(shape=s, rate=beta)`` per
        time unit; spend ``gamma_gamma`` with ``p, q, gamma``.

        ``purchase_params`` / ``spend_params`` replace the estimates (e.g. a draw from the
        sampling distribution, see :meth:`scenario_draws`); default: the MLE.
        """
        p = purchase_params if purchase_params is not None else self.purchase.params
        seg: dict[str, Any] = {
            "name": "calibrated",
            "share": 1.0,
            "purchase_rate": {"dist": "gamma", "shape": _sig(p["r"]), "rate": _sig(p["alpha"])},
        }
        if self.model == "bgnbd":
            seg["dropout"] = {"dist": "beta", "a": _sig(p["a"]), "b": _sig(p["b"])}
            seg["churn_hazard"] = {"dist": "fixed", "value": 0.0}
        else:
            seg["dropout"] = {"dist": "fixed", "value": 0.0}
            seg["churn_hazard"] = {"dist": "gamma", "shape": _sig(p["s"]), "rate": _sig(p["beta"])}
        if self.spend is not None:
            sp = spend_params if spend_params is not None else self.spend.params
            seg["spend"] = {"model": "gamma_gamma", "p": _sig(sp["p"]), "q": _sig(sp["q"]),
                            "gamma": _sig(sp["gamma"])}
        return {"population": {"time_unit_days": float(self.unit_days),
                               "dropout_timing": "after_repeat",
                               "segments": [seg]}}

    def scenario_draws(self, base_scenario: Scenario, n: int,
                       seed: int | np.random.Generator | None = None) -> list[Scenario]:
        """``n`` copies of ``base_scenario`` whose calibrated population parameters are drawn from
        the fit's sampling distribution (parameter uncertainty carried into an experiment).

        Each draw takes the purchase/dropout parameters from
        :meth:`FitResult.sample_params <loopsim.btyd.FitResult.sample_params>` (log-normal
        around the MLE with the observed-information covariance) and, independently, the
        Gamma-Gamma spend parameters from the spend fit (draws with ``q <= 1``, for which the mean
        spend does not exist, are redrawn). Run replication ``i`` on scenario ``i`` to let the
        spread of the results include the estimation error as well as the simulation noise.

        Parameters
        ----------
        base_scenario : a scenario with the calibrated population, e.g. loaded from the file
            written by ``loopsim calibrate``. Its segment named ``calibrated`` (or its only
            segment) gets the drawn ``purchase_rate``, ``dropout``, ``churn_hazard`` and
            ``spend``; every other field is kept. A base without such a segment gets the
            calibrated population (:meth:`population_fragment`) in place of its own.
        n : number of scenarios.
        seed : seed or Generator of the parameter draws.

        Returns
        -------
        list of validated :class:`~loopsim.scenario.Scenario` (named ``"<name> [draw i]"``).
        """
        from .scenario import validate_scenario

        if n < 1:
            raise ValueError("scenario_draws: n must be >= 1")
        rng = np.random.default_rng(seed)
        purchase = self.purchase.sample_param_dicts(rng, n)
        spend: list[dict[str, float] | None] = [None] * n
        if self.spend is not None:
            spend = []
            while len(spend) < n:
                spend += [d for d in self.spend.sample_param_dicts(rng, n) if d["q"] > 1.0]
            spend = spend[:n]
        base = base_scenario.to_dict()
        segs = base["population"]["segments"]
        idx = next((i for i, sg in enumerate(segs) if sg.get("name") == "calibrated"),
                   0 if len(segs) == 1 else None)
        out = []
        for i in range(n):
            pop = self.population_fragment(purchase[i], spend[i])["population"]
            data = copy.deepcopy(base)
            if idx is None:
                data["population"] = pop
            else:
                drawn = pop["segments"][0]
                seg = data["population"]["segments"][idx]
                for key in ("purchase_rate", "dropout", "churn_hazard", "spend"):
                    if key in drawn:
                        seg[key] = drawn[key]
                data["population"]["time_unit_days"] = pop["time_unit_days"]
                data["population"]["dropout_timing"] = pop["dropout_timing"]
            data["journey"]["churn"]["process"] = "per_purchase"   # the fitted process
            data["name"] = f"{base.get('name', 'scenario')} [draw {i}]"
            out.append(validate_scenario(data, source=f"scenario_draws[{i}]"))
        return out

    def summary_table(self) -> pd.DataFrame:
        """Estimates and standard errors: columns ``param``, ``estimate``, ``se`` (purchase model
        parameters first, then spend parameters)."""
        rows = []
        for fit in (self.purchase, self.spend):
            if fit is None:
                continue
            for k, v in fit.params.items():
                rows.append({"param": k, "estimate": v, "se": fit.se[k]})
        return pd.DataFrame(rows, columns=["param", "estimate", "se"])

    def to_toml(self, extends: str | None = None, extra: dict[str, Any] | None = None) -> str:
        """A scenario fragment in TOML: header comments (source, model, log-likelihood, standard
        errors), ``extends = "..."`` if given, the fields of ``extra`` (e.g. ``name`` or a
        ``market`` table), and the ``[population]`` table of :meth:`population_fragment`."""
        names = {"bgnbd": "BG/NBD (Fader, Hardie & Lee 2005)",
                 "paretonbd": "Pareto/NBD (Schmittlein, Morrison & Colombo 1987)"}
        lines = [
            "# Population calibrated by loopsim.calibrate",
            f"# source: {self.source or '(data frame)'}",
            f"# calibration end: {self.calibration_end}; time unit: {self.unit_days:g} days",
            f"# purchase model: {names.get(self.model, self.model)}, "
            f"n = {self.purchase.n} customers, log-likelihood = {self.purchase.loglik:.2f}",
            "#   " + ", ".join(f"{k} = {v:.4g} (se {self.purchase.se[k]:.2g})"
                               for k, v in self.purchase.params.items()),
        ]
        if self.spend is not None:
            lines += [
                f"# spend model: Gamma-Gamma (Fader, Hardie & Lee 2005), n = {self.spend.n} "
                f"customers with repeat purchases, log-likelihood = {self.spend.loglik:.2f}",
                "#   " + ", ".join(f"{k} = {v:.4g} (se {self.spend.se[k]:.2g})"
                                   for k, v in self.spend.params.items()),
            ]
        doc: dict[str, Any] = {}
        if extends is not None:
            doc["extends"] = str(extends)
        doc.update(extra or {})
        # BG/NBD and Pareto/NBD are per-purchase churn processes: say so over the base's choice
        doc.setdefault("journey", {}).setdefault("churn", {})["process"] = "per_purchase"
        doc.update(self.population_fragment())
        return "\n".join(lines) + "\n\n" + tomli_w.dumps(doc)


#: Fewest customers in the calibration period :func:`calibrate` fits a model to. A sanity floor,
#: not a recommended sample size: the purchase models have 4 parameters describing a
#: *distribution* over customers, and with fewer than 20 customers (5 per parameter) the fit is
#: mostly not identified (on random CDNOW subsets of 10 customers a third of the fits have
#: infinite standard errors). Published BTYD work uses hundreds to thousands of customers.
MIN_CUSTOMERS = 20

_MODEL_TITLES = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD"}


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


#: Estimates beyond ``exp(+-_EDGE_LOG)`` are at the edge of the search (the optimiser works on
#: log-parameters bounded by +-30): the likelihood kept growing towards a degenerate limit.
_EDGE_LOG = 25.0


def _require_identified(fit: FitResult, title: str, counts: str, remedy: str) -> None:
    """Refuse a fit the data do not identify: a standard error that is not finite, or an estimate
    at the edge of the parameter space (then the estimates mean nothing)."""
    bad = [k for k, v in fit.se.items() if not math.isfinite(v)]
    edge = [f"{k} = {v:.3g}" for k, v in fit.params.items()
            if not (v > 0 and abs(math.log(v)) < _EDGE_LOG)]
    if not bad and not edge:
        return
    if bad:
        why = (f"the standard error{'s' if len(bad) > 1 else ''} of {', '.join(bad)} "
               f"{'are' if len(bad) > 1 else 'is'} not finite (the likelihood is flat or largest "
               "at the edge of the parameter space)")
    else:
        why = (f"the estimate{'s' if len(edge) > 1 else ''} {', '.join(edge)} "
               f"{'are' if len(edge) > 1 else 'is'} at the edge of the parameter space (the "
               "likelihood keeps growing towards a degenerate limit)")
    raise ValueError(f"the {title} fit is not identified by this log ({counts}): {why}, so the "
                     f"estimates mean nothing; {remedy}")


def calibrate(df: pd.DataFrame, model: Literal["bgnbd", "paretonbd"] = "bgnbd",
              unit_days: float = 7.0, calibration_end: Any = None, spend: bool = True,
              source: str | None = None) -> Calibration:
    """Fit a BTYD purchase/dropout model (and Gamma-Gamma spend) to a transaction log.

    Parameters
    ----------
    df : transactions (``customer_id``, ``time``, ``amount``), e.g. from
        :func:`read_transactions` (same-day transactions already merged).
    model : ``"bgnbd"`` or ``"paretonbd"``.
    unit_days : time unit of the fitted rates (days; 7 = weeks, as in the published CDNOW work).
    calibration_end : last time of the calibration period (default: last transaction).
    spend : also fit the Gamma-Gamma spend model on customers with at least one repeat purchase
        and positive mean repeat spend.
    source : label for the TOML header (e.g. the file name).

    Raises
    ------
    LoopsimError
        ``unit_days`` is not a finite number > 0.
    ValueError
        one line saying why the log cannot identify the model: fewer than :data:`MIN_CUSTOMERS`
        customers in the calibration period, no customer with a repeat purchase, or a fit whose
        standard errors are not finite or whose estimates are at the edge of the parameter space
        (a flat likelihood, or one that keeps growing towards a degenerate limit: the estimates
        mean nothing).
    """
    if model not in ("bgnbd", "paretonbd"):
        raise ValueError(f"model must be 'bgnbd' or 'paretonbd', not {model!r}")
    unit_days = _check_unit_days(unit_days)
    rfm = rfm_summary(df, calibration_end=calibration_end, unit_days=unit_days)
    if len(rfm) == 0:
        raise ValueError("calibrate: no customers in the calibration period")
    title = _MODEL_TITLES[model]
    repeaters = int((rfm["frequency"] > 0).sum())
    counts = (f"{len(rfm)} customer{'s' if len(rfm) != 1 else ''} in the calibration period, "
              f"{repeaters} with a repeat purchase")
    if len(rfm) < MIN_CUSTOMERS:
        raise ValueError(f"too few customers to fit the {title} model: {counts}; at least "
                         f"{MIN_CUSTOMERS} are needed")
    if repeaters == 0:
        raise ValueError(f"no customer made a repeat purchase (on a later day) in the calibration "
                         f"period ({counts}), so the {title} model cannot be fitted; the log needs "
                         "customers who bought on more than one day")
    x, t_x, T = rfm["frequency"], rfm["recency"], rfm["T"]
    fitter = btyd.fit_bgnbd if model == "bgnbd" else btyd.fit_paretonbd
    purchase = fitter(x, t_x, T)
    other = "paretonbd" if model == "bgnbd" else "bgnbd"
    _require_identified(purchase, title, counts, "a larger log, a longer calibration period or "
                       f"model={other!r} (--model {other}) may help")
    spend_fit = None
    if spend:
        rep = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
        if len(rep) >= 3:
            spend_fit = btyd.fit_gammagamma(rep["frequency"], rep["monetary_value"])
            _require_identified(spend_fit, "Gamma-Gamma spend",
                               f"{len(rep)} customers with repeat purchases of positive value",
                               "calibrate without a spend model (spend=False, --amount-col '') "
                               "or with more customers whose repeat amounts vary")
            if spend_fit.params["q"] <= 1:
                warnings.warn("Gamma-Gamma q <= 1: the population mean spend does not exist; "
                              "loopsim will reject this spend model", stacklevel=2)
    if calibration_end is None:
        calibration_end = df["time"].max()
    if isinstance(calibration_end, pd.Timestamp):
        calibration_end = calibration_end.date().isoformat() if calibration_end == \
            calibration_end.normalize() else calibration_end.isoformat()
    return Calibration(model=model, purchase=purchase, spend=spend_fit, unit_days=float(unit_days),
                       rfm=rfm, source=source, calibration_end=calibration_end)


# --------------------------------------------------------------------------- export


def to_btyd_transactions(transactions_df: pd.DataFrame, start_date: str = "2000-01-01"
                         ) -> pd.DataFrame:
    """Convert loopsim simulated transactions to the layout of ``lifetimes`` / PyMC-Marketing.

    Input columns ``customer_id``, ``time`` (days since the simulation start, float) and
    ``amount`` (currency). Output columns ``customer_id``, ``date`` (datetime64:
    ``start_date + time`` days) and ``monetary_value`` (= ``amount``), which e.g.
    ``lifetimes.utils.summary_data_from_transaction_data(df, "customer_id", "date",
    monetary_value_col="monetary_value")`` reads unchanged.
    """
    for col in ("customer_id", "time", "amount"):
        if col not in transactions_df.columns:
            raise ValueError(f"to_btyd_transactions: missing column {col!r}")
    start = pd.Timestamp(start_date)
    t = transactions_df["time"].to_numpy(dtype=float)
    return pd.DataFrame({
        "customer_id": transactions_df["customer_id"].to_numpy(),
        "date": start + pd.to_timedelta(t, unit="D"),
        "monetary_value": transactions_df["amount"].to_numpy(dtype=float),
    })
