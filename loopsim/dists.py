"""Probability distributions used in scenario files.

A distribution is written in a scenario as an inline table with a ``dist`` key, e.g.
``{ dist = "gamma", shape = 2.0, rate = 0.5 }``. Each class here is a frozen pydantic model with

* ``sample(rng, size)``: vectorised draws from a :class:`numpy.random.Generator`;
* ``ppf(u)``: the quantile function, used by the engine to turn a customer's own uniform draw into
  a value (this keeps common random numbers exact: the same uniform gives the same value); the
  beta and gamma ones for many values at once (:mod:`loopsim.quantiles`);
* ``mean`` and ``variance``.

The registry :data:`DISTRIBUTIONS` maps the ``dist`` name to its class; :data:`Distribution` is the
pydantic discriminated union used in scenario models.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

from .quantiles import beta_ppf, gamma_ppf


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        """Draw ``size`` values (an array; a 0-d array if size is None)."""
        return self.ppf(rng.random(size))

    def ppf(self, u):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def is_fixed(self) -> bool:
        """True when the distribution is a single point (no randomness)."""
        return False


class Fixed(_Dist):
    """A constant: every draw equals ``value``."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def sample(self, rng, size=None):
        return np.full(() if size is None else size, self.value, dtype=float)

    def ppf(self, u):
        return np.full(np.shape(u), self.value, dtype=float)

    @property
    def mean(self):
        return self.value

    @property
    def variance(self):
        return 0.0

    @property
    def is_fixed(self) -> bool:
        return True


class Exponential(_Dist):
    """Exponential with the given ``mean`` (in the unit of the field, usually days)."""

    dist: Literal["exponential"] = "exponential"
    mean_: float = Field(alias="mean", gt=0)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def ppf(self, u):
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))

    @property
    def mean(self):
        return self.mean_

    @property
    def variance(self):
        return self.mean_**2


class Gamma(_Dist):
    """Gamma with ``shape`` and ``rate`` (mean = shape / rate)."""

    dist: Literal["gamma"] = "gamma"
    shape: float = Field(gt=0)
    rate: float = Field(gt=0)

    def sample(self, rng, size=None):
        return rng.gamma(self.shape, 1.0 / self.rate, size)

    def ppf(self, u):
        return gamma_ppf(self.shape, u) / self.rate

    @property
    def mean(self):
        return self.shape / self.rate

    @property
    def variance(self):
        return self.shape / self.rate**2


class Beta(_Dist):
    """Beta(a, b) on [0, 1] (mean = a / (a + b)); used for probabilities and sensitivities."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def sample(self, rng, size=None):
        return rng.beta(self.a, self.b, size)

    def ppf(self, u):
        return beta_ppf(self.a, self.b, u)

    @property
    def mean(self):
        return self.a / (self.a + self.b)

    @property
    def variance(self):
        s = self.a + self.b
        return self.a * self.b / (s * s * (s + 1))


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self):
        if not self.high >= self.low:
            raise ValueError("high must be >= low")
        return self

    def ppf(self, u):
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    @property
    def mean(self):
        return 0.5 * (self.low + self.high)

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12.0


class LogNormal(_Dist):
    """Log-normal given by the ``mean`` and coefficient of variation ``cv`` of the variable itself."""

    dist: Literal["lognormal"] = "lognormal"
    mean_: float = Field(alias="mean", gt=0)
    cv: float = Field(ge=0)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def _params(self):
        s2 = math.log1p(self.cv**2)
        return math.log(self.mean_) - 0.5 * s2, math.sqrt(s2)

    def ppf(self, u):
        mu, s = self._params()
        return np.exp(mu + s * special.ndtri(np.asarray(u, dtype=float)))

    @property
    def mean(self):
        return self.mean_

    @property
    def variance(self):
        return (self.cv * self.mean_) ** 2


class Normal(_Dist):
    """Normal with ``mean`` and ``sd``, optionally truncated to [low, high] by clipping.

    ``low = -inf`` and ``high = inf`` (the defaults) mean "not clipped"; every other number in a
    scenario must be finite (:data:`infinite_ok` tells the scenario validator so)."""

    dist: Literal["normal"] = "normal"
    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)
    low: float = -math.inf
    high: float = math.inf
    #: fields that may be infinite, and the one infinity each may take (no clipping on that side)
    infinite_ok: ClassVar[dict[str, float]] = {"low": -math.inf, "high": math.inf}
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def ppf(self, u):
        return np.clip(self.mean_ + self.sd * special.ndtri(np.asarray(u, dtype=float)),
                       self.low, self.high)

    @property
    def mean(self):
        return self.mean_

    @property
    def variance(self):
        return self.sd**2


class Erlang(_Dist):
    """Erlang (sum of ``k`` exponentials) with the given overall ``mean``; less variable than exponential."""

    dist: Literal["erlang"] = "erlang"
    k: int = Field(ge=1)
    mean_: float = Field(alias="mean", gt=0)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def ppf(self, u):
        from scipy import stats  # imported on first use: scipy.stats takes ~0.5 s to import

        return stats.gamma.ppf(np.asarray(u, dtype=float), self.k, scale=self.mean_ / self.k)

    @property
    def mean(self):
        return self.mean_

    @property
    def variance(self):
        return self.mean_**2 / self.k


Distribution = Annotated[
    Union[Fixed, Exponential, Gamma, Beta, Uniform, LogNormal, Normal, Erlang],  # noqa: UP007
    Field(discriminator="dist"),
]

DISTRIBUTIONS: dict[str, type[_Dist]] = {
    "fixed": Fixed,
    "exponential": Exponential,
    "gamma": Gamma,
    "beta": Beta,
    "uniform": Uniform,
    "lognormal": LogNormal,
    "normal": Normal,
    "erlang": Erlang,
}


def scalar_ppf(d: _Dist):
    """Return a fast ``f(u: float) -> float`` quantile function for per-event draws in the engine.

    The engine calls these once per event, so the common cases avoid NumPy's per-call overhead.
    """
    if isinstance(d, Fixed):
        v = float(d.value)
        return lambda u: v
    if isinstance(d, Exponential):
        m = float(d.mean_)
        return lambda u: -m * math.log1p(-u)
    if isinstance(d, Uniform):
        lo, w = float(d.low), float(d.high - d.low)
        return lambda u: lo + w * u
    if isinstance(d, LogNormal):
        mu, s = d._params()
        nd = special.ndtri
        return lambda u: math.exp(mu + s * float(nd(u)))
    if isinstance(d, Normal):
        m, sd, lo, hi = float(d.mean_), float(d.sd), float(d.low), float(d.high)
        nd = special.ndtri
        return lambda u: min(hi, max(lo, m + sd * float(nd(u))))
    if isinstance(d, Gamma):
        k, r = float(d.shape), float(d.rate)
        gi = special.gammaincinv
        return lambda u: float(gi(k, u)) / r
    if isinstance(d, Erlang):
        k, sc = float(d.k), float(d.mean_ / d.k)
        gi = special.gammaincinv
        return lambda u: float(gi(k, u)) * sc
    if isinstance(d, Beta):
        a, b = float(d.a), float(d.b)
        bi = special.betaincinv
        return lambda u: float(bi(a, b, u))
    return lambda u: float(d.ppf(u))  # pragma: no cover - every registered dist is handled above
