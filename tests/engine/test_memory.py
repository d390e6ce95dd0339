"""The compiled engine's memory handling: cohorts fed to the kernel in chunks, logs kept in
compact chunks, the state freed as the records are built. None of it may change a result."""

from __future__ import annotations

import numpy as np
import pytest

import loopsim
from loopsim.engine.compiled import collect as collect_mod
from loopsim.engine.compiled import driver, logs
from loopsim.engine.compiled import layout as L
from loopsim.engine.compiled.driver import _EV_ROOM, CompiledRun
from loopsim.resources import expected_customers, expected_prospects

from .conftest import ROOT
from .equal import run_differences

#: existing cohort + arrivals + points (timers, batches); a new cohort with a spread first purchase
CASES = {
    "retailer_points": ("scenarios/retailer_points.toml", {}),
    "new_cohort": ("scenarios/coffee_punch_card.toml",
                   {"market.initial_first_purchase": True, "market.initial_spread_days": 20.0}),
}


def _scenario(case: str) -> loopsim.Scenario:
    path, extra = CASES[case]
    return loopsim.load_scenario(ROOT / path).with_overrides(
        {"market.initial_customers": 300, "time.horizon_days": 90.0, **extra})


@pytest.mark.parametrize("case", sorted(CASES))
def test_tiny_chunks_and_pools_give_the_same_run(case, monkeypatch):
    """Cohorts and arrivals handed to the kernel 7 people at a time, traits sampled 5 at a time
    and logs emptied every few hundred rows: exactly the run of the default sizes."""
    sc = _scenario(case)
    default = loopsim.simulate(sc, seed=11, engine="compiled")
    monkeypatch.setattr(driver, "CHUNK", 7)
    monkeypatch.setattr(driver, "TRAIT_CHUNK", 5)
    monkeypatch.setattr(logs, "POOL_ROWS", 300)
    drains = []
    real_drain = logs.RowLog.drain
    monkeypatch.setattr(logs.RowLog, "drain", lambda self: drains.append(len(self)) or real_drain(self))
    tiny = loopsim.simulate(sc, seed=11, engine="compiled")
    assert sum(n > 0 for n in drains) > 3, "the logs were never emptied mid-run: the test is void"
    assert not run_differences(default, tiny, rel=0.0)
    assert len(default.transactions) > 300


def test_calendar_pool_is_not_sized_for_a_whole_cohort():
    """A cohort of 20,000 existing customers needs about one calendar entry each: the pool holds
    room for one chunk's worth of new entries, not four per customer of the cohort. The days'
    lists add a fixed part (a partly filled chunk per day and the kernel's room)."""
    n = 20_000
    sc = loopsim.load_scenario(ROOT / "benchmarks/engine_benchmark.toml").with_overrides(
        {"market.initial_customers": n, "time.horizon_days": 2.0})
    run = CompiledRun(sc, 1).run()
    lists = L.CHUNK * (run.days + 1 + _EV_ROOM + 1)
    assert run.a["EVT"].shape[0] < 1.5 * (n + lists)
    assert run.a["F"].shape[1] < 1.5 * n


def test_collect_frees_the_state():
    """After the records are built nothing of the kernel's state is left to hold memory."""
    run = CompiledRun(_scenario("retailer_points"), 3).run()
    purchases = len(run.tx)
    records = collect_mod.collect(run)
    assert run.S is None and len(run.a) == 0
    assert len(records.transactions) == purchases > 0


def _roundtrip(values: np.ndarray, pool_rows: int = 64) -> tuple[np.ndarray, list]:
    """``values`` through a one-column log emptied every ``pool_rows`` rows: the rebuilt column
    and the stored chunks."""
    a = {"ctl": np.zeros(1, dtype=np.int64), "x": np.empty(pool_rows, dtype=values.dtype)}
    log = logs.RowLog.__new__(logs.RowLog)
    log.a, log.pool, log.names, log.counter = a, "x", ("x",), 0
    log.chunks, log.dtypes, log.rows = {"x": []}, {"x": values.dtype}, 0
    for lo in range(0, len(values), pool_rows):
        part = values[lo:lo + pool_rows]
        a["x"][:len(part)] = part
        a["ctl"][0] = len(part)
        log.drain()
    stored = list(log.chunks["x"])
    return log.column("x"), stored


@pytest.mark.parametrize("name, values, kind", [
    ("constant with a signed zero", np.array([0.0] * 64 + [-0.0] * 64), "broadcast"),
    ("few values, NaN and -0.0", np.tile([20.0, 0.0, -0.0, np.nan, 1e-300], 40), "coded"),
    ("a value the sample missed", np.r_[np.zeros(1500), 3.5, np.zeros(499)], "copy"),
    ("continuous", np.random.default_rng(0).random(200), "copy"),
    ("small ints", np.arange(-100, 100, dtype=np.int64), "narrow"),
    ("ids", np.arange(200, dtype=np.int64) * 10_000_000, "narrow"),
    ("beyond int32", np.arange(200, dtype=np.int64) << 40, "copy"),
])
def test_compact_chunks_keep_every_bit(name, values, kind):
    pool = 2000 if name.startswith("a value the sample") else 64
    out, stored = _roundtrip(values, pool)
    assert out.dtype == values.dtype
    assert out.tobytes() == values.tobytes(), name
    first = stored[0]
    if kind == "broadcast":
        assert all(c.strides == (0,) for c in stored)
    elif kind == "coded":
        assert any(isinstance(c, logs._Coded) for c in stored)
    elif kind == "narrow":
        assert first.dtype.itemsize < 8
    else:
        assert first.dtype == values.dtype and first.strides != (0,)


def test_expected_prospects_are_counted_before_conversion():
    sc = loopsim.load_scenario(ROOT / "scenarios/baseline.toml")
    m = sc.market
    prospects = (m.organic_arrivals_per_day + m.marketing_budget_per_day / m.cost_per_aware) \
        * sc.time.horizon_days
    assert expected_prospects(sc) == pytest.approx(prospects)
    assert m.initial_customers < expected_customers(sc) < m.initial_customers + prospects


def test_a_huge_stream_of_prospects_reserves_a_bounded_pool():
    """Room for prospects is reserved up front only up to :data:`driver.PROSPECT_RESERVE`; the
    pool grows beyond it as they come."""
    sc = loopsim.load_scenario(ROOT / "scenarios/baseline.toml").with_overrides(
        {"market.organic_arrivals_per_day": 1_000_000.0, "time.horizon_days": 36_500.0})
    run = CompiledRun(sc, 1)
    assert expected_prospects(sc) > 1e10
    assert run.a["F"].shape[1] <= sc.market.initial_customers + driver.PROSPECT_RESERVE + driver.CHUNK
