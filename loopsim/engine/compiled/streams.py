"""The random-stream offsets and counter spaces the compiled engine uses, from
:mod:`loopsim.rng` (where every stream is declared), as ``uint64`` constants for numba."""

from __future__ import annotations

from ...rng import (
    B_ADVOCACY,
    B_CHURN,
    B_DEFECTION,
    B_EXPERIENCE,
    B_FUNNEL,
    B_INITIAL,
    B_PURCHASE,
    B_SERVICE,
    CHURN_INITIAL_DRAW,
    CHURN_SWITCH_DRAWS,
    DEFECTION_REASON_DRAWS,
    EXPERIENCE_ONBOARDING_DRAWS,
    INITIAL_FIRST_EVENT_DRAW,
    INITIAL_SPREAD_DRAW,
    SERVICE_ARRIVAL_DRAWS,
    SERVICE_DEFECTION_DRAWS,
    SERVICE_REPEAT_DRAWS,
    WINBACK_PURCHASE_SHIFT,
)
from .rand import U

BP, BC, BE, BS, BF, BA, BI, BD = (U(b) for b in (B_PURCHASE, B_CHURN, B_EXPERIENCE, B_SERVICE,
                                                 B_FUNNEL, B_ADVOCACY, B_INITIAL, B_DEFECTION))
__all__ = ["BA", "BC", "BD", "BE", "BF", "BI", "BP", "BS", "CHURN_INITIAL_DRAW", "CHURN_SWITCH_DRAWS",
           "DEFECTION_REASON_DRAWS", "EXPERIENCE_ONBOARDING_DRAWS", "INITIAL_FIRST_EVENT_DRAW",
           "INITIAL_SPREAD_DRAW", "SERVICE_ARRIVAL_DRAWS", "SERVICE_DEFECTION_DRAWS",
           "SERVICE_REPEAT_DRAWS", "WINBACK_PURCHASE_SHIFT"]
