"""Experiments: replications, paired comparisons with common random numbers, sweeps, Sobol.

Seeds
-----
Every run gets a :class:`numpy.random.SeedSequence` spawned from one root ``seed``:
replication ``i`` runs with ``SeedSequence(seed).spawn(n)[i]`` (spawn key ``(i,)``), so adding
replications (adaptive precision, a resumed store) never changes earlier ones, and no result
depends on the executor, the number of workers or the order in which runs finish: tables are
always ordered by point/design and replication.

Common random numbers
---------------------
Customers draw their traits and background randomness from counter-based streams keyed by the
replication's seed (:mod:`loopsim.rng`), so two designs run with the same spawned seed see the
same customers and the same draws until a policy makes them differ. :func:`compare` (``crn=True``,
the default) and :func:`sweep` therefore give every design / point replication ``i`` the same
seed; with ``crn=False`` design (or point) ``j`` gets independent seeds (spawn key ``(j, i)``).

Executors
---------
``workers=1`` runs in-process; ``workers > 1`` uses local processes (``ProcessPoolExecutor``
with the ``spawn`` context); ``executor=`` takes any :class:`concurrent.futures.Executor`;
``dask="local"`` starts a Dask ``LocalCluster`` (``workers`` processes) and ``dask="tcp://..."``
connects to a running scheduler. Jobs carry the scenario as plain data (``Scenario.to_dict()``).

Results store
-------------
``out=DIR`` writes every finished run atomically to a :class:`loopsim.store.ResultStore` and
resumes an interrupted experiment (finished runs are read back, not re-run).
"""

from __future__ import annotations

import itertools
import logging
import math
import multiprocessing as mp
import os
import signal
import socket
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ExperimentInterrupted, LoopsimError
from .metrics import metric_bounds
from .scenario import Scenario, validate_scenario

#: Identifier columns of a runs table (everything else numeric is a metric).
ID_COLUMNS = ("point", "design", "replication", "seed", "spawn_key", "scenario_hash", "loopsim_version")
_ID_COLUMNS = ID_COLUMNS  # backwards-compatible name

#: Direction of "better" for P(better): +1 higher is better, -1 lower is better.
BETTER = {
    "customers_acquired": 1, "active_at_end": 1, "retention_rate": 1, "churned": -1, "purchases": 1,
    "repeat_purchase_rate": 1, "revenue": 1, "gross_margin": 1, "reward_cost": -1,
    "acquisition_cost": -1, "service_cost": -1, "personalisation_cost": -1, "profit": 1,
    "profit_discounted": 1, "clv_mean": 1, "nps": 1, "points_liability": -1,
    "mean_service_wait_days": -1,
}

DEFAULT_MAX_REPS = 1000
#: Seconds to wait for a Dask scheduler to answer (``--dask ADDRESS``).
DASK_CONNECT_TIMEOUT = 10.0
#: Root seeds are integers in [0, MAX_SEED] (stored as int64 in the runs table).
MAX_SEED = 2**63 - 1


def check_seed(seed: int) -> int:
    """``seed`` as an int, or a LoopsimError if it is not an integer in [0, MAX_SEED]."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) <= MAX_SEED:
        raise LoopsimError(f"seed must be an integer from 0 to 2**63-1 (got {seed!r})")
    return int(seed)


def _check_metric_known(metric: str) -> None:
    """Refuse, before anything runs, a metric name loopsim cannot report."""
    from .metrics import CORE_METRICS, is_builtin_metric

    if not is_builtin_metric(metric):
        raise LoopsimError(f"metric {metric!r} is not a loopsim metric; e.g. {', '.join(CORE_METRICS)} "
                           "(docs/metrics.md lists them all)")


def _metric_values(rows: Mapping[Any, Mapping[str, Any]], metric: str) -> np.ndarray:
    """The metric's value in each row (in key order); a clear error if no run reports it."""
    x = np.array([rows[k].get(metric, math.nan) for k in sorted(rows)], dtype=float)
    if len(x) and np.isnan(x).all():
        raise LoopsimError(f"metric {metric!r} is n/a in every run of this experiment (the scenario "
                           "does not produce it, e.g. no service contacts for a wait); choose another metric")
    return x


# ============================================================================ jobs and workers
@dataclass(frozen=True)
class Job:
    """One simulation run: plain, picklable data."""

    point: int
    replication: int
    scenario: dict
    scenario_hash: str
    seed: int
    spawn_key: tuple[int, ...]
    labels: tuple[tuple[str, Any], ...] = ()
    overrides: tuple[tuple[str, Any], ...] = ()
    tables: bool = False

    @property
    def key(self) -> tuple[int, int]:
        return (self.point, self.replication)


_SCENARIOS: dict[str, Scenario] = {}


def seed_sequence(seed: int, spawn_key: Sequence[int]) -> np.random.SeedSequence:
    """The seed of one run: ``SeedSequence(seed, spawn_key=...)`` (equal to the ``spawn_key[-1]``-th
    child of ``SeedSequence(seed, spawn_key=spawn_key[:-1])``)."""
    return np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in spawn_key))


def run_job(job: Job) -> dict[str, Any]:
    """Worker entry point: run one job, return its summary and timings (picklable)."""
    from .engine import simulate

    sc = _SCENARIOS.get(job.scenario_hash)
    if sc is None:
        sc = validate_scenario(job.scenario)
        if len(_SCENARIOS) > 64:
            _SCENARIOS.clear()
        _SCENARIOS[job.scenario_hash] = sc
    t0 = time.time()
    res = simulate(sc, seed=seed_sequence(job.seed, job.spawn_key))
    out: dict[str, Any] = {"summary": res.summary, "started": t0, "wall_seconds": time.time() - t0,
                           "simulation_seconds": res.elapsed_seconds, "host": socket.gethostname(),
                           "pid": os.getpid()}
    if job.tables:
        out["tables"] = {k: getattr(res, k) for k in ("customers", "transactions", "timeline", "contacts")}
    return out


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's business (it cancels the experiment cleanly);
    workers must not die with a traceback of their own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _sigint_blocked():
    """Block SIGINT in the calling thread for the duration of the block.

    Processes and threads started meanwhile inherit the mask, so a Ctrl-C sent to the terminal's
    process group reaches only the parent, which stops the experiment cleanly. A no-op where
    there are no signal masks (Windows: no process groups to worry about)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    # Starting multiprocessing's resource tracker *unblocks* SIGINT in the thread that starts it
    # (CPython's resource_tracker.ensure_running); the first spawn would do that inside the
    # block, in whatever thread spawns (Dask's event loop), and later processes would be born
    # unblocked. Start it here, before blocking.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _WorkerProcess(mp.get_context("spawn").Process):
    """A spawned worker that is born with SIGINT blocked.

    The initializer can only ignore SIGINT once the worker has imported loopsim (about a second);
    a Ctrl-C sent to the process group before then would kill the worker with a traceback. A
    blocked signal stays pending through ``exec`` and is discarded once the initializer ignores
    it. The mask is per thread, so this works from the executor's manager thread too."""

    def start(self) -> None:
        with _sigint_blocked():
            super().start()


class _WorkerContext(type(mp.get_context("spawn"))):
    """The ``spawn`` start method with :class:`_WorkerProcess` workers."""

    Process = _WorkerProcess


def _run_one(args: tuple[dict, int, int]) -> dict[str, float]:
    """Compatibility entry point: (scenario dict, root seed, replication) -> summary."""
    data, seed, rep = args
    sc = validate_scenario(data)
    return run_job(Job(0, rep, data, sc.hash, seed, (rep,)))["summary"]


# ============================================================================ executors, progress
class _Progress:
    """A rich progress bar with ETA on a terminal; silent when stderr is not a TTY."""

    def __init__(self, label: str, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.label = label
        self._bar = None
        self._task = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=0)
        return self

    def add(self, total: int) -> None:
        if self._bar is not None:
            t = self._bar.tasks[0]
            self._bar.update(self._task, total=(t.total or 0) + total)

    def advance(self, k: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, k)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False


class Runner:
    """Runs jobs on the chosen executor, writes them to a store, returns rows in key order.

    Use as a context manager (a process pool or Dask cluster lives for the whole experiment,
    across the batches of adaptive precision)."""

    def __init__(self, workers: int = 1, executor: Executor | None = None, dask: str | None = None,
                 store=None, progress: bool | None = None, label: str = "simulating"):
        if workers < 1:
            raise LoopsimError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self.user_executor = executor
        self.dask = dask
        self.store = store
        self._executor: Executor | None = executor
        self._owned: list[Any] = []
        self._done = store.finished() if store is not None else {}
        self._progress = _Progress(label, progress)
        self._interrupted = False

    def __enter__(self) -> Runner:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and not self._interrupted and self.store is not None:
            # a store that failed before its first run holds nothing: do not leave its skeleton
            self.store.discard_if_empty()
        for obj in reversed(self._owned):
            try:
                if isinstance(obj, ProcessPoolExecutor) and self._interrupted:
                    # Do not wait for the runs in flight: they are lost anyway, and a store only
                    # ever holds complete runs. Its futures are never cancelled: the pool's manager
                    # thread marks them all broken once the workers die, and on Python < 3.12 it
                    # raises InvalidStateError (printed as a thread traceback) on a cancelled one.
                    for proc in list(getattr(obj, "_processes", {}).values()):
                        proc.terminate()
                    obj.shutdown(wait=False)
                elif isinstance(obj, Executor):
                    obj.shutdown(wait=True, cancel_futures=True)
                else:
                    obj.close()
            except Exception:  # noqa: S110 - best effort on shutdown
                pass
        self._owned.clear()
        self._progress.__exit__(*exc)
        return False

    def _get_executor(self, njobs: int) -> Executor | None:
        if self._executor is not None:
            return self._executor
        if self.dask:
            try:
                from distributed import Client, LocalCluster
            except ImportError:
                raise LoopsimError("--dask needs Dask distributed: pip install 'loopsim[dask]'") from None
            if self.dask == "local":
                n = self.workers if self.workers > 1 else min(4, os.cpu_count() or 1)
                # The cluster's event-loop thread, and so its nannies and worker processes, start
                # with SIGINT blocked: Ctrl-C is the parent's to handle, not theirs (they would die
                # with tracebacks); the parent closes the cluster. Its own logs are silenced: a
                # run's error reaches the caller as the run's exception, and closing the cluster
                # with runs in flight (Ctrl-C) makes busy workers log errors about lost tasks and
                # heartbeats that are expected then. Start a cluster yourself and pass its address
                # to see them.
                with _sigint_blocked():
                    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.CRITICAL)
                self._owned.append(cluster)
                client = Client(cluster)
            else:
                try:
                    client = Client(self.dask, timeout=DASK_CONNECT_TIMEOUT)
                except (OSError, TimeoutError) as exc:
                    raise LoopsimError(f"--dask {self.dask}: cannot connect to the scheduler within "
                                       f"{DASK_CONNECT_TIMEOUT:g} s ({exc})") from None
                except (ValueError, TypeError) as exc:
                    raise LoopsimError(f"--dask {self.dask!r}: not a scheduler address ({exc}); give "
                                       "e.g. tcp://HOST:8786, or 'local'") from None
            self._owned.append(client)
            self._executor = client.get_executor(pure=False)
            return self._executor
        if self.workers > 1 and njobs > 1:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_WorkerContext(),
                                                 initializer=_ignore_sigint)
            self._owned.append(self._executor)
            return self._executor
        return None

    def run(self, jobs: Sequence[Job]) -> dict[tuple[int, int], dict[str, Any]]:
        """Rows (ids + labels + summary) of the jobs, keyed by (point, replication)."""
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        todo = []
        for j in jobs:
            if j.key in self._done:
                rows[j.key] = self._done[j.key]
            else:
                todo.append(j)
        self._progress.add(len(todo))
        try:
            ex = self._get_executor(len(todo)) if todo else None
            if ex is None:
                for j in todo:
                    rows[j.key] = self._finish(j, run_job(j))
            else:
                futures = {ex.submit(run_job, j): j for j in todo}
                try:
                    for fut in as_completed(futures):
                        j = futures[fut]
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            raise LoopsimError(
                                "a worker process stopped before finishing its run. From a Python "
                                "script, call experiments with workers > 1 under "
                                "`if __name__ == \"__main__\":` (workers are spawned and import the "
                                "script); otherwise the machine may be out of memory: try fewer "
                                "workers") from None
                        rows[j.key] = self._finish(j, result)
                except BaseException:
                    if ex not in self._owned:
                        for fut in futures:
                            fut.cancel()
                    raise
        except KeyboardInterrupt:
            self._interrupted = True
            done = sum(1 for j in jobs if j.key in rows)
            kept = (f"the {len(self.store.finished())} finished runs are kept in {self.store.root}; run the "
                    "same command again to resume" if self.store is not None
                    else "nothing was saved (use --out DIR to keep finished runs and resume)")
            raise ExperimentInterrupted(f"interrupted after {done} of {len(jobs)} runs of this batch; {kept}") \
                from None
        return {k: rows[k] for k in sorted(rows)}

    def _finish(self, job: Job, result: dict[str, Any]) -> dict[str, Any]:
        from . import __version__

        row = make_row(job, result["summary"], __version__)
        if self.store is not None:
            meta = {"point": job.point, "replication": job.replication, "labels": dict(job.labels),
                    "overrides": dict(job.overrides), "scenario_hash": job.scenario_hash,
                    "seed": job.seed, "spawn_key": list(job.spawn_key), "loopsim_version": __version__,
                    "timings": {k: result[k] for k in ("started", "wall_seconds", "simulation_seconds")},
                    "host": result["host"], "pid": result["pid"]}
            self.store.write_run(job.point, job.replication, row, meta, result.get("tables"))
        self._done[job.key] = row
        self._progress.advance()
        return row


def make_row(job: Job, summary: Mapping[str, float], version: str) -> dict[str, Any]:
    """The tidy row of one run: ids, labels (design / parameters), metrics, provenance."""
    row: dict[str, Any] = {"point": job.point}
    row.update(dict(job.labels))
    row["replication"] = job.replication
    row["seed"] = job.seed
    row["spawn_key"] = ".".join(str(k) for k in job.spawn_key)
    row.update({k: float(v) for k, v in summary.items()})
    row["scenario_hash"] = job.scenario_hash
    row["loopsim_version"] = version
    return row


def _frame(rows: Iterable[dict[str, Any]], drop: Sequence[str] = ()) -> pd.DataFrame:
    df = pd.DataFrame(list(rows))
    if len(df):
        for c in ("point", "replication", "seed"):
            if c in df:
                df[c] = df[c].astype(np.int64)
    return df.drop(columns=[c for c in drop if c in df.columns]).reset_index(drop=True)


def _open_store(out, kind: str, seed: int, scenarios: Mapping[str, Scenario], extra: Mapping[str, Any],
                tables: bool):
    if out is None:
        return None
    from . import __version__
    from .store import ResultStore

    fingerprint = {"kind": kind, "seed": int(seed),
                   "scenarios": {k: s.hash for k, s in scenarios.items()}, **extra}
    manifest = {"loopsim_version": __version__, "created": time.time(),
                "scenarios": {k: s.to_dict() for k, s in scenarios.items()}}
    return ResultStore(out, fingerprint, manifest, tables=tables)


# ============================================================================ statistics
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


# ============================================================================ replicate
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
    from . import __version__

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
        from .store import summary_payload

        store.finalize(runs, summary_payload("replicate", seed, exp.summary(), {
            "scenario": base.name, "scenario_hash": base.hash, "replications": len(runs),
            "precision": precision, "metric": exp.metric, "converged": converged,
            "loopsim_version": __version__}))
    return exp


def run_replications(scenario: Scenario | Sequence[Scenario], reps: Iterable[int], seed: int,
                     workers: int = 1, executor: Executor | None = None) -> list[dict[str, float]]:
    """Summaries of the given replication numbers, in that order, whatever the executor."""
    reps = list(reps)
    if isinstance(scenario, Scenario):
        jobs = [Job(0, r, scenario.to_dict(), scenario.hash, seed, (r,)) for r in reps]
    else:
        jobs = [Job(0, r, scenario[r].to_dict(), scenario[r].hash, seed, (r,)) for r in reps]
    with Runner(workers, executor, progress=False) as runner:
        rows = runner.run(jobs)
    metrics = [m for m in rows[jobs[0].key] if m not in ID_COLUMNS] if jobs else []
    return [{m: rows[j.key][m] for m in metrics} for j in jobs]


# ============================================================================ compare
@dataclass
class Comparison:
    """Designs run side by side: ``runs`` has one row per (design, replication).

    With ``crn=True`` replication ``i`` of every design used the same seed, so rows with the
    same replication number are paired observations."""

    designs: dict[str, Scenario]
    reference: str
    seed: int
    crn: bool
    runs: pd.DataFrame
    precision: float | None = None
    metric: str | None = None
    converged: bool | None = None

    @property
    def n(self) -> int:
        return int(self.runs["replication"].nunique())

    def wide(self, metric: str) -> pd.DataFrame:
        """One row per replication, one column per design (values of ``metric``)."""
        w = self.runs.pivot(index="replication", columns="design", values=metric)
        return w[list(self.designs)]

    def differences(self, metric: str = "profit") -> pd.DataFrame:
        """Per replication: design minus reference, one column per other design."""
        w = self.wide(metric)
        return w.drop(columns=[self.reference]).sub(w[self.reference], axis=0)

    def table(self, metrics: Sequence[str] | None = None, confidence: float = 0.95,
              method: str = "t") -> pd.DataFrame:
        """Per design and metric: mean and CI; paired difference vs the reference with its CI;
        ``p_better``.

        ``p_better`` is the share of paired replications in which the design beats the
        reference (higher is better for profit, retention, revenue, ...; lower for costs, churn
        and waiting; ties count one half). It is an estimate of P(design beats reference in a
        run), not a posterior probability; it is NaN for the reference and for metrics without
        a direction. With ``crn=False`` the pairs are independent runs.
        """
        if metrics is None:
            from .metrics import CORE_METRICS

            metrics = [m for m in CORE_METRICS if m in self.runs.columns]
        rows = []
        for m in metrics:
            w = self.wide(m)
            ref = w[self.reference].to_numpy(dtype=float)
            for d in self.designs:
                x = w[d].to_numpy(dtype=float)
                mean, sd, n, lo, hi = _describe(x[~np.isnan(x)], confidence, method, metric_bounds(m))
                row = {"design": d, "metric": m, "mean": mean, "sd": sd, "n": n, "ci_low": lo, "ci_high": hi,
                       "diff": math.nan, "diff_ci_low": math.nan, "diff_ci_high": math.nan,
                       "p_better": math.nan}
                if d != self.reference:
                    diff = x - ref
                    diff = diff[~np.isnan(diff)]
                    dm, _dsd, _dn, dlo, dhi = _describe(diff, confidence, method)
                    row.update(diff=dm, diff_ci_low=dlo, diff_ci_high=dhi)
                    sign = BETTER.get(m)
                    if sign and len(diff):
                        row["p_better"] = float(np.mean(np.sign(diff) * sign > 0)
                                                + 0.5 * np.mean(diff == 0))
                rows.append(row)
        return pd.DataFrame(rows)


def compare(designs: Mapping[str, Scenario], n: int | None = None, seed: int = 0, crn: bool = True,
            reference: str | None = None, workers: int = 1, executor: Executor | None = None, *,
            precision: float | None = None, metric: str = "profit", max_reps: int = DEFAULT_MAX_REPS,
            dask: str | None = None, out: str | os.PathLike | None = None, tables: bool = False,
            progress: bool | None = None) -> Comparison:
    """Run every design ``n`` times and pair them (common random numbers by default).

    ``reference`` defaults to the first design. ``precision``: adaptive replication (starting
    from ``n``, default 10): add replications until the 95% CI half-width of the paired
    difference in ``metric`` of every design vs the reference is at most ``precision`` times the
    reference's mean ``|metric|`` (a relative precision that does not depend on how small the
    difference is), or ``max_reps`` is reached.
    """
    from . import __version__

    designs = dict(designs)
    if len(designs) < 1:
        raise ValueError("compare needs at least one design")
    for k, v in designs.items():
        if not isinstance(v, Scenario):
            raise TypeError(f"design {k!r} is not a Scenario")
    reference = next(iter(designs)) if reference is None else reference
    if reference not in designs:
        raise LoopsimError(f"reference {reference!r} is not one of the designs: {', '.join(designs)}")
    if n is None:
        n = 10 if precision is not None else 30
    if n < 1:
        raise ValueError("n must be >= 1")
    if precision is not None and not (math.isfinite(precision) and precision > 0):
        raise LoopsimError(f"precision must be a finite number > 0 (got {precision!r})")
    seed = check_seed(seed)
    if precision is not None:
        _check_metric_known(metric)
    names = list(designs)
    data = {k: s.to_dict() for k, s in designs.items()}

    def jobs(r0: int, r1: int) -> list[Job]:
        return [Job(j, r, data[d], designs[d].hash, int(seed), (r,) if crn else (j, r),
                    labels=(("design", d),), tables=tables)
                for j, d in enumerate(names) for r in range(r0, r1)]

    store = _open_store(out, "compare", seed, designs, {"crn": bool(crn), "designs": names}, tables)
    cap = max(n, max_reps)
    converged = None
    with Runner(workers, executor, dask, store, progress, "comparing designs") as runner:
        rows = runner.run(jobs(0, n))
        if precision is not None:
            def rel_of(rows):
                _metric_values(rows, metric)
                w = Comparison(designs, reference, seed, crn, _frame(rows[k] for k in sorted(rows))).wide(metric)
                scale = abs(float(w[reference].mean()))
                hws = [half_width(w[d] - w[reference]) for d in names if d != reference] or \
                      [half_width(w[reference])]
                return max(hws) / scale if scale else math.inf

            n, converged = _until_precise(runner, rows, n, cap, precision, rel_of, jobs)
    runs = _frame((rows[k] for k in sorted(rows)), drop=("point",))
    cmp = Comparison(designs, reference, seed, crn, runs, precision,
                     metric if precision is not None else None, converged)
    if store is not None:
        tab = cmp.table()
        store.finalize(runs, {"kind": "compare", "seed": seed, "reference": reference, "crn": crn,
                              "designs": {k: {"name": s.name, "scenario_hash": s.hash}
                                          for k, s in designs.items()},
                              "replications": cmp.n, "precision": precision, "metric": cmp.metric,
                              "converged": converged, "loopsim_version": __version__,
                              "table": tab.to_dict("records")},
                       {"comparison": tab})
    return cmp


# ============================================================================ sweep designs
def full_factorial(grid: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Every combination of the grid's values (the first parameter varies slowest)."""
    if not grid:
        raise LoopsimError("an empty grid")
    for k, v in grid.items():
        if isinstance(v, str | bytes) or not isinstance(v, Iterable) or len(list(v)) == 0:
            raise LoopsimError(f"grid {k}: needs a non-empty list of values")
    keys = list(grid)
    return pd.DataFrame([dict(zip(keys, combo, strict=True))
                         for combo in itertools.product(*(list(grid[k]) for k in keys))])


def _check_ranges(ranges: Mapping[str, tuple[float, float]]) -> list[tuple[str, float, float, bool]]:
    if not ranges:
        raise LoopsimError("no parameter ranges")
    out = []
    for k, r in ranges.items():
        try:
            lo, hi = r
        except (TypeError, ValueError):
            raise LoopsimError(f"range {k}: needs (low, high)") from None
        if not (isinstance(lo, int | float) and isinstance(hi, int | float)) or not hi > lo:
            raise LoopsimError(f"range {k}: needs numbers low < high (got {lo!r}:{hi!r})")
        integer = isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool)
        out.append((k, float(lo), float(hi), integer))
    return out


def _scale(unit: np.ndarray, ranges: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    cols = {}
    for i, (k, lo, hi, integer) in enumerate(_check_ranges(ranges)):
        if integer:   # equal-probability integers lo..hi
            cols[k] = np.minimum(np.floor(lo + unit[:, i] * (hi - lo + 1)), hi).astype(np.int64)
        else:
            cols[k] = lo + unit[:, i] * (hi - lo)
    return pd.DataFrame(cols)


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], points: int, seed: int = 0) -> pd.DataFrame:
    """A Latin-hypercube design (:class:`scipy.stats.qmc.LatinHypercube`) over ``ranges``
    (integer ranges give integers)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(_check_ranges(ranges)), rng=np.random.default_rng(seed)).random(points)
    return _scale(unit, ranges)


def random_design(ranges: Mapping[str, tuple[float, float]], points: int, seed: int = 0) -> pd.DataFrame:
    """Independent uniform points over ``ranges``."""
    unit = np.random.default_rng(seed).random((points, len(_check_ranges(ranges))))
    return _scale(unit, ranges)


def _design_frame(grid, design, ranges, points, seed) -> pd.DataFrame:
    if (grid is None) == (design is None):
        raise LoopsimError("give either a grid or a design")
    if grid is not None:
        return full_factorial(grid)
    if isinstance(design, str):
        if ranges is None or not points:
            raise LoopsimError(f"design {design!r} needs ranges and a number of points")
        if int(points) < 1:
            raise LoopsimError("points must be >= 1")
        if design in ("lhs", "latin_hypercube"):
            return latin_hypercube(ranges, int(points), seed)
        if design == "random":
            return random_design(ranges, int(points), seed)
        raise LoopsimError(f"design {design!r}: use 'lhs', 'random', a DataFrame or a list of points")
    df = design if isinstance(design, pd.DataFrame) else pd.DataFrame(list(design))
    if df.empty:
        raise LoopsimError("an empty design")
    return df.reset_index(drop=True)


def _py(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def sweep(scenario: Scenario, grid: Mapping[str, Sequence[Any]] | None = None,
          design: str | pd.DataFrame | Sequence[Mapping[str, Any]] | None = None, n: int = 1,
          seed: int = 0, workers: int = 1, executor: Executor | None = None, *,
          ranges: Mapping[str, tuple[float, float]] | None = None, points: int | None = None,
          crn: bool = True, dask: str | None = None, out: str | os.PathLike | None = None,
          tables: bool = False, progress: bool | None = None) -> pd.DataFrame:
    """Run ``scenario`` at many parameter points, ``n`` replications each.

    Points: a full-factorial ``grid`` ({dotted path: [values]}); or ``design="lhs"`` /
    ``"random"`` with ``ranges`` ({path: (low, high)}, integer ends give integers) and
    ``points`` (drawn with ``seed``); or a DataFrame / list of {path: value} points.

    Returns a tidy DataFrame, one row per (point, replication): ``point``, one column per
    parameter (named by its dotted path), ``replication``, ``seed``, ``spawn_key``, every summary
    metric, ``scenario_hash``, ``loopsim_version``. With ``crn=True`` (default) replication ``i``
    of every point uses the same seed, so differences between points are paired.
    """
    from . import __version__

    if n < 1:
        raise ValueError("n must be >= 1")
    seed = check_seed(seed)
    pts = _design_frame(grid, design, ranges, points, seed)
    params = list(pts.columns)
    clash = [p for p in params if p in ID_COLUMNS]
    if clash:
        raise LoopsimError(f"parameter name {clash[0]!r} clashes with a column of the runs table")
    point_list = [{k: _py(v) for k, v in row.items()} for row in pts.to_dict("records")]
    jobs_by_point = []
    for p, ov in enumerate(point_list):
        sc = scenario.with_overrides(ov, source=f"sweep point {p} {ov}")
        d = sc.to_dict()
        jobs_by_point.append([Job(p, r, d, sc.hash, int(seed), (r,) if crn else (p, r),
                                  labels=tuple(ov.items()), overrides=tuple(ov.items()), tables=tables)
                              for r in range(n)])
    jobs = [j for js in jobs_by_point for j in js]
    store = _open_store(out, "sweep", seed, {"base": scenario},
                        {"crn": bool(crn), "points": point_list}, tables)
    with Runner(workers, executor, dask, store, progress, f"{scenario.name}: sweep") as runner:
        rows = runner.run(jobs)
    df = _frame(rows[k] for k in sorted(rows))
    if store is not None:
        store.finalize(df, {"kind": "sweep", "seed": seed, "scenario": scenario.name,
                            "scenario_hash": scenario.hash, "points": point_list, "replications": n,
                            "crn": crn, "loopsim_version": __version__,
                            "table": sweep_summary(df).reset_index().to_dict("records")})
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


# ============================================================================ Sobol
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
          bootstrap: int = 200) -> Sensitivity:
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
               out=out, progress=progress)
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


# ============================================================================ helpers for callers
def parse_grid(specs: Iterable[str]) -> dict[str, list[Any]]:
    """``PATH=V1,V2,...`` strings (values read as TOML, else strings) -> a grid."""
    from .scenario import parse_override

    grid: dict[str, list[Any]] = {}
    for s in specs:
        if "=" not in s:
            raise LoopsimError(f"--grid needs PATH=V1,V2,... (got {s!r})")
        path, _, raw = s.partition("=")
        path = path.strip()
        if path in grid:
            raise LoopsimError(f"--grid {path}: given twice; list all its values in one --grid")
        items = raw.split(",")
        if not raw.strip():
            raise LoopsimError(f"--grid {path}: no values")
        if any(not v.strip() for v in items):
            raise LoopsimError(f"--grid {path}: an empty value in {raw!r}; separate values by single commas")
        grid[path] = [parse_override(f"{path}={v}")[1] for v in items]
    return grid


def parse_ranges(specs: Iterable[str]) -> dict[str, tuple[float, float]]:
    """``PATH=LOW:HIGH`` strings -> ranges (integers stay integers)."""
    out: dict[str, tuple[float, float]] = {}
    for s in specs:
        path, _, raw = s.partition("=")
        lo_s, sep, hi_s = raw.partition(":")
        if not sep:
            raise LoopsimError(f"--lhs needs PATH=LOW:HIGH (got {s!r})")
        try:
            lo, hi = (int(v) if v.strip().lstrip("-").isdigit() else float(v) for v in (lo_s, hi_s))
        except ValueError:
            raise LoopsimError(f"--lhs {path.strip()}: LOW and HIGH must be numbers (got {raw!r})") from None
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise LoopsimError(f"--lhs {path.strip()}: LOW and HIGH must be finite numbers (got {raw!r})")
        if not hi > lo:
            raise LoopsimError(f"--lhs {path.strip()}: needs LOW < HIGH (got {raw!r})")
        if path.strip() in out:
            raise LoopsimError(f"--lhs {path.strip()}: given twice")
        out[path.strip()] = (lo, hi)
    return out


__all__ = ["Comparison", "Experiment", "Job", "Runner", "Sensitivity", "compare", "full_factorial",
           "latin_hypercube", "parse_grid", "parse_ranges", "random_design", "replicate", "run_job",
           "sobol", "sweep", "sweep_summary"]
