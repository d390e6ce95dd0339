"""Parameter sweeps and Sobol sensitivity indices (:func:`sweep`, :func:`sobol`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LoopsimError
from ..metrics import metric_bounds
from ..scenario import Scenario
from .designs import _check_ranges, _design_frame, _py, _scale
from .jobs import ID_COLUMNS, Job, _frame, check_seed
from .runner import Runner
from .stats import _check_metric_known, _describe
from .storage import open_store


def sweep(scenario: Scenario, grid: Mapping[str, Sequence[Any]] | None = None,
          design: str | pd.DataFrame | Sequence[Mapping[str, Any]] | None = None, n: int = 1,
          seed: int = 0, workers: int = 1, executor: Executor | None = None, *,
          ranges: Mapping[str, tuple[float, float]] | None = None, points: int | None = None,
          crn: bool = True, dask: str | None = None, out: str | os.PathLike | None = None,
          tables: bool = False, progress: bool | None = None, wait: bool | float = False) -> pd.DataFrame:
    """Run ``scenario`` at many parameter points, ``n`` replications each.

    Points: a full-factorial ``grid`` ({dotted path: [values]}); or ``design="lhs"`` /
    ``"random"`` with ``ranges`` ({path: (low, high)}, integer ends give integers) and
    ``points`` (drawn with ``seed``); or a DataFrame / list of {path: value} points.

    Returns a tidy DataFrame, one row per (point, replication): ``point``, one column per
    parameter (named by its dotted path), ``replication``, ``seed``, ``spawn_key``, every summary
    metric, ``scenario_hash``, ``loopsim_version``. With ``crn=True`` (default) replication ``i``
    of every point uses the same seed, so differences between points are paired. ``out``: a
    result store (see :func:`loopsim.replicate`).
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    seed = check_seed(seed)
    pts = _design_frame(grid, design, ranges, points, seed)
    params = list(pts.columns)
    clash = [p for p in params if p in ID_COLUMNS]
    if clash:
        raise LoopsimError(f"parameter name {clash[0]!r} clashes with a column of the runs table")
    point_list = [{k: _py(v) for k, v in row.items()} for row in pts.to_dict("records")]
    jobs, fp_points = [], []
    for p, ov in enumerate(point_list):
        sc = scenario.with_overrides(ov, source=f"sweep point {p} {ov}")
        d = sc.to_dict()
        fp_points.append({"labels": ov, "scenario_hash": sc.hash})
        jobs += [Job(p, r, d, sc.hash, int(seed), (r,) if crn else (p, r),
                     labels=tuple(ov.items()), overrides=tuple(ov.items()), tables=tables)
                 for r in range(n)]
    with open_store(out, "sweep", seed, {"base": scenario}, fp_points, crn, tables, wait) as store, \
            Runner(workers, executor, dask, store, progress, f"{scenario.name}: sweep") as runner:
        rows = runner.run(jobs)
        df = _frame(rows[k] for k in sorted(rows))
        if store is not None:
            from .. import __version__

            points_table = sweep_summary(df).reset_index()
            store.finalize(rows, {"kind": "sweep", "seed": seed, "scenario": scenario.name,
                                  "scenario_hash": scenario.hash, "points": point_list, "replications": n,
                                  "crn": crn, "loopsim_version": __version__,
                                  "table": points_table.to_dict("records")}, {"points": points_table})
    return df

def sweep_summary(df: pd.DataFrame, metrics: Sequence[str] = ("profit", "retention_rate"),
                  confidence: float = 0.95) -> pd.DataFrame:
    """Per point: its parameters and, per metric, the mean and CI over replications."""
    params = [c for c in df.columns[1:list(df.columns).index("replication")]]
    out = []
    for p, g in df.groupby("point", sort=True):
        row: dict[str, Any] = {"point": p, **{k: g[k].iloc[0] for k in params}, "n": len(g)}
        for m in metrics:
            x = g[m].to_numpy(dtype=float)
            mean, _sd, _n, lo, hi = _describe(x[~np.isnan(x)], confidence, bounds=metric_bounds(m))
            row.update({f"{m}_mean": mean, f"{m}_ci_low": lo, f"{m}_ci_high": hi})
        out.append(row)
    return pd.DataFrame(out).set_index("point")


@dataclass
class Sensitivity:
    """Sobol indices of one metric: ``indices`` (parameter, first_order, total_order and
    bootstrap CIs) and the ``runs`` behind them."""

    metric: str
    indices: pd.DataFrame
    runs: pd.DataFrame = field(repr=False)


def sobol(scenario: Scenario, ranges: Mapping[str, tuple[float, float]], metric: str = "profit",
          n: int = 64, reps: int = 1, seed: int = 0, workers: int = 1,
          executor: Executor | None = None, *, dask: str | None = None,
          out: str | os.PathLike | None = None, progress: bool | None = None,
          bootstrap: int = 200, wait: bool | float = False) -> Sensitivity:
    """Sobol sensitivity indices of ``metric`` over uniform parameter ``ranges``.

    Saltelli sampling (scrambled Sobol' points, ``n`` a power of two; ``n * (d + 2)`` points,
    ``reps`` replications each, averaged; common random numbers across points) and the
    Saltelli 2010 / Jansen estimators of :func:`scipy.stats.sobol_indices`, with bootstrap CIs.
    """
    from scipy.stats import qmc, sobol_indices

    spec = _check_ranges(ranges)
    if any(integer for *_x, integer in spec):
        ranges = {k: (float(lo), float(hi)) for k, lo, hi, _i in spec}
    d = len(spec)
    if n < 2 or n & (n - 1):
        raise LoopsimError(f"Sobol indices need n (--points) a power of 2 from 2 up (got {n})")
    seed = check_seed(seed)
    _check_metric_known(metric)
    base = qmc.Sobol(d=2 * d, scramble=True, rng=np.random.default_rng(seed)).random(n)
    A, B = base[:, :d], base[:, d:]
    ABs = []
    for i in range(d):
        ab = A.copy()
        ab[:, i] = B[:, i]
        ABs.append(ab)
    unit = np.vstack([A, B, *ABs])
    pts = _scale(unit, ranges)
    df = sweep(scenario, design=pts, n=reps, seed=seed, workers=workers, executor=executor, dask=dask,
               out=out, progress=progress, wait=wait)
    if metric not in df.columns:
        raise LoopsimError(f"metric {metric!r} is not reported by this scenario's runs")
    y = df.groupby("point", sort=True)[metric].mean().to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise LoopsimError(f"metric {metric!r} is not finite at every point; Sobol indices need finite values")
    f_A, f_B = y[:n][None, :], y[n:2 * n][None, :]
    f_AB = y[2 * n:].reshape(d, 1, n)
    res = sobol_indices(func={"f_A": f_A, "f_B": f_B, "f_AB": f_AB}, n=n)
    names = list(ranges)
    ind = pd.DataFrame({"parameter": names, "first_order": np.ravel(res.first_order),
                        "total_order": np.ravel(res.total_order)})
    if bootstrap:
        try:
            ci = res.bootstrap(n_resamples=bootstrap)
            ind["first_order_ci_low"] = np.ravel(ci.first_order.confidence_interval.low)
            ind["first_order_ci_high"] = np.ravel(ci.first_order.confidence_interval.high)
            ind["total_order_ci_low"] = np.ravel(ci.total_order.confidence_interval.low)
            ind["total_order_ci_high"] = np.ravel(ci.total_order.confidence_interval.high)
        except Exception:  # noqa: S110 - the CIs are a nicety; degenerate samples cannot resample
            pass
    return Sensitivity(metric=metric, indices=ind, runs=df)
