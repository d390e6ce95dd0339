"""Dask distributed: a real LocalCluster with 2 worker processes gives the same tables as local runs."""

from __future__ import annotations

import gc
import socket
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import distributed  # a test dependency (pip install -e ".[test]"), never skipped
import pandas as pd
import pytest

import loopsim
from loopsim.errors import LoopsimError
from loopsim.experiment import compare, sweep
from loopsim.experiment.runner import LOCAL_SCHEDULER

ROOT = Path(__file__).resolve().parents[1]


def test_dask_local_cluster_identical_to_local_workers():
    sc = loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml",
                               {"time.horizon_days": 40, "market.initial_customers": 150,
                                "market.marketing_budget_per_day": 20})
    grid = {"economics.gross_margin_rate": [0.3, 0.5], "market.marketing_budget_per_day": [10, 30]}
    one = sweep(sc, grid=grid, n=3, seed=5, workers=1)
    two = sweep(sc, grid=grid, n=3, seed=5, workers=2)
    pd.testing.assert_frame_equal(one, two)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_kwargs=LOCAL_SCHEDULER) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        on_dask = sweep(sc, grid=grid, n=3, seed=5, dask=cluster.scheduler_address)
        pd.testing.assert_frame_equal(one, on_dask)
        # any concurrent.futures executor, here Dask's
        cmp_local = compare({"a": sc, "b": sc.with_overrides({"economics.gross_margin_rate": 0.5})}, n=3, seed=1)
        cmp_dask = compare({"a": sc, "b": sc.with_overrides({"economics.gross_margin_rate": 0.5})}, n=3, seed=1,
                           executor=client.get_executor(pure=False))
        pd.testing.assert_frame_equal(cmp_local.runs, cmp_dask.runs)


def test_dask_local_shortcut():
    """``dask="local"`` gives the local results, and its cluster takes no fixed port: with
    distributed's default HTTP port (8787) taken, as by another cluster on the machine, nothing
    is printed (it was a three-line "Port 8787 is already in use" warning)."""
    sc = loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml",
                               {"time.horizon_days": 30, "market.initial_customers": 100})
    a = loopsim.replicate(sc, n=4, seed=3)
    with _port_taken(8787), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b = loopsim.replicate(sc, n=4, seed=3, workers=2, dask="local")
    pd.testing.assert_frame_equal(a.runs, b.runs)
    assert not [str(w.message) for w in caught if "in use" in str(w.message)]


@contextmanager
def _port_taken(port: int):
    """Hold the loopback ``port`` for the block (if someone else holds it, it is taken anyway)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            pass
        yield


def _io_loops() -> int:
    return sum(t.name == "IO loop" for t in threading.enumerate())


def test_a_failed_connection_leaves_no_client_or_event_loop_behind():
    """A malformed address fails with a clear error and closes distributed's half-started client
    at once: left to the garbage collector, it would close in whatever thread collects it and
    stall (or deadlock) the next client's start in this process."""
    sc = loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml", {"time.horizon_days": 10})
    loops = _io_loops()
    with pytest.raises(LoopsimError, match="not a scheduler address"):
        loopsim.replicate(sc, n=2, seed=1, dask="not an address")
    alive = [c.status for c in gc.get_objects() if isinstance(c, distributed.Client) and c.status != "closed"]
    assert not alive, alive
    deadline = time.monotonic() + 30
    while _io_loops() > loops and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _io_loops() <= loops, "the failed client's event-loop thread still runs"
