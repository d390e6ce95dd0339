"""Replications of one scenario (:func:`replicate`, :class:`Experiment`)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics import metric_bounds
from ..scenario import Scenario
from .jobs import Job, _frame, check_seed
from .runner import Runner
from .stats import (
    _check_precision,
    _describe,
    _metric_columns,
    _metric_values,
    _until_precise,
    half_width,
)
from .storage import open_store

DEFAULT_MAX_REPS = 1000

@dataclass
class Experiment:
    """Replications of one scenario: ``runs`` has one row per replication.

    ``precision``/``metric``/``converged`` describe adaptive replication (``converged`` is None
    when a fixed ``n`` was asked for)."""

    scenario: Scenario
    seed: int
    runs: pd.DataFrame
    precision: float | None = None
    metric: str | None = None
    converged: bool | None = None

    @property
    def n(self) -> int:
        return len(self.runs)

    def summary(self, confidence: float = 0.95, method: str = "t",
                metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """Per metric: mean, sd, n and a ``confidence`` interval (``"t"``: Student t;
        ``"bootstrap"``: BCa bootstrap with :func:`scipy.stats.bootstrap`, fixed resampling seed)."""
        metrics = list(metrics) if metrics is not None else _metric_columns(self.runs)
        rows = {}
        for m in metrics:
            x = self.runs[m].to_numpy(dtype=float)
            rows[m] = _describe(x[~np.isnan(x)], confidence, method, metric_bounds(m))
        out = pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "sd", "n", "ci_low", "ci_high"])
        out.index.name = "metric"
        return out


def _checked(scenario, n: int | None, precision: float | None, metric: str, seed: int):
    """Validated arguments of :func:`replicate`: (per-replication scenarios or None, n, seed)."""
    per_rep = None
    if not isinstance(scenario, Scenario):
        per_rep = list(scenario)
        if not per_rep:
            raise ValueError("an empty list of scenarios")
        n = len(per_rep) if n is None else n
        if n > len(per_rep):
            raise ValueError(f"n={n} replications but only {len(per_rep)} scenarios")
        if precision is not None:
            raise ValueError("precision needs one scenario, not one per replication")
    if n is None:
        n = 10 if precision is not None else None
    if n is None or n < 1:
        raise ValueError("n must be >= 1")
    _check_precision(precision, metric)
    seed = check_seed(seed)
    return per_rep, n, seed


def replicate(scenario: Scenario | Sequence[Scenario], n: int | None = None, seed: int = 0,
              workers: int = 1, executor: Executor | None = None, *, precision: float | None = None,
              metric: str = "profit", max_reps: int = DEFAULT_MAX_REPS, dask: str | None = None,
              out: str | os.PathLike | None = None, tables: bool = False,
              progress: bool | None = None, wait: bool | float = False) -> Experiment:
    """Run ``n`` replications of ``scenario`` (seeds spawned from ``seed``) and collect them.

    ``scenario`` may also be a list with one scenario per replication, e.g. the parameter draws
    of a calibration (:meth:`loopsim.calibrate.Calibration.scenario_draws`), so that the spread
    of the results carries the estimation uncertainty too; ``n`` then defaults to its length.

    ``precision`` (e.g. 0.01): adaptive replication. Starting from ``n`` (default 10)
    replications, keep adding replications until the 95% t-interval half-width of ``metric`` is
    at most ``precision * |mean|``, or ``max_reps`` is reached (``Experiment.converged`` tells).

    Executors: ``workers`` local processes, any ``executor``, or ``dask`` ("local" or a
    scheduler address). ``out``: a result store directory (resumable, locked while in use;
    ``wait``: wait for another writer instead of refusing). Results are identical for any
    executor and number of workers.
    """
    per_rep, n, seed = _checked(scenario, n, precision, metric, seed)
    base = per_rep[0] if per_rep else scenario
    by_hash = {s.hash: s for s in per_rep} if per_rep else {scenario.hash: scenario}
    data = {h: s.to_dict() for h, s in by_hash.items()}

    def jobs(r0: int, r1: int) -> list[Job]:
        return [Job(0, r, data[h], h, int(seed), (r,), tables=tables)
                for r in range(r0, r1) for h in [per_rep[r].hash if per_rep else scenario.hash]]

    scs = {str(i): s for i, s in enumerate(per_rep)} if per_rep else {"scenario": scenario}
    point = {"labels": {}, "scenario_hash": [s.hash for s in per_rep] if per_rep else scenario.hash}
    converged = None
    with open_store(out, "replicate", seed, scs, [point], True, tables, wait) as store, \
            Runner(workers, executor, dask, store, progress, f"{base.name}: replications") as runner:
        rows = runner.run(jobs(0, n))
        if precision is not None:
            def rel_of(rows):
                x = _metric_values(rows, metric)
                mean = float(np.nanmean(x)) if len(x) else math.nan
                return half_width(x) / abs(mean) if mean else math.inf

            n, converged = _until_precise(runner, rows, n, max(n, max_reps), precision, rel_of, jobs)
        runs = _frame((rows[k] for k in sorted(rows)), drop=("point",))
        exp = Experiment(scenario=base, seed=seed, runs=runs, precision=precision,
                         metric=metric if precision is not None else None, converged=converged)
        if store is not None:
            _finalize(store, exp, rows)
    return exp


def _finalize(store, exp: Experiment, rows: dict) -> None:
    """Write the store's final tables: ``summary/summary.parquet`` and ``summary.json``."""
    from .. import __version__
    from ..store import summary_payload

    summ = exp.summary()
    store.finalize(rows, summary_payload("replicate", exp.seed, summ, {
        "scenario": exp.scenario.name, "scenario_hash": exp.scenario.hash, "replications": exp.n,
        "precision": exp.precision, "metric": exp.metric, "converged": exp.converged,
        "loopsim_version": __version__}), {"summary": summ.reset_index()})
