"""The Pareto/NBD purchase/dropout model (Schmittlein, Morrison & Colombo 1987, Management
Science 33(1)): expected purchases, log-likelihood (on the log scale) and maximum-likelihood fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from .fitting import FitResult, _as_arrays, _fit


def paretonbd_expected_purchases(t: ArrayLike, r: float, alpha: float, s: float, beta: float
                                 ) -> np.ndarray:
    """Expected number of purchases E[X(t)] of a new customer in ``(0, t]`` under the Pareto/NBD.

    Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005) note, eq. 17::

        E[X(t)] = r*beta / (alpha*(s-1)) * [1 - (beta/(beta+t))**(s-1)]     (s != 1)
        E[X(t)] = r*beta/alpha * log(1 + t/beta)                             (s == 1)

    Parameters
    ----------
    t : time (time units); vectorised.
    r, alpha : gamma mixing distribution of purchase rates (shape, rate per time unit).
    s, beta : gamma mixing distribution of dropout rates (shape, rate per time unit).

    Returns
    -------
    Expected purchase count (same shape as ``t``).
    """
    t = np.asarray(t, dtype=float)
    log_ratio = np.log(beta) - np.log(beta + t)  # log(beta/(beta+t)) <= 0
    sm1 = s - 1.0
    # -expm1((s-1) L)/(s-1) is stable near s = 1; its limit there is -L
    factor = -log_ratio if abs(sm1) < 1e-12 else -np.expm1(sm1 * log_ratio) / sm1
    return r * beta / alpha * factor


def _log_hyp2f1_c_eq_a_plus_1(a: np.ndarray, b: np.ndarray, c_minus_a_b_plus: np.ndarray,
                              z: np.ndarray) -> np.ndarray:
    """log 2F1(a, b; a+1; z) for 0 <= z < 1, via Euler's transformation.

    2F1(a, b; a+1; z) = (1-z)**(1-b) * 2F1(1, a+1-b; a+1; z); the right-hand series has
    c - a' - b' = b - 1 + ... > -1 and is well behaved even when ``b`` is large (many repeat
    purchases), where the left-hand series would overflow. ``c_minus_a_b_plus`` = ``a + 1 - b``.
    """
    return (1.0 - b) * np.log1p(-z) + np.log(special.hyp2f1(1.0, c_minus_a_b_plus, a + 1.0, z))


def paretonbd_loglik_i(params: Sequence[float], x: ArrayLike, t_x: ArrayLike, T: ArrayLike
                       ) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood, in log space.

    Fader & Hardie (2005) "A note on deriving the Pareto/NBD model and related expressions",
    eqs. 22-24::

        L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [ 1/((alpha+T)^(r+x) (beta+T)^s)
                                                     + s/(r+s+x) * A0 ]

    with, for ``alpha >= beta``,
    ``A0 = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t_x)) / (alpha+t_x)^(r+s+x)
    - 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+T)) / (alpha+T)^(r+s+x)``, and for
    ``alpha < beta`` the same with ``alpha <-> beta`` and second argument ``r+x``. The
    difference is evaluated as ``log(e^u - e^v)`` and the hypergeometric functions on the log
    scale (Euler transform), so large ``x`` does not overflow.

    ``params = (r, alpha, s, beta)``; ``x`` count, ``t_x`` and ``T`` in time units.
    """
    r, alpha, s, beta = (float(v) for v in params)
    x, t_x, T = _as_arrays(x, t_x, T)
    rsx = r + s + x
    if alpha >= beta:
        big, diff, b2 = alpha, alpha - beta, s + 1.0 + 0.0 * x
    else:
        big, diff, b2 = beta, beta - alpha, r + x
    z1 = diff / (big + t_x)
    z2 = diff / (big + T)
    log_f1 = _log_hyp2f1_c_eq_a_plus_1(rsx, b2, rsx + 1.0 - b2, z1) - rsx * np.log(big + t_x)
    log_f2 = _log_hyp2f1_c_eq_a_plus_1(rsx, b2, rsx + 1.0 - b2, z2) - rsx * np.log(big + T)
    # A0 = e^{log_f1} - e^{log_f2} >= 0 (t_x <= T); log(e^u - e^v) = u + log(-expm1(v - u))
    with np.errstate(divide="ignore"):
        log_a0 = log_f1 + np.log(-np.expm1(np.minimum(log_f2 - log_f1, 0.0)))
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    term1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    term2 = np.log(s) - np.log(rsx) + log_a0
    return head + np.logaddexp(term1, term2)


def paretonbd_loglik(params: Sequence[float], x: ArrayLike, t_x: ArrayLike, T: ArrayLike
                     ) -> float:
    """Total Pareto/NBD log-likelihood at ``params = (r, alpha, s, beta)``.

    See :func:`paretonbd_loglik_i`. On CDNOW at the published estimates this is -9595.0.
    """
    return float(np.sum(paretonbd_loglik_i(params, x, t_x, T)))


def fit_paretonbd(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FitResult:
    """Maximum-likelihood Pareto/NBD fit (Schmittlein, Morrison & Colombo 1987).

    ``x`` repeat purchases (count), ``t_x`` recency and ``T`` age (time units).
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    mean_rate = max(float(np.sum(x) / np.sum(T)), 1e-3)
    tm = float(np.mean(T))
    starts = [(1.0, 1.0 / mean_rate, 1.0, tm), (0.5, 0.5 / mean_rate, 0.5, 0.5 * tm),
              (0.5, 10.0, 0.6, 12.0)]
    return _fit("paretonbd", lambda th: paretonbd_loglik(th, x, t_x, T), starts, len(x))
