"""Maximum-likelihood fitting shared by the BTYD models: parameter names, the numerical Hessian,
the multi-start optimiser and :class:`FitResult` (estimates, standard errors, sampling draws)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

#: Parameter names, in the order used by the ``params`` vectors of each model.
PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "paretonbd": ("r", "alpha", "s", "beta"),
    "gammagamma": ("p", "q", "gamma"),
}



def _as_arrays(*arrays: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(a, dtype=float) for a in arrays]



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
