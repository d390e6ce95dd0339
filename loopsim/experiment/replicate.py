"""Replications of one scenario (:func:`replicate`, :class:`Experiment`)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import LoopsimError
from ..metrics import metric_bounds
from ..scenario import Scenario
from .jobs import Job, _frame, check_seed
from .runner import Runner, _open_store
from .stats import (
    _check_metric_known,
    _describe,
    _metric_columns,
    _metric_values,
    _until_precise,
    half_width,
)

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


def replicate(scenario: Scenario | Sequence[Scenario], n: int | None = None, seed: int = 0,
              workers: int = 1, executor: Executor | None = None, *, precision: float | None = None,
              metric: str = "profit", max_reps: int = DEFAULT_MAX_REPS, dask: str | None = None,
              out: str | os.PathLike | None = None, tables: bool = False,
              progress: bool | None = None) -> Experiment:
    """Run ``n`` replications of ``scenario`` (seeds spawned from ``seed``) and collect them.

    ``scenario`` may also be a list with one scenario per replication, e.g. the parameter draws
    of a calibration (:meth:`loopsim.calibrate.Calibration.scenario_draws`), so that the spread
    of the results carries the estimation uncertainty too; ``n`` then defaults to its length.

    ``precision`` (e.g. 0.01): adaptive replication. Starting from ``n`` (default 10)
    replications, keep adding replications until the 95% t-interval half-width of ``metric`` is
    at most ``precision * |mean|``, or ``max_reps`` is reached (``Experiment.converged`` tells).

    Executors: ``workers`` local processes, any ``executor``, or ``dask`` ("local" or a
    scheduler address). ``out``: a result store directory (resumable). Results are identical
    for any executor and number of workers.
    """
    from .. import __version__

    per_rep = not isinstance(scenario, Scenario)
    if per_rep:
        scenario = list(scenario)
        if not scenario:
            raise ValueError("an empty list of scenarios")
        n = len(scenario) if n is None else n
        if n > len(scenario):
            raise ValueError(f"n={n} replications but only {len(scenario)} scenarios")
        if precision is not None:
            raise ValueError("precision needs one scenario, not one per replication")
    if n is None:
        n = 10 if precision is not None else None
    if n is None or n < 1:
        raise ValueError("n must be >= 1")
    if precision is not None and not (math.isfinite(precision) and precision > 0):
        raise LoopsimError(f"precision must be a finite number > 0 (got {precision!r})")
    seed = check_seed(seed)
    if precision is not None:
        _check_metric_known(metric)
    base = scenario[0] if per_rep else scenario
    data = {h: s.to_dict() for h, s in ({s.hash: s for s in scenario}.items() if per_rep
                                          else [(scenario.hash, scenario)])}

    def job(r: int) -> Job:
        h = scenario[r].hash if per_rep else scenario.hash
        return Job(0, r, data[h], h, int(seed), (r,), tables=tables)

    scs = {str(i): s for i, s in enumerate(scenario)} if per_rep else {"scenario": scenario}
    store = _open_store(out, "replicate", seed, scs, {}, tables)
    cap = max(n, max_reps)
    converged = None
    with Runner(workers, executor, dask, store, progress, f"{base.name}: replications") as runner:
        rows = runner.run([job(r) for r in range(n)])
        if precision is not None:
            def rel_of(rows):
                x = _metric_values(rows, metric)
                mean = float(np.nanmean(x)) if len(x) else math.nan
                return half_width(x) / abs(mean) if mean else math.inf

            n, converged = _until_precise(runner, rows, n, cap, precision, rel_of,
                                          lambda r0, r1: [job(r) for r in range(r0, r1)])
    runs = _frame((rows[k] for k in sorted(rows)), drop=("point",))
    exp = Experiment(scenario=base, seed=seed, runs=runs, precision=precision,
                     metric=metric if precision is not None else None, converged=converged)
    if store is not None:
        from ..store import summary_payload

        store.finalize(runs, summary_payload("replicate", seed, exp.summary(), {
            "scenario": base.name, "scenario_hash": base.hash, "replications": len(runs),
            "precision": precision, "metric": exp.metric, "converged": converged,
            "loopsim_version": __version__}))
    return exp
