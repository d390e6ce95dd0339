"""Customer traits: sampling a heterogeneous population.

Each customer ``i`` gets its traits from its own trait stream (see :mod:`loopsim.rng`), so the
same customer has the same traits under every design of a comparison (common random numbers).

Traits (all rates converted to **per day**):

* segment, drawn by the segment shares;
* ``rate``: purchases per day, lambda ~ ``segment.purchase_rate`` / ``time_unit_days``. With a
  Gamma(r, alpha) rate and Poisson purchasing this is the NBD part of BG/NBD and Pareto/NBD
  (Fader, Hardie & Lee 2005; Schmittlein, Morrison & Colombo 1987);
* ``p_drop``: probability of dropping out after a purchase, p ~ Beta(a, b) in BG/NBD;
* ``hazard``: lifetime hazard per day, mu ~ Gamma(s, beta) in Pareto/NBD (exponential lifetime);
* spend: ``gamma_gamma`` gives each customer a scale nu ~ Gamma(q, gamma) and each purchase is
  Gamma(p, nu) (Fader, Hardie & Lee 2005, "RFM and CLV"); ``distribution`` gives each customer a
  mean spend and multiplies it by a per-purchase noise factor;
* sensitivities to rewards, price, service and personalisation in [0, 1];
* initial satisfaction on the 0-10 scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .rng import Streams
from .scenario import Population

TRAIT_DRAWS = ("segment", "rate", "p_drop", "hazard", "spend", "s_reward", "s_price", "s_service",
               "s_personalisation", "satisfaction")


@dataclass
class Traits:
    """Traits of a batch of customers (arrays aligned with ``ids``)."""

    ids: np.ndarray
    segment: np.ndarray
    rate: np.ndarray          # purchases / day
    periodic: np.ndarray      # bool: deterministic inter-purchase times
    p_drop: np.ndarray        # probability after a purchase
    hazard: np.ndarray        # 1 / day
    spend_scale: np.ndarray   # gamma_gamma: nu (rate); distribution: customer mean spend
    spend_shape: np.ndarray   # gamma_gamma: p; distribution: 0 (flag)
    s_reward: np.ndarray
    s_price: np.ndarray
    s_service: np.ndarray
    s_personalisation: np.ndarray
    satisfaction: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def sample_traits(pop: Population, streams: Streams, ids: np.ndarray) -> Traits:
    """Sample the traits of customers ``ids`` (vectorised; deterministic per id)."""
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    u = {name: streams.trait_uniforms(ids, k) for k, name in enumerate(TRAIT_DRAWS)}
    shares = np.cumsum([s.share for s in pop.segments])
    shares[-1] = 1.0
    seg = np.searchsorted(shares, u["segment"], side="right").clip(0, len(pop.segments) - 1)
    out = {k: np.empty(n) for k in ("rate", "p_drop", "hazard", "spend_scale", "spend_shape", "s_reward",
                                     "s_price", "s_service", "s_personalisation", "satisfaction")}
    periodic = np.zeros(n, dtype=bool)
    per_day = 1.0 / pop.time_unit_days
    for j, s in enumerate(pop.segments):
        m = seg == j
        if not m.any():
            continue
        out["rate"][m] = s.purchase_rate.ppf(u["rate"][m]) * per_day
        periodic[m] = s.purchase_timing == "periodic"
        out["p_drop"][m] = s.dropout.ppf(u["p_drop"][m])
        out["hazard"][m] = s.churn_hazard.ppf(u["hazard"][m]) * per_day
        if s.spend.model == "gamma_gamma":
            out["spend_scale"][m] = special.gammaincinv(s.spend.q, u["spend"][m]) / s.spend.gamma
            out["spend_shape"][m] = s.spend.p
        else:
            out["spend_scale"][m] = s.spend.customer_mean.ppf(u["spend"][m])
            out["spend_shape"][m] = 0.0
        out["s_reward"][m] = s.sensitivity.reward.ppf(u["s_reward"][m])
        out["s_price"][m] = s.sensitivity.price.ppf(u["s_price"][m])
        out["s_service"][m] = s.sensitivity.service.ppf(u["s_service"][m])
        out["s_personalisation"][m] = s.sensitivity.personalisation.ppf(u["s_personalisation"][m])
        out["satisfaction"][m] = np.clip(s.initial_satisfaction.ppf(u["satisfaction"][m]), 0, 10)
    return Traits(ids=ids, segment=seg, periodic=periodic, **out)
