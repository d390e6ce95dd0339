"""The Python engine's :class:`~loopsim.context.Context`: what policies (and the desk) hold as ``ctx``.

A thin adapter over the :class:`~loopsim.engine.world.World`: it has exactly the Protocol's
members, so the world's own state (calendars, counters, hook lists) cannot leak into policies.
The methods are the world's own bound methods, stored once: a call costs what a call on the
world costs (policies call ``ctx.uniform`` and ``ctx.now`` at every purchase).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..scenario import Scenario
    from .world import World


class WorldContext:
    """One run's policy API (see :class:`loopsim.context.Context` for each member's meaning).

    The tracer replaces ``change_satisfaction`` while it runs (to name each change's cause,
    :mod:`loopsim.tracing.probe`); nothing else is ever reassigned."""

    __slots__ = ("_env", "at", "by_id", "change_satisfaction", "hazard_process", "horizon",
                 "policies", "post", "record", "refresh_churn", "schedule", "scenario", "trace",
                 "uniform")

    def __init__(self, world: World) -> None:
        self._env = world.env
        self.scenario: Scenario = world.scenario
        self.horizon: float = world.horizon
        self.by_id: Mapping[int, Any] = MappingProxyType(world.by_id)   # read only, live
        self.policies: Sequence[Any] = tuple(world.policies)
        self.hazard_process: bool = world.hazard_process
        self.post = world.post
        self.uniform = world.uniform
        self.change_satisfaction = world.change_satisfaction
        self.at = world.at
        self.schedule = world.schedule
        self.record = world.record
        self.trace = world.trace
        self.refresh_churn = world.refresh_churn

    @property
    def now(self) -> float:
        """Current simulation time (days)."""
        return self._env.now
