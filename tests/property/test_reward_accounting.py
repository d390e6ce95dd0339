"""Accounting identities of the reward policies, over random policy configurations (hypothesis):
points earned = redeemed + expired + outstanding; profit = the documented components; reward cost
adds up over customers; metrics stay in range."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loopsim
from loopsim.metrics import is_builtin_metric, metric_bounds
from loopsim.records import COST_KINDS

SCEN = Path(__file__).resolve().parents[2] / "scenarios"
BASE = loopsim.load_scenario(SCEN / "baseline.toml", {"time.horizon_days": 60, "market.initial_customers": 250,
                                                      "market.marketing_budget_per_day": 60.0})

behaviour = st.fixed_dictionaries({"enabled": st.booleans(), "goal_gradient": st.booleans(),
                                   "post_reward_reset": st.booleans(), "heavy_light": st.booleans()})
costs = {"operating_cost_per_day": st.sampled_from([0.0, 5.0]),
         "cost_per_member_per_day": st.sampled_from([0.0, 0.01])}

points = st.fixed_dictionaries({
    "type": st.just("points"),
    "earn_rate": st.floats(0.0, 5.0),
    "earn_on": st.sampled_from(["paid", "gross"]),
    "welcome_points": st.sampled_from([0.0, 50.0, 333.3]),
    "redemption_threshold": st.floats(10.0, 800.0),
    "reward_value": st.floats(0.0, 20.0),
    "redeem_probability": st.floats(0.0, 1.0),
    "expiry": st.sampled_from(["none", "fixed", "rolling"]),
    "expiry_days": st.floats(1.0, 90.0),
    "behaviour": behaviour, **costs})
punch = st.fixed_dictionaries({
    "type": st.just("punch_card"), "stamps_required": st.integers(3, 12),
    "prefilled_stamps": st.integers(0, 2), "reward_value": st.one_of(st.none(), st.floats(0.0, 30.0)),
    "behaviour": behaviour, **costs})
tiers = st.fixed_dictionaries({
    "type": st.just("tiers"), "metric": st.sampled_from(["spend", "purchases"]),
    "window_days": st.floats(10.0, 100.0), "demotion": st.sampled_from(["one_step", "to_qualified"]),
    "behaviour": behaviour, **costs})
others = st.sampled_from([
    {"type": "cashback", "percent": 0.03, "applies_to": "every"},
    {"type": "discount", "percent": 0.1, "applies_to": "first", "conversion_uplift": 0.2},
    {"type": "discount", "fixed": 5.0, "applies_to": "winback", "winback_uplift": 0.5},
    {"type": "membership", "fee": 5.0, "billing_period_days": 15.0},
    {"type": "referral"},
    {"type": "exclusive_access", "min_purchases": 1, "first_event_day": 5.0, "event_interval_days": 20.0},
    {"type": "streaks", "period_days": 7.0},
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pol=st.lists(st.one_of(points, punch, tiers, others), min_size=1, max_size=3,
                    unique_by=lambda p: p["type"]),
       seed=st.integers(0, 10_000))
def test_reward_accounting_identities(pol, seed):
    run = loopsim.simulate(BASE.with_overrides({"policies": pol}), seed=seed)
    s = run.summary
    # points ledger
    if "points_earned" in s:
        tol = 1e-7 * max(1.0, s["points_earned"])
        assert s["points_earned"] == pytest.approx(
            s["points_redeemed"] + s["points_expired"] + s["points_outstanding"], abs=tol)
        assert min(s["points_redeemed"], s["points_expired"], s["points_outstanding"]) >= -tol
        p = next(x for x in pol if x["type"] == "points")
        value = p["reward_value"] / p["redemption_threshold"]
        assert s["points_liability"] == pytest.approx(s["points_outstanding"] * value, abs=1e-6)
        if s["points_earned"] > 0:
            assert 0.0 <= s["breakage_rate"] <= 1.0 + 1e-12
        tl = run.timeline
        assert (tl["points_outstanding"] >= -tol).all()
        assert tl["points_liability"].to_numpy() == pytest.approx(tl["points_outstanding"].to_numpy() * value,
                                                                  abs=1e-6)
    else:
        assert s["points_liability"] == 0.0
    # profit = gross margin + fee revenue - every cost kind (docs/metrics.md)
    margin = s["revenue"] * BASE.economics.gross_margin_rate
    assert s["gross_margin"] == pytest.approx(margin)
    expected = margin + s["fee_revenue"] - sum(s[k] for k in COST_KINDS)
    assert s["profit"] == pytest.approx(expected, abs=1e-6 * max(1.0, abs(s["revenue"])))
    tl = run.timeline
    assert tl["profit"].sum() == pytest.approx(s["profit"], abs=1e-6 * max(1.0, abs(s["revenue"])))
    # reward cost: all of it is attributed to customers; revenue is at list price
    assert run.customers["reward_cost"].sum() == pytest.approx(s["reward_cost"], abs=1e-6)
    tx = run.transactions
    assert (tx["amount"] >= -1e-9).all()
    assert (tx["amount"] + tx["discount"]).sum() == pytest.approx(s["revenue"], rel=1e-9)
    assert tx["discount"].sum() <= s["reward_cost"] + 1e-6
    # ranges
    for k in ("retention_rate", "repeat_purchase_rate"):
        assert 0.0 <= s[k] <= 1.0
    assert -100.0 <= s["nps"] <= 100.0 or math.isnan(s["nps"])
    assert s["reward_cost"] >= 0 and s["programme_cost"] >= 0 and s["fee_revenue"] >= 0
    # every policy's metric is one loopsim knows the range of, and lies in it (up to rounding)
    tol = 1e-7 * max(1.0, s["revenue"], s.get("points_earned", 0.0))
    for k, v in s.items():
        lo, hi = metric_bounds(k)
        assert is_builtin_metric(k) and (math.isnan(v) or lo - tol <= v <= hi + tol), (k, v, lo, hi)
