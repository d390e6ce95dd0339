"""The retention curve is Kaplan-Meier with censoring (customers active at the horizon are censored),
with Greenwood log(-log) bands, and agrees with scipy's estimator on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import CensoredData, ecdf

import loopsim
from loopsim.scenario import validate_scenario
from loopsim.survival import kaplan_meier


@pytest.fixture(scope="module")
def run():
    # a growing customer base with a steady churn hazard: many customers are censored early in
    # their tenure, which is where a curve that drops censored customers goes wrong
    sc = validate_scenario({
        "time": {"horizon_days": 300},
        "market": {"initial_customers": 300, "organic_arrivals_per_day": 8.0},
        "population": {"time_unit_days": 365.0, "segments": [{
            "purchase_rate": {"dist": "fixed", "value": 6.0},
            "dropout": {"dist": "fixed", "value": 0.0},
            "churn_hazard": {"dist": "gamma", "shape": 2.0, "rate": 2.0}}]},
    })
    return loopsim.simulate(sc, seed=11)


def test_curve_matches_scipy_kaplan_meier(run):
    cs = run.customers
    horizon = run.scenario.time.horizon_days
    curve = run.retention_curve(step=5.0)
    churned = cs["churned_at"].notna().to_numpy()
    tenure = np.where(churned, cs["churned_at"], horizon) - cs["acquired_at"].to_numpy()
    assert churned.sum() > 50 and (~churned).sum() > 50
    res = ecdf(CensoredData(uncensored=tenure[churned], right=tenure[~churned]))
    t = curve["tenure"].to_numpy()
    np.testing.assert_allclose(curve["retention"], res.sf.evaluate(t), rtol=0, atol=1e-12)
    band = res.sf.confidence_interval(0.95, method="log-log")
    lo, hi = band.low.evaluate(t), band.high.evaluate(t)
    ok = np.isfinite(lo) & np.isfinite(hi)
    np.testing.assert_allclose(curve["ci_low"][ok], lo[ok], atol=1e-9)
    np.testing.assert_allclose(curve["ci_high"][ok], hi[ok], atol=1e-9)
    assert (curve["ci_low"] <= curve["retention"]).all() and (curve["retention"] <= curve["ci_high"]).all()
    # the band is a real band once customers churned
    late = curve[curve["churned"] > 20]
    assert (late["ci_high"] - late["ci_low"] > 0).all()


def test_censored_customers_are_not_dropped(run):
    """Dropping customers observed for less than t (the old curve) biases the curve; Kaplan-Meier
    keeps their exposure. Recomputed here the naive way, it must differ from the curve."""
    cs = run.customers
    horizon = run.scenario.time.horizon_days
    curve = run.retention_curve(step=10.0).set_index("tenure")
    g = 200.0
    acq, end = cs["acquired_at"].to_numpy(), cs["churned_at"].fillna(np.inf).to_numpy()
    seen = acq + g <= horizon
    naive = (end[seen] > acq[seen] + g).mean()
    assert abs(curve.loc[g, "retention"] - naive) > 1e-6
    # at_risk counts every customer observed at least g days, censored or not
    tenure = np.minimum(end, horizon) - acq
    assert curve.loc[g, "at_risk"] == int((tenure >= g).sum())


def test_hand_computed_product_limit():
    # tenures 1, 2 (censored), 3, 3, 5 (censored): S(1) = 4/5, S(3) = 4/5 * (1 - 2/3)
    km = kaplan_meier(np.array([1.0, 2.0, 3.0, 3.0, 5.0]), np.array([True, False, True, True, False]),
                      np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    np.testing.assert_allclose(km["retention"], [1.0, 0.8, 0.8, 0.8 / 3, 0.8 / 3, 0.8 / 3])
    assert km["at_risk"].tolist() == [5, 5, 4, 3, 1, 1]
    assert km["churned"].tolist() == [0, 1, 1, 3, 3, 3]
    # Greenwood: Var S(1) = S^2 * 1 / (5 * 4)
    s, v = 0.8, 0.64 * (1 / 20)
    z = 1.959963984540054
    half = z * np.sqrt(v / s**2) / abs(np.log(s))
    assert km["ci_low"][1] == pytest.approx(s ** np.exp(half))
    assert km["ci_high"][1] == pytest.approx(s ** np.exp(-half))


def test_retention_rate_and_curve_are_different_figures(run):
    """retention_rate is over calendar time (acquired at any day, active at the horizon);
    the curve is over tenure. With customers acquired all year the rate is higher than the
    curve at the horizon's tenure (most customers were exposed for less)."""
    curve = run.retention_curve()
    rate = run.summary["retention_rate"]
    assert rate == pytest.approx(run.summary["active_at_end"] / run.summary["customers_acquired"])
    assert rate > curve["retention"].iloc[-1] + 0.05


def test_no_churn_at_all_is_full_retention_with_no_band():
    # every customer censored (nobody churned): S = 1 at every tenure, as scipy's estimator says
    out = kaplan_meier(np.array([5.0, 10.0, 20.0]), np.array([False, False, False]), np.arange(0.0, 21.0, 5.0))
    assert list(out["retention"]) == [1.0] * 5
    assert list(out["ci_low"]) == [1.0] * 5 and list(out["ci_high"]) == [1.0] * 5
    assert list(out["at_risk"]) == [3, 3, 2, 1, 1]
