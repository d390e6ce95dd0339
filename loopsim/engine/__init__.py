"""The SimPy loyalty-loop engine. Entry point: :func:`simulate`."""

from __future__ import annotations

import os
import time

import numpy as np

from ..errors import LoopsimError
from ..records import Tracer
from ..scenario import Scenario
from .collect import collect
from .world import World

__all__ = ["ENGINES", "World", "choose_engine", "simulate"]


#: the engines :func:`simulate` can use; ``auto`` picks ``compiled`` when it can run the scenario
ENGINES = ("auto", "compiled", "python")


def choose_engine(scenario: Scenario, engine: str | None = None, tracing: bool = False) -> str:
    """The engine that runs ``scenario``: ``"compiled"`` or ``"python"``.

    ``engine`` is ``"auto"`` (the default; ``None`` reads the ``LOOPSIM_ENGINE`` environment
    variable, which the CLI's ``--engine`` sets for its workers), ``"compiled"`` or ``"python"``.
    ``auto`` uses the compiled engine when every part of the scenario has a compiled form and
    the run is not traced (tracing reads the Python engine's customers as they change); both
    engines give the same results (``docs/engine.md``). Asking for ``compiled`` where it cannot
    run is an error naming what stops it."""
    engine = engine or os.environ.get("LOOPSIM_ENGINE") or "auto"
    if engine not in ENGINES:
        raise LoopsimError(f"engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if engine == "python":
        return engine
    from . import compiled

    why = "a traced run needs the Python engine" if tracing else compiled.unsupported(scenario)
    if why is None:
        return "compiled"
    if engine == "compiled":
        raise LoopsimError(f"engine 'compiled' cannot run {scenario.name!r}: {why} "
                           "(use --engine auto or python)")
    return "python"


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence = 0, *,
             tracer: Tracer | None = None, engine: str | None = None):
    """Run one replication of ``scenario`` with ``seed`` and return a :class:`~loopsim.result.RunResult`.

    Same scenario + same seed = identical results, on either engine (``engine``: ``"auto"``,
    ``"compiled"`` or ``"python"``, see :func:`choose_engine`). ``seed`` may be an int or a
    :class:`numpy.random.SeedSequence` (as spawned per replication by experiments).
    """
    from ..result import build_result

    t0 = time.perf_counter()
    out_seed = seed if isinstance(seed, int) else None
    if choose_engine(scenario, engine, tracing=tracer is not None) == "compiled":
        from . import compiled

        return build_result(compiled.run(scenario, seed), out_seed, time.perf_counter() - t0)
    world = World(scenario, seed, tracer=tracer)
    if tracer is not None:
        tracer.bind(world)     # satisfaction and programme progress in the trace
    world.run()
    if tracer is not None:
        tracer.finish()
    return build_result(collect(world, release=True), out_seed, time.perf_counter() - t0)
