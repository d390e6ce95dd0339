"""The BG/NBD purchase/dropout model (Fader, Hardie & Lee 2005a, Marketing Science 24(2)):
expected purchases, log-likelihood and maximum-likelihood fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from .fitting import FitResult, _as_arrays, _fit


def bgnbd_expected_purchases(t: ArrayLike, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """Expected number of purchases E[X(t)] of a new customer in ``(0, t]`` under the BG/NBD.

    Fader, Hardie & Lee (2005a), eq. 7::

        E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))**r * 2F1(r, b; a+b-1; t/(alpha+t))]

    Parameters
    ----------
    t : time since the start of the customer's observation (time units); vectorised.
    r, alpha : shape and rate (per time unit) of the gamma mixing distribution of purchase rates.
    a, b : parameters of the beta mixing distribution of the dropout probability (unitless).

    Returns
    -------
    Expected purchase count (same shape as ``t``). For ``a == 1`` the limit is taken numerically.
    """
    t = np.asarray(t, dtype=float)
    if abs(a - 1.0) < 1e-9:  # removable singularity; average the two sides
        return 0.5 * (bgnbd_expected_purchases(t, r, alpha, 1.0 - 1e-6, b)
                      + bgnbd_expected_purchases(t, r, alpha, 1.0 + 1e-6, b))
    z = t / (alpha + t)
    hyp = special.hyp2f1(r, b, a + b - 1.0, z)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp)


def bgnbd_loglik_i(params: Sequence[float], x: ArrayLike, t_x: ArrayLike, T: ArrayLike
                   ) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005a, eq. 6), in log space.

    ``params = (r, alpha, a, b)``; ``x`` repeat purchases (count), ``t_x`` recency and ``T`` age
    (time units, same unit as ``alpha``).
    """
    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = _as_arrays(x, t_x, T)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    beta_ab = special.betaln(a, b)
    a2 = special.betaln(a, b + x) - beta_ab - (r + x) * np.log(alpha + T)
    xpos = x > 0
    # second term only for x > 0; for x = 0 use a dummy argument and mask it out
    a3 = np.where(xpos,
                  special.betaln(a + 1.0, np.where(xpos, b + x - 1.0, b)) - beta_ab
                  - (r + x) * np.log(alpha + t_x),
                  -np.inf)
    return a1 + np.logaddexp(a2, a3)


def bgnbd_loglik(params: Sequence[float], x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> float:
    """Total BG/NBD log-likelihood (sum over customers) at ``params = (r, alpha, a, b)``.

    See :func:`bgnbd_loglik_i`. On CDNOW at the published estimates this is -9582.4.
    """
    return float(np.sum(bgnbd_loglik_i(params, x, t_x, T)))


def fit_bgnbd(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FitResult:
    """Maximum-likelihood BG/NBD fit (Fader, Hardie & Lee 2005a).

    ``x`` repeat purchases (count), ``t_x`` recency and ``T`` age (time units). Rates in the
    result are per time unit of the inputs.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    mean_rate = max(float(np.sum(x) / np.sum(T)), 1e-3)
    starts = [(1.0, 1.0 / mean_rate, 1.0, 1.0), (0.5, 0.5 / mean_rate, 0.5, 2.0),
              (0.25, 5.0, 0.8, 2.5)]
    return _fit("bgnbd", lambda th: bgnbd_loglik(th, x, t_x, T), starts, len(x))
