"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b, JMR 42(4)): conditional expected
spend, log-likelihood and maximum-likelihood fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from .fitting import FitResult, _as_arrays, _fit


def gammagamma_expected_spend(x: ArrayLike, m: ArrayLike, p: float, q: float, gamma: float
                              ) -> np.ndarray:
    """Conditional expected spend per transaction E[M | x, m] under the Gamma-Gamma model.

    Fader, Hardie & Lee (2005b), eq. 5: a weighted average of the population mean
    ``p*gamma/(q-1)`` and the customer's observed mean ``m`` (currency), with weight on ``m``
    equal to ``p*x / (p*x + q - 1)``. ``x`` is the number of repeat transactions (count).
    """
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    pop = p * gamma / (q - 1.0)
    w = p * x / (p * x + q - 1.0)
    return (1.0 - w) * pop + w * m


def gammagamma_loglik_i(params: Sequence[float], x: ArrayLike, m: ArrayLike) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend ``m`` over ``x`` transactions.

    Fader, Hardie & Lee (2005b); Fader & Hardie (2013) note 025, eq. 4::

        f(m | p, q, gamma; x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * gamma^q m^(px-1) x^(px)
                                / (gamma + m x)^(px+q)

    ``params = (p, q, gamma)``; only customers with ``x > 0`` and ``m > 0`` may be passed.
    ``m`` is in currency units, ``gamma`` in currency units too (``p*gamma/(q-1)`` is the mean).
    """
    p, q, g = (float(v) for v in params)
    x, m = _as_arrays(x, m)
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
            + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * np.log(g + m * x))


def gammagamma_loglik(params: Sequence[float], x: ArrayLike, m: ArrayLike) -> float:
    """Total Gamma-Gamma log-likelihood at ``params = (p, q, gamma)``; see
    :func:`gammagamma_loglik_i`."""
    return float(np.sum(gammagamma_loglik_i(params, x, m)))


def fit_gammagamma(x: ArrayLike, m: ArrayLike) -> FitResult:
    """Maximum-likelihood Gamma-Gamma spend fit (Fader, Hardie & Lee 2005b).

    ``x`` number of transactions averaged (count, > 0) and ``m`` their mean value (currency,
    > 0); customers with ``x == 0`` or ``m <= 0`` must be excluded by the caller.
    """
    x, m = _as_arrays(x, m)
    if np.any(x <= 0) or np.any(m <= 0):
        raise ValueError("fit_gammagamma needs x > 0 and m > 0 for every customer")
    mm = float(np.mean(m))
    starts = [(1.0, 2.0, mm), (5.0, 3.0, 2.0 * mm / 5.0 * 2.0), (6.0, 4.0, 15.0)]
    return _fit("gammagamma", lambda th: gammagamma_loglik(th, x, m), starts, len(x))
