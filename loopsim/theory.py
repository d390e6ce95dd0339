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


def erlang_c_probability_wait(c: int, lam: float, mu: float) -> float:
    """Erlang C: probability that a contact must wait in an M/M/c queue with ``c`` agents, arrival
    rate ``lam`` and service rate ``mu`` per agent (Erlang 1917; e.g. Gross & Harris, *Fundamentals
    of Queueing Theory*, sec. 2.3). Requires ``lam < c * mu``. Computed with the numerically stable
    Erlang B recursion ``B(k) = a B(k-1) / (k + a B(k-1))``, ``C = B / (1 - rho (1 - B))``."""
    if c < 1 or lam <= 0 or mu <= 0:
        raise ValueError("need c >= 1, lam > 0, mu > 0")
    a = lam / mu
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable queue: lam / (c mu) = {rho:g} >= 1")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b / (1.0 - rho * (1.0 - b))


def erlang_c_wait(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of an M/M/c queue: ``Wq = C(c, lam/mu) / (c mu - lam)`` (days if the
    rates are per day). E.g. c=3, lam=0.2, mu=0.1 gives 4.444; c=10, lam=2, mu=1/3 gives 0.0760."""
    return erlang_c_probability_wait(c, lam, mu) / (c * mu - lam)
