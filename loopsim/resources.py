"""Will a run fit in memory? An estimate made before it starts, so a population that cannot fit
is refused with one line instead of swapping the machine to a halt or being killed mid-run.

The footprint is the one measured by the engine benchmark on the compiled engine, the larger of
the two engines' (``docs/engine.md``, 2026-11-29: 100,000 customers x 365 days in 476 MB,
1,000,000 in 1,827 MB; the Python engine took 264 and 1,399 MB): a fixed
:data:`BASE_BYTES` per process plus :data:`BYTES_PER_CUSTOMER` per customer acquired. The number
of customers is the initial cohort plus the prospects that marketing and organic arrivals bring
over the horizon times the funnel's conversion (word of mouth and referrals come on top, so the
estimate is a lower bound). Each worker process holds one run at a time.
"""

from __future__ import annotations

import math
import os
from typing import Any

from .errors import LoopsimError

#: Memory per acquired customer (bytes): the slope of the benchmark's 100k and 1M runs.
BYTES_PER_CUSTOMER = (1_827 - 476) * 1_000_000 // 900_000
#: Memory of a process before any customer (bytes): the benchmark's intercept.
BASE_BYTES = 476 * 1_000_000 - 100_000 * BYTES_PER_CUSTOMER
#: Environment variable that sets the memory available (bytes) instead of the machine's, for
#: tests and for sharing a machine (e.g. ``LOOPSIM_MEMORY_BYTES=4e9``).
MEMORY_ENV = "LOOPSIM_MEMORY_BYTES"


def expected_prospects(scenario: Any) -> float:
    """Prospects that marketing and organic arrivals bring over the horizon, on average (count;
    word of mouth and referrals come on top)."""
    m = scenario.market
    horizon = float(scenario.time.horizon_days)
    per_day = m.organic_arrivals_per_day + (m.marketing_budget_per_day / m.cost_per_aware
                                            if m.cost_per_aware > 0 else 0.0)
    prospects = per_day * horizon
    if m.market_size is not None:
        prospects = min(prospects, m.market_size)
    return prospects


def expected_people(scenario: Any) -> float:
    """People a run of ``scenario`` creates at least, on average (count): the initial cohort and
    the prospects (each gets a customer record when it arrives, whether it converts or not)."""
    return scenario.market.initial_customers + expected_prospects(scenario)


def expected_customers(scenario: Any) -> float:
    """Customers a run of ``scenario`` acquires at least, on average (count)."""
    conversion = math.prod(getattr(scenario.funnel, s).conversion for s in _stages())
    return scenario.market.initial_customers + expected_prospects(scenario) * conversion


def _stages() -> tuple[str, ...]:
    from .scenario import STAGES

    return STAGES


def estimate_bytes(scenario: Any, workers: int = 1) -> float:
    """Memory (bytes) ``workers`` processes need to run ``scenario`` at the same time."""
    return max(1, workers) * (BASE_BYTES + BYTES_PER_CUSTOMER * expected_customers(scenario))


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
