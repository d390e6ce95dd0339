"""Will a run fit in memory? An estimate made before it starts, so a population that cannot fit
is refused with one line instead of swapping the machine to a halt or being killed mid-run.

The footprint of each engine is a straight line through the engine benchmark's measurements
(``benchmarks/bench_engine.py``'s scale row: the max RSS of a run's own process at 100,000 and
1,000,000 customers x 365 days, after a warm-up run; :data:`MEASURED_MIB`): a fixed base per
process plus an amount per customer acquired. The estimate is the larger of the two engines'
lines at the run's size (the compiled engine's base is larger, the Python engine's slope: the
compiled engine's pools and logs take about 0.7 KB per customer, ``docs/engine.md``, "Memory").
The number of customers is the initial cohort plus the prospects that marketing and organic
arrivals bring over the horizon times the funnel's conversion (word of mouth and referrals come
on top, so the estimate is a lower bound). Each worker process holds one run at a time.

To re-derive the figures after a change of either engine's memory: run the benchmark (or its
rows at 100k and 1M) and put its ``peak MB`` figures (MiB) into :data:`MEASURED_MIB`.
"""

from __future__ import annotations

import math
import os
from typing import Any

from .errors import LoopsimError

#: Peak memory (MiB, max RSS of the run's process) at 100,000 and 1,000,000 customers x 365 days:
#: both measured 2026-11-30, the compiled engine after its memory work (docs/engine.md).
MEASURED_MIB = {"compiled": (363, 928), "python": (321, 1_505)}


def _line(at_100k: float, at_1m: float) -> tuple[float, float]:
    """(base bytes, bytes per customer) of the line through two measurements in MiB."""
    per = (at_1m - at_100k) * 2**20 / 900_000
    return at_100k * 2**20 - 100_000 * per, per


#: each engine's (base bytes per process, bytes per acquired customer)
FOOTPRINTS = {engine: _line(*mib) for engine, mib in MEASURED_MIB.items()}
#: Memory per acquired customer (bytes): the larger of the engines' slopes.
BYTES_PER_CUSTOMER = round(max(per for _, per in FOOTPRINTS.values()))
#: Environment variable that sets the memory available (bytes) instead of the machine's, for
#: tests and for sharing a machine (e.g. ``LOOPSIM_MEMORY_BYTES=4e9``).
MEMORY_ENV = "LOOPSIM_MEMORY_BYTES"


def expected_prospects(scenario: Any) -> float:
    """Prospects that marketing and organic arrivals bring over the horizon, on average (count;
    word of mouth and referrals come on top). Each gets a customer record when it arrives, whether
    it converts or not: the compiled engine sizes its customers' pool from this."""
    m = scenario.market
    horizon = float(scenario.time.horizon_days)
    per_day = m.organic_arrivals_per_day + (m.marketing_budget_per_day / m.cost_per_aware
                                            if m.cost_per_aware > 0 else 0.0)
    prospects = per_day * horizon
    if m.market_size is not None:
        prospects = min(prospects, m.market_size)
    return prospects


def expected_customers(scenario: Any) -> float:
    """Customers a run of ``scenario`` acquires at least, on average (count)."""
    conversion = math.prod(getattr(scenario.funnel, s).conversion for s in _stages())
    return scenario.market.initial_customers + expected_prospects(scenario) * conversion


def _stages() -> tuple[str, ...]:
    from .scenario import STAGES

    return STAGES


def estimate_bytes(scenario: Any, workers: int = 1) -> float:
    """Memory (bytes) ``workers`` processes need to run ``scenario`` at the same time."""
    n = expected_customers(scenario)
    return max(1, workers) * max(base + per * n for base, per in FOOTPRINTS.values())


def available_bytes() -> float | None:
    """The memory this machine (or its container's limit) has, in bytes; ``LOOPSIM_MEMORY_BYTES``
    overrides it; None where it cannot be found."""
    override = os.environ.get(MEMORY_ENV)
    if override is not None:
        try:
            value = float(override)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise LoopsimError(f"{MEMORY_ENV}={override!r}: must be a number of bytes > 0, e.g. 8e9")
        return value
    try:
        total = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        total = None
    limit = _cgroup_limit()
    if total is None or (limit is not None and limit < total):
        return limit
    return total


def _cgroup_limit() -> float | None:
    """A cgroup v2 memory limit (a container's), if one is set."""
    try:
        with open("/sys/fs/cgroup/memory.max") as fh:
            text = fh.read().strip()
    except OSError:
        return None
    return float(text) if text.isdigit() else None


def check_memory(scenario: Any, workers: int = 1) -> None:
    """Refuse, with one line, a run of ``scenario`` on ``workers`` processes that needs more
    memory than this machine has."""
    have = available_bytes()
    need = estimate_bytes(scenario, workers)
    if have is None or need <= have:
        return
    on = f" on {workers} workers" if workers > 1 else ""
    raise LoopsimError(
        f"scenario {scenario.name!r}: needs about {need / 1e9:.1f} GB{on}; this machine has "
        f"{have / 1e9:.1f} GB (about {expected_customers(scenario):,.0f} customers at "
        f"{BYTES_PER_CUSTOMER:,} bytes each, docs/engine.md). Simulate fewer customers "
        "(market.initial_customers, arrivals), a shorter time.horizon_days, or use fewer --workers")


def check_grid_memory(scenario: Any, grid: dict[str, list[Any]], workers: int = 1) -> None:
    """:func:`check_memory` for every point of a full-factorial ``grid`` (dotted path -> values)
    over ``scenario``; a point that does not validate is left to the sweep to report."""
    import itertools

    from .errors import ScenarioError

    for combo in itertools.product(*grid.values()):
        try:
            point = scenario.with_overrides(dict(zip(grid, combo, strict=True)))
        except ScenarioError:
            continue
        check_memory(point, workers)
