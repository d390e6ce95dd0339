"""The SimPy loyalty-loop engine. Entry point: :func:`simulate`."""

from __future__ import annotations

import time

import numpy as np

from ..records import Tracer
from ..scenario import Scenario
from .collect import collect
from .world import World

__all__ = ["World", "simulate"]


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence = 0, *,
             tracer: Tracer | None = None):
    """Run one replication of ``scenario`` with ``seed`` and return a :class:`~loopsim.result.RunResult`.

    Same scenario + same seed = identical results. ``seed`` may be an int or a
    :class:`numpy.random.SeedSequence` (as spawned per replication by experiments).
    """
    from ..result import build_result

    t0 = time.perf_counter()
    world = World(scenario, seed, tracer=tracer)
    if tracer is not None:
        tracer.bind(world)     # satisfaction and programme progress in the trace
    world.run()
    if tracer is not None:
        tracer.finish()
    return build_result(collect(world, release=True), seed if isinstance(seed, int) else None,
                        time.perf_counter() - t0)
