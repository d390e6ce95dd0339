"""Compiled counter-based draws and quantile functions: the same arithmetic as :mod:`loopsim.rng`
and :func:`loopsim.dists.scalar_ppf`, so both engines draw bit-identical numbers.

Keys are ``uint64`` and every operation stays in ``uint64`` (numba would turn a mix of signed and
unsigned integers into floats). The special functions are scipy's own compiled kernels, called
through ``scipy.special.cython_special``: the same code the ufuncs run.
"""

from __future__ import annotations

import math

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address

from ...rng import _C1, _C2, GOLDEN

U = np.uint64
_GOLD = U(GOLDEN)
_M1 = U(_C1)
_M2 = U(_C2)
_LOW32 = U(0xFFFFFFFF)
_S30, _S27, _S31, _S32, _S11 = U(30), U(27), U(31), U(32), U(11)
_TWO32 = 2.0**-32
_HALF32 = 2.0**-33
_TWO53 = 2.0**-53

_CS = "scipy.special.cython_special"


def _external(name: str, cython_name: str, nargs: int):
    """scipy's compiled ``cython_name`` as an external C function ``name`` for numba. The symbol
    is registered by name (not embedded as an address), so compiled code can be cached on disk."""
    llvm.add_symbol(name, get_cython_function_address(_CS, cython_name))
    return types.ExternalFunction(name, types.float64(*([types.float64] * nargs)))


ndtri = _external("loopsim_ndtri", "ndtri", 1)
gammaincinv = _external("loopsim_gammaincinv", "gammaincinv", 2)
betaincinv = _external("loopsim_betaincinv", "__pyx_fuse_0betaincinv", 3)   # the double variant


@njit(cache=True, inline="always")
def mixed(key, n):
    """The 64-bit hash of draw ``n`` of stream ``key`` (``rng.uniform2`` before the split)."""
    z = key + U(n + 1) * _GOLD
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def hi(z):
    """The first uniform of a hash (its high 32 bits), as ``rng.uniform2(...)[0]``."""
    return float(z >> _S32) * _TWO32 + _HALF32


@njit(cache=True, inline="always")
def lo(z):
    """The second uniform of a hash (its low 32 bits), as ``rng.uniform2(...)[1]``."""
    return float(z & _LOW32) * _TWO32 + _HALF32


@njit(cache=True, inline="always")
def u53(key, n):
    """``rng.uniform(key, n)``: one uniform with 53-bit resolution."""
    return (float(mixed(key, n) >> _S11) + 0.5) * _TWO53


# distribution codes of a quantile spec row (code, p1, p2, p3, p4); see dists.scalar_ppf
FIXED, EXPONENTIAL, UNIFORM, LOGNORMAL, NORMAL, GAMMA, ERLANG, BETA = range(8)


@njit(cache=True)
def ppf(spec, u):
    """Quantile ``u`` of the distribution in row ``spec`` (``dists.scalar_ppf``'s arithmetic)."""
    code = int(spec[0])
    if code == FIXED:
        return spec[1]
    if code == EXPONENTIAL:
        return -spec[1] * math.log1p(-u)
    if code == UNIFORM:
        return spec[1] + spec[2] * u
    if code == LOGNORMAL:
        return math.exp(spec[1] + spec[2] * ndtri(u))
    if code == NORMAL:
        return min(spec[4], max(spec[3], spec[1] + spec[2] * ndtri(u)))
    if code == GAMMA:
        return gammaincinv(spec[1], u) / spec[2]
    if code == ERLANG:
        return gammaincinv(spec[1], u) * spec[2]
    return betaincinv(spec[1], spec[2], u)


def spec_of(d) -> np.ndarray:
    """The quantile spec row of a scenario distribution (``dists``), for :func:`ppf`."""
    from ... import dists as D

    if isinstance(d, D.Fixed):
        return np.array([FIXED, float(d.value), 0, 0, 0], dtype=np.float64)
    if isinstance(d, D.Exponential):
        return np.array([EXPONENTIAL, float(d.mean_), 0, 0, 0], dtype=np.float64)
    if isinstance(d, D.Uniform):
        return np.array([UNIFORM, float(d.low), float(d.high - d.low), 0, 0], dtype=np.float64)
    if isinstance(d, D.LogNormal):
        mu, s = d._params()
        return np.array([LOGNORMAL, float(mu), float(s), 0, 0], dtype=np.float64)
    if isinstance(d, D.Normal):
        return np.array([NORMAL, float(d.mean_), float(d.sd), float(d.low), float(d.high)], dtype=np.float64)
    if isinstance(d, D.Gamma):
        return np.array([GAMMA, float(d.shape), float(d.rate), 0, 0], dtype=np.float64)
    if isinstance(d, D.Erlang):
        return np.array([ERLANG, float(d.k), float(d.mean_ / d.k), 0, 0], dtype=np.float64)
    if isinstance(d, D.Beta):
        return np.array([BETA, float(d.a), float(d.b), 0, 0], dtype=np.float64)
    raise TypeError(f"no compiled quantile function for {type(d).__name__}")
