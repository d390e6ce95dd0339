"""The random-stream offsets and counter spaces the compiled engine uses (declared in
:mod:`loopsim.rng`), as ``uint64`` / ``int64`` constants for numba."""

from __future__ import annotations

from ...rng import SERVICE_ARRIVAL_DRAWS, SERVICE_DEFECTION_DRAWS, SERVICE_REPEAT_DRAWS
from ..defection import _REASON_DRAW, B_DEFECTION
from ..keys import B_ADVOCACY, B_CHURN, B_EXPERIENCE, B_FUNNEL, B_INITIAL, B_PURCHASE, B_SERVICE
from .rand import U

BP, BC, BE, BS, BF, BA, BI, BD = (U(b) for b in (B_PURCHASE, B_CHURN, B_EXPERIENCE, B_SERVICE,
                                                 B_FUNNEL, B_ADVOCACY, B_INITIAL, B_DEFECTION))
CHURN_SWITCH_DRAWS = 1 << 30          # journey._churn: switch to a competitor (+ win-backs)
CHURN_INITIAL_DRAW = 1 << 31          # market._first_event: an existing customer's first churn
EXPERIENCE_ONBOARDING_DRAWS = 1 << 30  # journey._acquire / _onboarded: contact, success (+1)
DEFECTION_REASON_DRAWS = _REASON_DRAW
REPEAT_DRAWS = SERVICE_REPEAT_DRAWS
ARRIVAL_DRAWS = SERVICE_ARRIVAL_DRAWS
SDEFECT_DRAWS = SERVICE_DEFECTION_DRAWS
