"""Shared pieces of the scenario models: the frozen base model, bounds and checks."""

from __future__ import annotations

import math

from pydantic import (
    BaseModel,
    ConfigDict,
)

from ..dists import Beta, Fixed, Normal, Uniform, _Dist

SCHEMA_VERSION = 1
#: Upper bounds no realistic study needs; larger values would exhaust memory (docs/engine.md: one
#: million customers take about 0.9 GB and half a minute per run on the compiled engine).
MAX_HORIZON_DAYS = 365_000           # 1,000 years (theory checks with long-lived cohorts)
MAX_INITIAL_CUSTOMERS = 10_000_000   # about 7 GB of memory (14 GB on the Python engine)
MAX_ARRIVALS_PER_DAY = 1_000_000     # newly aware prospects a day, from marketing or organic
MAX_PER_PROMOTER_PER_DAY = 1_000     # word of mouth or referrals a day, per promoter
STAGES: tuple[str, ...] = ("awareness", "interest", "consideration", "intent", "evaluation", "purchase")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- distribution checks

def _check_nonneg(d: _Dist, what: str) -> _Dist:
    lo = _support_low(d)
    if lo < 0:
        raise ValueError(f"{what} must be >= 0; use fixed (value >= 0), gamma, exponential, "
                         "lognormal, erlang, beta, or uniform/normal with low >= 0")
    return d


def _check_prob(d: _Dist, what: str) -> _Dist:
    if isinstance(d, Beta):
        return d
    lo, hi = _support_low(d), _support_high(d)
    if lo < 0 or hi > 1:
        raise ValueError(f"{what} must lie in [0, 1]; use fixed (0 <= value <= 1), beta, "
                         "or uniform/normal bounded within [0, 1]")
    return d


def _support_low(d: _Dist) -> float:
    if isinstance(d, Fixed):
        return d.value
    if isinstance(d, Uniform | Normal):
        return d.low
    return 0.0


def _support_high(d: _Dist) -> float:
    if isinstance(d, Fixed):
        return d.value
    if isinstance(d, Uniform | Normal):
        return d.high
    if isinstance(d, Beta):
        return 1.0
    return math.inf


# --------------------------------------------------------------------------- sections
