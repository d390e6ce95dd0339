"""Buy-till-you-die (BTYD) model mathematics: BG/NBD, Pareto/NBD and Gamma-Gamma spend.

Pure numpy/scipy. Time is measured in an arbitrary *time unit* (weeks in the published CDNOW
analyses); rate parameters (``alpha``, ``beta``) are in that unit, shape parameters are unitless.
Per-customer data use the usual RFM summary notation:

* ``x``   - number of *repeat* purchases in the calibration period (count),
* ``t_x`` - time of the last purchase, measured from the first purchase (time units),
* ``T``   - length of observation, from the first purchase to the end of calibration (time units),
* ``m``   - mean value of the ``x`` repeat transactions (currency).

References
----------
* Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the easy way: an
  alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284. (BG/NBD; eqs. 6 and 7.)
* Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they
  and what will they do next? *Management Science* 33(1), 1-24. (Pareto/NBD.)
* Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
  expressions. http://brucehardie.com/notes/009/ (likelihood, eq. 22-24 there.)
* Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves for
  customer base analysis. *Journal of Marketing Research* 42(4), 415-430; and Fader & Hardie (2013),
  "The Gamma-Gamma model of monetary value", http://brucehardie.com/notes/025/ (spend model).

Published CDNOW estimates (2,357 customers, 39-week calibration): BG/NBD r=0.243, alpha=4.414,
a=0.793, b=2.426 (LL -9582.4); Pareto/NBD r=0.553, alpha=10.578, s=0.606, beta=11.669 (LL
-9595.0); Gamma-Gamma p=6.25, q=3.74, gamma=15.44.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

__all__ = [
    "PARAM_NAMES",
    "FitResult",
    "bgnbd_expected_purchases",
    "bgnbd_loglik",
    "fit_bgnbd",
    "fit_gammagamma",
    "fit_paretonbd",
    "gammagamma_expected_spend",
    "gammagamma_loglik",
    "numerical_hessian",
    "paretonbd_expected_purchases",
    "paretonbd_loglik",
]

#: Parameter names, in the order used by the ``params`` vectors of each model.
PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "paretonbd": ("r", "alpha", "s", "beta"),
    "gammagamma": ("p", "q", "gamma"),
}


# --------------------------------------------------------------------------- expectations


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


# --------------------------------------------------------------------------- log-likelihoods


def _as_arrays(*arrays: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(a, dtype=float) for a in arrays]


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


# --------------------------------------------------------------------------- fitting


def numerical_hessian(f: Callable[[np.ndarray], float], theta: ArrayLike,
                      rel_step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function ``f`` at ``theta``.

    Step ``h_i = rel_step * max(|theta_i|, 1e-3)``; diagonal entries use the three-point
    formula, off-diagonal ones the four-point formula. Error O(h^2).
    """
    theta = np.asarray(theta, dtype=float)
    k = theta.size
    h = rel_step * np.maximum(np.abs(theta), 1e-3)
    f0 = f(theta)
    hess = np.empty((k, k))
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        hess[i, i] = (f(theta + ei) - 2.0 * f0 + f(theta - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h[j]
            val = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej)
                   + f(theta - ei - ej)) / (4.0 * h[i] * h[j])
            hess[i, j] = hess[j, i] = val
    return hess


@dataclass(frozen=True, eq=False)
class FitResult:
    """Maximum-likelihood fit of a BTYD model.

    Attributes
    ----------
    model : ``"bgnbd"``, ``"paretonbd"`` or ``"gammagamma"``.
    params : MLE by name (rates per time unit of the data, shapes unitless, ``gamma`` currency).
    se : asymptotic standard errors from the observed information (inverse of the numerical
        Hessian of the negative log-likelihood w.r.t. the natural parameters).
    loglik : maximised log-likelihood.
    n : number of customers used.
    cov : asymptotic covariance matrix of the natural parameters (order of ``params``).
    """

    model: str
    params: dict[str, float]
    se: dict[str, float]
    loglik: float
    n: int
    cov: np.ndarray = field(repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameter names in the order of ``cov`` and of :meth:`sample_params` columns."""
        return tuple(self.params)

    @property
    def estimate(self) -> np.ndarray:
        """MLE as a vector (order of :attr:`param_names`)."""
        return np.array(list(self.params.values()), dtype=float)

    def sample_params(self, rng: np.random.Generator | int | None, size: int) -> np.ndarray:
        """Draw ``size`` parameter vectors from the asymptotic sampling distribution of the MLE.

        Draws are multivariate normal on the *log* scale, with covariance obtained by the delta
        method (``cov_log = D cov D``, ``D = diag(1/theta)``), and exponentiated, so every draw is
        positive; the median of each parameter's draws is the MLE. Use this to carry parameter
        uncertainty into simulation experiments.

        Returns
        -------
        Array of shape ``(size, k)``, columns in the order of :attr:`param_names`.
        """
        rng = np.random.default_rng(rng)
        theta = self.estimate
        d = np.diag(1.0 / theta)
        cov_log = d @ self.cov @ d
        cov_log = 0.5 * (cov_log + cov_log.T)
        draws = rng.multivariate_normal(np.log(theta), cov_log, size=size, method="eigh")
        return np.exp(draws)

    def sample_param_dicts(self, rng: np.random.Generator | int | None, size: int
                           ) -> list[dict[str, float]]:
        """:meth:`sample_params` as a list of ``{name: value}`` dicts."""
        arr = self.sample_params(rng, size)
        return [dict(zip(self.param_names, map(float, row), strict=True)) for row in arr]


def _fit(model: str, loglik: Callable[[np.ndarray], float], starts: Sequence[Sequence[float]],
         n: int) -> FitResult:
    """Maximise ``loglik`` (a function of the natural parameters) over log-parameters from
    several starting points; Nelder-Mead then BFGS polish; observed-information SEs."""

    def negll(log_theta: np.ndarray) -> float:
        if np.any(np.abs(log_theta) > 30):
            return 1e100
        with np.errstate(all="ignore"):
            v = -loglik(np.exp(log_theta))
        return v if np.isfinite(v) else 1e100

    best = None
    for start in starts:
        x0 = np.log(np.asarray(start, dtype=float))
        res = optimize.minimize(negll, x0, method="Nelder-Mead",
                                options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 20000,
                                         "maxfev": 40000})
        res2 = optimize.minimize(negll, res.x, method="BFGS", options={"gtol": 1e-6})
        if res2.fun <= res.fun and np.all(np.isfinite(res2.x)):
            res = res2
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    theta = np.exp(best.x)
    names = PARAM_NAMES[model]

    def nat_negll(th: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return -loglik(th)

    hess = numerical_hessian(nat_negll, theta)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.nan)
    diag = np.diag(cov)
    se = np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)
    return FitResult(model=model,
                     params={k: float(v) for k, v in zip(names, theta, strict=True)},
                     se={k: float(v) for k, v in zip(names, se, strict=True)},
                     loglik=float(-best.fun), n=int(n), cov=cov)


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
