"""The runner: jobs on an executor (in-process, local processes, Dask), written to a store."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import ExperimentInterrupted, LoopsimError
from .jobs import Job, make_row, run_job
from .progress import _Progress
from .workers import _init_worker, _sigint_blocked, _WorkerContext

#: Seconds to wait for a Dask scheduler to answer (``--dask ADDRESS``).
DASK_CONNECT_TIMEOUT = 10.0
#: The ``--dask local`` scheduler's HTTP server (its health and metrics routes; the dashboard is
#: off) on a free loopback port: on its default, 8787, a second cluster on the machine (another
#: experiment, another user) printed a three-line "Port 8787 is already in use" warning.
LOCAL_SCHEDULER = {"dashboard_address": "127.0.0.1:0"}


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
        report = store.resume_report() if store is not None else None
        if report:
            print(f"loopsim: {report}", file=sys.stderr)
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
                                           dashboard_address=None, silence_logs=logging.CRITICAL,
                                           scheduler_kwargs=LOCAL_SCHEDULER)
                self._owned.append(cluster)
                client = Client(cluster)
            else:
                try:
                    client = _connect(self.dask)
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
                                                 initializer=_init_worker, initargs=(os.getpid(),))
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
            kept = (f"the {len(self._done)} finished runs are kept in {self.store.root}; run the "
                    "same command again to resume" if self.store is not None
                    else "nothing was saved (use --out DIR to keep finished runs and resume)")
            raise ExperimentInterrupted(f"interrupted after {done} of {len(jobs)} runs of this batch; {kept}") \
                from None
        return {k: rows[k] for k in sorted(rows)}

    def _finish(self, job: Job, result: dict[str, Any]) -> dict[str, Any]:
        from .. import __version__

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


def _connect(address: str):
    """A Dask client connected to the scheduler at ``address`` (waits DASK_CONNECT_TIMEOUT s).

    When the connection fails (a malformed address, say) distributed's Client is left half
    started: its event-loop thread runs and the object waits in a reference cycle for the garbage
    collector, whose finaliser closes it in whatever thread collects it, taking distributed's
    process-wide loop lock. A client being started then holds that lock while it waits for its own
    loop thread: if that thread is the one collecting, the start fails after 10 s (an assertion in
    distributed's LoopRunner), and it deadlocks if it is the starting thread itself. So the failed
    client is closed here, in this thread, holding no lock."""
    from distributed import Client

    try:
        return Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except BaseException as exc:
        for frame, _ in traceback.walk_tb(exc.__traceback__):
            half_started = frame.f_locals.get("self")
            if isinstance(half_started, Client):
                half_started.close()   # a no-op for one distributed already closed
                break
        raise
