"""Closed-form results the simulator is validated against (see ``docs/validation.md``).

Each function states its source. The buy-till-you-die expectations (BG/NBD, Pareto/NBD) live in
:mod:`loopsim.btyd` with the likelihoods used for calibration; they are re-exported here so the
validation suite has one place to look.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def clv_constant_retention(margin: float, retention: float, discount: float) -> float:
    """Expected CLV with constant retention ``r``, margin ``m`` per period (currency), discount
    rate ``d`` per period, cash at the start of each period and the first purchase included:
    ``m (1 + d) / (1 + d - r)`` (Fader & Hardie 2012, "Reconciling and clarifying CLV formulas")."""
    return margin * (1.0 + discount) / (1.0 + discount - retention)


def sbg_survival(t, alpha: float, beta: float):
    """Shifted-beta-geometric survival ``S(t) = B(alpha, beta + t) / B(alpha, beta)``: the share of
    a contractual cohort still a customer after ``t`` renewal periods, when each customer's churn
    probability is Beta(alpha, beta) (Fader & Hardie 2007, "How to project customer retention")."""
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def sbg_retention(t, alpha: float, beta: float):
    """Aggregate retention rate in period ``t``: ``S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)``."""
    t = np.asarray(t, dtype=float)
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)
