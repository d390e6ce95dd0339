"""The fast beta and gamma quantiles: scipy's exact inverses to about 1e-15, value by value."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from loopsim import quantiles
from loopsim.quantiles import beta_ppf, gamma_ppf

PARAM = st.floats(0.05, 500.0)


def _rel(x, y):
    return float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-300)))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(a=PARAM, b=PARAM, seed=st.integers(0, 2**32 - 1))
def test_beta_matches_the_exact_inverse(a, b, seed):
    u = np.random.default_rng(seed).random(2000)
    assert _rel(beta_ppf(a, b, u), special.betaincinv(a, b, u)) < 1e-12


@settings(max_examples=40, deadline=None, derandomize=True)
@given(k=PARAM, seed=st.integers(0, 2**32 - 1))
def test_gamma_matches_the_exact_inverse(k, seed):
    u = np.random.default_rng(seed).random(2000)
    assert _rel(gamma_ppf(k, u), special.gammaincinv(k, u)) < 1e-12


def test_a_value_does_not_depend_on_its_batch():
    u = np.random.default_rng(1).random(500)
    whole = beta_ppf(2.0, 5.0, u)
    assert all(beta_ppf(2.0, 5.0, u[i:i + 1])[0] == whole[i] for i in range(len(u)))
    assert beta_ppf(2.0, 5.0, 0.3).shape == ()


def test_edges_and_nan_take_the_exact_path():
    u = np.array([0.0, 1.0, np.nan, 1e-300, 1 - 1e-16])
    got, want = beta_ppf(2.0, 2.0, u), special.betaincinv(2.0, 2.0, u)
    assert np.array_equal(got, want, equal_nan=True)


def test_most_values_skip_the_exact_inverse(monkeypatch):
    """The point of the module: only the grid's edge cells go to scipy's slow inverse."""
    calls = []
    exact = quantiles._exact

    def counting(kind, a, b, u):
        calls.append(len(u))
        return exact(kind, a, b, u)

    monkeypatch.setattr(quantiles, "_exact", counting)
    quantiles._grid.cache_clear()
    u = np.random.default_rng(2).random(100_000)
    beta_ppf(2.0, 2.0, u)
    gamma_ppf(2.0, u)
    grids = 2 * (quantiles._CELLS + 1)
    assert sum(calls) - grids < 0.01 * 2 * len(u)
