"""The compiled engine: the loyalty loop in numba, the same model and the same numbers as the
readable Python engine (:mod:`loopsim.engine`), ten times faster or more.

- :mod:`.layout`: the state (struct of arrays) and its named slots;
- :mod:`.rand`: counter-based draws and quantile functions (bit-identical to :mod:`loopsim.rng`);
- :mod:`.calendar`: the event order (time, scheduling order);
- :mod:`.core`, :mod:`.journey`, :mod:`.desk`: customers' state, their journey, the service desk;
- :mod:`.loop`: the day loop and the market's entry points; :mod:`.driver`: the market tick
  (Python, once a day); :mod:`.collect`: the run's records.

See ``docs/engine.md`` ("Two engines").
"""

from __future__ import annotations

from ...records import RunRecords
from .cache import install as _install_cache

_install_cache()   # before any kernel module compiles: see cache.py


def unsupported(sc) -> str | None:
    """Why ``sc`` cannot run on the compiled engine (a policy without a compiled form), or None."""
    from .policies import COMPILED

    missing = sorted({p.type for p in sc.policies if p.type not in COMPILED})
    if missing:
        return f"policies without a compiled form: {', '.join(missing)}"
    return next((why for p in sc.policies if (why := COMPILED[p.type].unsupported(p))), None)


def run(sc, seed) -> RunRecords:
    """Run ``sc`` with ``seed`` on the compiled engine and return its records."""
    from .collect import collect
    from .driver import CompiledRun

    return collect(CompiledRun(sc, seed).run())
