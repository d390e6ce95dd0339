"""The optimisation problem as one value: base scenario, search space, objectives, constraints,
replications and seed; its fingerprint tells a resumed study it is the same problem."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scenario import Scenario
from .objective import Constraint, Objective
from .space import Param


@dataclass(frozen=True)
class Problem:
    """Everything that defines a study (and so must match to resume one)."""

    base: Scenario
    params: tuple[Param, ...]
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    n: int
    seed: int
    sampler: str

    def fingerprint(self) -> dict[str, Any]:
        """JSON description of the problem (stored with the study)."""
        return {"base": self.base.hash, "seed": self.seed, "n": self.n, "sampler": self.sampler,
                "params": [p.describe() for p in self.params],
                "objectives": [f"{o.text}:{o.direction}" for o in self.objectives],
                "constraints": [str(c) for c in self.constraints]}

    def digest(self) -> str:
        """A short hash of :meth:`fingerprint` (the study's name)."""
        blob = json.dumps(self.fingerprint(), sort_keys=True)
        return "loopsim-" + hashlib.sha256(blob.encode()).hexdigest()[:12]

    @property
    def directions(self) -> list[str]:
        return [o.direction for o in self.objectives]

    def scenario(self, point: Mapping[str, Any], label: str = "design") -> Scenario:
        """The base scenario with one design's parameter values (validated)."""
        return self.base.with_overrides(dict(point), source=f"{label} {dict(point)}")

    def evaluate(self, runs: Sequence[Mapping[str, float]]) -> dict[str, Any]:
        """Per-trial statistics of replication rows: objective means and 95% CIs, the
        constrained values (means) and their violations, metric means."""
        from ..experiment import half_width

        out: dict[str, Any] = {"objectives": [], "ci": []}
        for o in self.objectives:
            y = o.values(runs)
            y = y[~np.isnan(y)]
            mean = float(y.mean()) if len(y) else math.nan
            half = half_width(y) if len(y) > 1 else math.nan
            out["objectives"].append(mean)
            out["ci"].append([mean - half, mean + half])
        keys = tuple(k for k in runs[0] if isinstance(runs[0][k], float))
        means = {k: float(np.nanmean([r.get(k, math.nan) for r in runs]))
                 if any(not math.isnan(r.get(k, math.nan)) for r in runs) else math.nan for k in keys}
        out["means"] = means
        out["constraint_values"] = [c.value(runs) for c in self.constraints]
        out["violations"] = [c.violation(v) for c, v in zip(self.constraints, out["constraint_values"],
                                                              strict=True)]
        return out
