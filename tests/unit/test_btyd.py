"""BTYD mathematics: published CDNOW values, numerical stability and parameter recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from loopsim import btyd
from loopsim.calibrate import cdnow_sample_path, read_transactions, rfm_summary

BGNBD_PUB = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO_PUB = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
GG_PUB = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow_rfm() -> pd.DataFrame:
    tx = read_transactions(cdnow_sample_path())
    return rfm_summary(tx, calibration_end="1997-09-30", unit_days=7.0)


# --------------------------------------------------------------------------- expectations


def test_bgnbd_expected_purchases_published():
    v = btyd.bgnbd_expected_purchases([39.0, 78.0], **BGNBD_PUB)
    np.testing.assert_allclose(v, [1.1967, 1.8605], rtol=5e-5)
    assert btyd.bgnbd_expected_purchases(0.0, **BGNBD_PUB) == pytest.approx(0.0, abs=1e-12)


def test_paretonbd_expected_purchases_published():
    v = btyd.paretonbd_expected_purchases(np.array([39.0, 78.0]), **PARETO_PUB)
    np.testing.assert_allclose(v, [1.2130, 1.9094], rtol=5e-5)


def test_paretonbd_expected_purchases_s_equal_one_limit():
    t = np.array([1.0, 10.0, 100.0])
    at_one = btyd.paretonbd_expected_purchases(t, 0.5, 10.0, 1.0, 12.0)
    np.testing.assert_allclose(at_one, 0.5 * 12.0 / 10.0 * np.log1p(t / 12.0), rtol=1e-12)
    near = btyd.paretonbd_expected_purchases(t, 0.5, 10.0, 1.0 + 1e-7, 12.0)
    np.testing.assert_allclose(near, at_one, rtol=1e-5)


def test_expected_purchases_increasing_and_bounded_by_no_dropout():
    t = np.linspace(0.5, 200, 50)
    e = btyd.bgnbd_expected_purchases(t, **BGNBD_PUB)
    assert np.all(np.diff(e) > 0)
    # without dropout E[X(t)] = r t / alpha
    assert np.all(e < BGNBD_PUB["r"] * t / BGNBD_PUB["alpha"])


def test_gammagamma_expected_spend_is_weighted_average():
    pop = 6.25 * 15.44 / 2.74
    assert btyd.gammagamma_expected_spend(0, 100.0, **GG_PUB) == pytest.approx(pop)
    big = btyd.gammagamma_expected_spend(1e6, 100.0, **GG_PUB)
    assert big == pytest.approx(100.0, rel=1e-4)


# --------------------------------------------------------------------------- likelihoods


def test_published_loglik_on_cdnow(cdnow_rfm):
    x, tx, T = cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"]
    assert len(cdnow_rfm) == 2357
    assert btyd.bgnbd_loglik(list(BGNBD_PUB.values()), x, tx, T) == pytest.approx(-9582.4, abs=0.5)
    assert btyd.paretonbd_loglik(list(PARETO_PUB.values()), x, tx, T) == pytest.approx(-9595.0,
                                                                                      abs=0.5)


def _naive_pareto_loglik_i(params, x, tx, T):
    """Direct transcription of Fader & Hardie (2005) note eqs. 22-24 (no log-space tricks)."""
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        big, d, b2 = alpha, alpha - beta, s + 1
    else:
        big, d, b2 = beta, beta - alpha, r + x
    a0 = (special.hyp2f1(rsx, b2, rsx + 1, d / (big + tx)) / (big + tx) ** rsx
          - special.hyp2f1(rsx, b2, rsx + 1, d / (big + T)) / (big + T) ** rsx)
    lik = (special.gamma(r + x) * alpha**r * beta**s / special.gamma(r)
           * (1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / rsx * a0))
    return np.log(lik)


@pytest.mark.parametrize("params", [(0.553, 10.578, 0.606, 11.669), (0.8, 3.0, 1.4, 2.0),
                                    (1.5, 5.0, 0.3, 30.0)])
def test_paretonbd_loglik_matches_naive_formula(params):
    x = np.array([0, 1, 2, 5, 10, 3])
    tx = np.array([0.0, 3.0, 10.5, 20.0, 30.0, 38.9])
    T = np.array([38.0, 20.0, 35.0, 39.0, 31.0, 39.0])
    ll = btyd.paretonbd_loglik_i(params, x, tx, T)
    np.testing.assert_allclose(ll, _naive_pareto_loglik_i(params, x, tx, T), rtol=1e-9)


def test_bgnbd_loglik_matches_naive_formula():
    r, alpha, a, b = 0.5, 3.0, 0.9, 2.0
    x = np.array([0, 1, 4, 7])
    tx = np.array([0.0, 2.0, 15.0, 30.0])
    T = np.array([10.0, 20.0, 30.0, 40.0])
    B = special.beta
    lik = (B(a, b + x) / B(a, b) * special.gamma(r + x) * alpha**r
           / (special.gamma(r) * (alpha + T) ** (r + x))
           + (x > 0) * B(a + 1, np.maximum(b + x - 1, 1e-9)) / B(a, b) * special.gamma(r + x)
           * alpha**r / (special.gamma(r) * (alpha + tx) ** (r + x)))
    np.testing.assert_allclose(btyd.bgnbd_loglik_i((r, alpha, a, b), x, tx, T), np.log(lik),
                               rtol=1e-10)


def test_logliks_finite_for_heavy_buyers():
    x = np.array([500.0, 2000.0])
    tx = np.array([50.0, 51.0])
    T = np.array([52.0, 52.0])
    for params in [(0.5, 10.0, 0.6, 12.0), (0.5, 12.0, 0.6, 10.0)]:
        assert np.all(np.isfinite(btyd.paretonbd_loglik_i(params, x, tx, T)))
    assert np.all(np.isfinite(btyd.bgnbd_loglik_i((0.5, 10.0, 0.8, 2.0), x, tx, T)))


def test_gammagamma_loglik_is_a_density():
    # integrates to 1 over m for fixed x
    from scipy import integrate

    for x in (1, 4):
        val, _ = integrate.quad(
            lambda m, x=x: np.exp(btyd.gammagamma_loglik_i((6.25, 3.74, 15.44), [x], [m]))[0],
            0, np.inf, limit=200)
        assert val == pytest.approx(1.0, abs=1e-6)


# --------------------------------------------------------------------------- CDNOW fits


def _two_sig(v: float) -> float:
    return float(f"{v:.2g}")


def test_fit_bgnbd_cdnow_reproduces_published(cdnow_rfm):
    fit = btyd.fit_bgnbd(cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"])
    for k, v in BGNBD_PUB.items():
        assert _two_sig(fit.params[k]) == _two_sig(v), k
        assert fit.params[k] == pytest.approx(v, rel=5e-3), k
        assert np.isfinite(fit.se[k]) and fit.se[k] > 0
    assert fit.loglik == pytest.approx(-9582.4, abs=0.5)
    assert fit.n == 2357 and fit.model == "bgnbd"
    assert fit.cov.shape == (4, 4)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), list(fit.se.values()))


def test_fit_paretonbd_cdnow_reproduces_published(cdnow_rfm):
    fit = btyd.fit_paretonbd(cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"])
    for k, v in PARETO_PUB.items():
        assert _two_sig(fit.params[k]) == _two_sig(v), k
        assert fit.params[k] == pytest.approx(v, rel=5e-3), k
        assert np.isfinite(fit.se[k]) and fit.se[k] > 0
    assert fit.loglik == pytest.approx(-9595.0, abs=0.5)


def test_fit_gammagamma_cdnow_reproduces_published(cdnow_rfm):
    rep = cdnow_rfm[cdnow_rfm["frequency"] > 0]
    assert len(rep) == 946
    fit = btyd.fit_gammagamma(rep["frequency"], rep["monetary_value"])
    for k, v in GG_PUB.items():
        assert _two_sig(fit.params[k]) == _two_sig(v), k
        assert fit.params[k] == pytest.approx(v, rel=5e-3), k
        assert np.isfinite(fit.se[k]) and fit.se[k] > 0


def test_fit_gammagamma_rejects_zero_frequency():
    with pytest.raises(ValueError, match="x > 0"):
        btyd.fit_gammagamma([0, 1], [10.0, 12.0])


# --------------------------------------------------------------------------- recovery


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T: float,
                   rng: np.random.Generator):
    """Simulate BG/NBD customers directly: first purchase at 0, Poisson(lambda) repeat purchases,
    dropout with probability p after each repeat purchase, observed to T."""
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    t = np.zeros(n)
    x = np.zeros(n, dtype=int)
    tx = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        t[idx] += rng.exponential(1.0 / lam[idx])
        bought = t[idx] <= T
        buyers = idx[bought]
        active[idx[~bought]] = False
        x[buyers] += 1
        tx[buyers] = t[buyers]
        dies = rng.random(buyers.size) < p[buyers]
        active[buyers[dies]] = False
    return x, tx, np.full(n, T)


TRUE = {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5}


@pytest.fixture(scope="module")
def recovery_fits():
    rng = np.random.default_rng(20240517)
    fits = {}
    for n in (2000, 8000):
        fits[n] = btyd.fit_bgnbd(*simulate_bgnbd(n, **TRUE, T=52.0, rng=rng))
    return fits


@pytest.mark.parametrize("n", [2000, 8000])
def test_bgnbd_parameter_recovery_within_3_se(recovery_fits, n):
    fit = recovery_fits[n]
    for k, v in TRUE.items():
        assert abs(fit.params[k] - v) < 3 * fit.se[k], (k, fit.params[k], fit.se[k])


def test_bgnbd_standard_errors_shrink_with_sample_size(recovery_fits):
    small, large = recovery_fits[2000], recovery_fits[8000]
    for k in TRUE:
        ratio = large.se[k] / small.se[k]
        assert 0.3 < ratio < 0.75, (k, ratio)  # ~ sqrt(2000/8000) = 0.5


def test_sample_params_positive_and_centred(recovery_fits):
    fit = recovery_fits[8000]
    draws = fit.sample_params(np.random.default_rng(1), 4000)
    assert draws.shape == (4000, 4)
    assert np.all(draws > 0)
    med = np.median(draws, axis=0)
    np.testing.assert_allclose(med, fit.estimate, rtol=0.05)
    # spread close to the asymptotic standard errors (delta method)
    np.testing.assert_allclose(draws.std(axis=0), list(fit.se.values()), rtol=0.2)
    dicts = fit.sample_param_dicts(2, 3)
    assert len(dicts) == 3 and set(dicts[0]) == set(TRUE)
    # reproducible
    np.testing.assert_array_equal(fit.sample_params(5, 10), fit.sample_params(5, 10))


def test_numerical_hessian_of_quadratic():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    h = btyd.numerical_hessian(lambda v: 0.5 * v @ A @ v, np.array([1.0, -2.0]))
    np.testing.assert_allclose(h, A, rtol=1e-5)
