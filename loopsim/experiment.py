"""Experiments: replications of a scenario with seeds spawned from one root.

:func:`replicate` runs ``n`` replications, replication ``i`` always with the ``i``-th child of
``numpy.random.SeedSequence(seed)`` (so adding replications never changes earlier ones, and the
result does not depend on how many workers ran them), and returns an :class:`Experiment` with a
tidy ``runs`` table and ``summary()`` (mean, sd and a 95% confidence interval per metric).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .scenario import Scenario, validate_scenario


def _run_one(args: tuple[dict, int, int]) -> dict[str, float]:
    """Worker entry point: (scenario dict, root seed, replication) -> summary (picklable in and out)."""
    from .engine import simulate

    data, seed, rep = args
    sc = validate_scenario(data)
    child = np.random.SeedSequence(seed).spawn(rep + 1)[rep]
    return simulate(sc, seed=child).summary


def run_replications(scenario: Scenario | Sequence[Scenario], reps: Iterable[int], seed: int,
                     workers: int = 1, executor: Executor | None = None) -> list[dict[str, float]]:
    """Summaries of the given replication numbers, in that order, whatever the executor.

    ``scenario`` may be one scenario or a sequence with one scenario per replication number."""
    reps = list(reps)
    if isinstance(scenario, Scenario):
        data = scenario.to_dict()
        jobs = [(data, seed, r) for r in reps]
    else:
        jobs = [(scenario[r].to_dict(), seed, r) for r in reps]
    if executor is not None:
        return list(executor.map(_run_one, jobs))
    if workers <= 1 or len(jobs) <= 1:
        return [_run_one(j) for j in jobs]
    import multiprocessing as mp

    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(_run_one, jobs))


@dataclass
class Experiment:
    """Replications of one scenario: ``runs`` has one row per replication."""

    scenario: Scenario
    seed: int
    runs: pd.DataFrame

    def summary(self, confidence: float = 0.95, method: str = "t") -> pd.DataFrame:
        """Per metric: mean, sd, n and a ``confidence`` interval (``t`` or ``bootstrap``)."""
        metrics = [c for c in self.runs.columns if c not in _ID_COLUMNS]
        rows = {}
        for m in metrics:
            x = self.runs[m].to_numpy(dtype=float)
            x = x[~np.isnan(x)]
            rows[m] = _describe(x, confidence, method)
        return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "sd", "n", "ci_low", "ci_high"])


_ID_COLUMNS = ("replication", "seed", "scenario_hash", "loopsim_version")


def _describe(x: np.ndarray, confidence: float, method: str) -> tuple[float, float, int, float, float]:
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, 0, math.nan, math.nan)
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    if n < 2 or sd == 0:
        lo = hi = mean if n >= 2 else math.nan
    elif method == "bootstrap":
        res = stats.bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=2000,
                              random_state=np.random.default_rng(0), method="percentile")
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    elif method == "t":
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
        lo, hi = mean - half, mean + half
    else:
        raise ValueError(f"method must be 't' or 'bootstrap', not {method!r}")
    return (mean, sd, n, lo, hi)


def replicate(scenario: Scenario | Sequence[Scenario], n: int | None = None, seed: int = 0,
              workers: int = 1, executor: Executor | None = None) -> Experiment:
    """Run ``n`` replications of ``scenario`` (seeds spawned from ``seed``) and collect them.

    ``scenario`` may also be a list with one scenario per replication, e.g. the parameter draws
    of a calibration (:meth:`loopsim.calibrate.Calibration.scenario_draws`), so that the spread
    of the results carries the estimation uncertainty too; ``n`` then defaults to its length.
    ``workers`` > 1 uses local processes; any ``concurrent.futures.Executor`` may be passed
    instead. Results are identical for any number of workers.
    """
    from . import __version__

    per_rep = not isinstance(scenario, Scenario)
    if per_rep:
        scenario = list(scenario)
        if not scenario:
            raise ValueError("an empty list of scenarios")
        n = len(scenario) if n is None else n
        if n > len(scenario):
            raise ValueError(f"n={n} replications but only {len(scenario)} scenarios")
    if n is None or n < 1:
        raise ValueError("n must be >= 1")
    summaries = run_replications(scenario, range(n), seed, workers, executor)
    runs = pd.DataFrame(summaries)
    runs.insert(0, "replication", np.arange(n))
    runs.insert(1, "seed", seed)
    runs["scenario_hash"] = [s.hash for s in scenario[:n]] if per_rep else scenario.hash
    runs["loopsim_version"] = __version__
    return Experiment(scenario=scenario[0] if per_rep else scenario, seed=seed, runs=runs)
