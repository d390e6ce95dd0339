"""Designs the sampler proposes again.

With common random numbers a design already evaluated gives exactly the same result again, so a
repeated proposal is not run: it is recorded as a failed trial with ``duplicate_of`` (it does not
count against ``--trials``), and the next trial evaluates the nearest unexplored design instead
(an integer one step up or down or another choice, one parameter at a time; else, in a finite
space, the nearest design not yet evaluated). TPE is
prone to such repeats on integer parameters (it re-proposes the best point so far), which would
otherwise stall a staffing search next to its optimum.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .space import Param

#: Consecutive repeated proposals after which the search stops (nothing new is being proposed).
MAX_REPEATS = 20
#: Finite spaces up to this many designs are searched whole for the nearest unexplored design.
MAX_ENUMERATED = 100_000


def key(params: Sequence[Param], point: dict[str, Any]) -> tuple:
    """A hashable identity of a design."""
    return tuple(repr(point.get(p.path)) for p in params)


def evaluated(study, params: Sequence[Param]) -> dict[tuple, int]:
    """Designs with a finished trial -> that trial's number."""
    from optuna.trial import TrialState

    out: dict[tuple, int] = {}
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        out.setdefault(key(params, t.params), t.number)
    return out


def duplicates(study) -> int:
    """Repeated proposals recorded in the study so far."""
    return sum(1 for t in study.get_trials(deepcopy=False) if "duplicate_of" in t.user_attrs)


def space_size(params: Sequence[Param]) -> float:
    """Number of distinct designs (inf when a parameter is continuous)."""
    n = 1.0
    for p in params:
        if p.kind == "int":
            n *= int(p.high) - int(p.low) + 1
        elif p.kind == "choice":
            n *= len(p.choices)
        else:
            return math.inf
    return n


def neighbour(params: Sequence[Param], point: dict[str, Any], seen: dict[tuple, int], seed: int):
    """An unexplored design one step from ``point`` (chosen with ``seed``), or None."""
    options = []
    for p in params:
        v = point[p.path]
        if p.kind == "int":
            steps = [v + d for d in (-1, 1) if p.low <= v + d <= p.high]
        elif p.kind == "choice":
            steps = [c for c in p.choices if repr(c) != repr(v)]
        else:
            continue
        for s in steps:
            cand = {**point, p.path: s}
            if key(params, cand) not in seen:
                options.append(cand)
    rng = np.random.default_rng(seed)
    if options:
        return options[int(rng.integers(len(options)))]
    return _nearest(params, point, seen, rng)


def _nearest(params: Sequence[Param], point: dict[str, Any], seen: dict[tuple, int], rng):
    """The unexplored design of a (small enough) finite space nearest to ``point``, or None."""
    if space_size(params) > MAX_ENUMERATED:
        return None
    axes = [list(range(int(p.low), int(p.high) + 1)) if p.kind == "int" else list(p.choices) for p in params]
    best, best_d = [], math.inf
    for combo in itertools.product(*axes):
        cand = dict(zip((p.path for p in params), combo, strict=True))
        if key(params, cand) in seen:
            continue
        d = sum(abs(cand[p.path] - point[p.path]) / (p.high - p.low) if p.kind == "int"
                else float(repr(cand[p.path]) != repr(point[p.path])) for p in params)
        if d < best_d - 1e-12:
            best, best_d = [cand], d
        elif abs(d - best_d) <= 1e-12:
            best.append(cand)
    return best[int(rng.integers(len(best)))] if best else None
