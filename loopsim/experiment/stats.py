"""Statistics of experiments: confidence intervals, metric directions, adaptive precision."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import LoopsimError
from .jobs import ID_COLUMNS

if TYPE_CHECKING:
    from .runner import Runner

#: Direction of "better" for P(better): +1 higher is better, -1 lower is better.
BETTER = {
    "customers_acquired": 1, "active_at_end": 1, "retention_rate": 1, "churned": -1, "purchases": 1,
    "repeat_purchase_rate": 1, "revenue": 1, "gross_margin": 1, "reward_cost": -1,
    "acquisition_cost": -1, "service_cost": -1, "personalisation_cost": -1, "profit": 1,
    "profit_discounted": 1, "clv_mean": 1, "nps": 1, "points_liability": -1,
    "mean_service_wait_days": -1,
}


def _check_metric_known(metric: str) -> None:
    """Refuse, before anything runs, a metric name loopsim cannot report."""
    from ..metrics import CORE_METRICS, is_builtin_metric

    if not is_builtin_metric(metric):
        raise LoopsimError(f"metric {metric!r} is not a loopsim metric; e.g. {', '.join(CORE_METRICS)} "
                           "(docs/metrics.md lists them all)")


def _check_precision(precision: float | None, metric: str) -> None:
    """Refuse, before anything runs, a precision that is not a finite number > 0 (a relative CI
    half-width) or, with a precision, a metric loopsim cannot report."""
    if precision is None:
        return
    if not (math.isfinite(precision) and precision > 0):
        raise LoopsimError(f"precision must be a finite number > 0 (got {precision!r})")
    _check_metric_known(metric)


def _metric_values(rows: Mapping[Any, Mapping[str, Any]], metric: str) -> np.ndarray:
    """The metric's value in each row (in key order); a clear error if no run reports it."""
    x = np.array([rows[k].get(metric, math.nan) for k in sorted(rows)], dtype=float)
    if len(x) and np.isnan(x).all():
        raise LoopsimError(f"metric {metric!r} is n/a in every run of this experiment (the scenario "
                           "does not produce it, e.g. no service contacts for a wait); choose another metric")
    return x


def _describe(x: np.ndarray, confidence: float = 0.95, method: str = "t",
              bounds: tuple[float, float] = (-math.inf, math.inf)) -> tuple[float, float, int, float, float]:
    """mean, sd, n, CI low, CI high of a sample (NaNs dropped before the call); the interval is
    intersected with ``bounds``, the range the mean can take (:func:`loopsim.metrics.metric_bounds`)."""
    if method not in ("t", "bootstrap"):
        raise ValueError(f"method must be 't' or 'bootstrap', not {method!r}")
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, 0, math.nan, math.nan)
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    if n < 2:
        lo = hi = math.nan
    elif sd == 0:
        lo = hi = mean
    elif method == "bootstrap":
        res = stats.bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=2000,
                              rng=np.random.default_rng(0), method="BCa")
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            res = stats.bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=2000,
                                  rng=np.random.default_rng(0), method="percentile")
            lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    else:
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
        lo, hi = mean - half, mean + half
    if not math.isnan(lo):
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return (mean, sd, n, lo, hi)


def half_width(x: np.ndarray, confidence: float = 0.95) -> float:
    """Half-width of the t confidence interval of the mean of ``x`` (NaNs dropped)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return math.inf
    return float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))


def _metric_columns(df: pd.DataFrame, exclude: Iterable[str] = ()) -> list[str]:
    skip = set(ID_COLUMNS) | set(exclude)
    return [c for c in df.columns if c not in skip and pd.api.types.is_float_dtype(df[c])]


def _next_n(n: int, rel: float, precision: float, cap: int) -> int:
    """Replications to have next: the t-based estimate, growing at most 4x per step."""
    need = n * (rel / precision) ** 2 if math.isfinite(rel) else 4 * n
    return int(min(cap, max(n + 1, min(math.ceil(need * 1.05), 4 * n))))


def _until_precise(runner: Runner, rows: dict, n: int, cap: int, precision: float, rel_of,
                   jobs) -> tuple[int, bool]:
    """Adaptive replication: while the relative CI half-width ``rel_of(rows)`` exceeds
    ``precision`` and fewer than ``cap`` replications ran, run ``jobs(n, n2)`` for the next batch
    (``rows`` is updated in place). Returns the final number of replications and whether the
    precision was reached."""
    while True:
        rel = rel_of(rows)
        if rel <= precision:
            return n, True
        if n >= cap:
            return n, False
        n2 = _next_n(n, rel, precision, cap)
        rows.update(runner.run(jobs(n, n2)))
        n = n2
