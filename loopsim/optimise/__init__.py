"""Design optimisation under uncertainty, on Optuna, with common random numbers and a final
ranking-and-selection stage.

One concept per module: :mod:`.space` (parameters and their ranges), :mod:`.objective`
(objectives and constraints), :mod:`.problem` (the problem and its fingerprint),
:mod:`.samplers` (Optuna samplers by name), :mod:`.study` (trials, storage, resume),
:mod:`.selection` (the final stage), :mod:`.outputs` (files), :mod:`.figures` (plots),
:mod:`.api` (:func:`optimise`). See ``docs/howto_optimise.md``.
"""

from __future__ import annotations

from .api import Optimisation, optimise
from .objective import Constraint, Objective, parse_constraint
from .space import Param, parse_param

__all__ = ["Constraint", "Objective", "Optimisation", "Param", "optimise", "parse_constraint", "parse_param"]
