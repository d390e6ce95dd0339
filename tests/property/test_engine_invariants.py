"""Invariants of the engine over random valid scenarios (hypothesis).

No customer is lost or counted twice, every transaction belongs to an acquired customer and lies
between acquisition and churn, money adds up, metrics stay in range, and the same seed gives
identical tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loopsim
from loopsim.metrics import CORE_METRICS, is_builtin_metric, metric_bounds
from loopsim.records import COST_KINDS
from loopsim.scenario import validate_scenario

probs = st.floats(0.0, 1.0)


@st.composite
def scenarios(draw):
    horizon = draw(st.floats(20, 200))
    seg = {
        "name": "s",
        "purchase_rate": {"dist": "gamma", "shape": draw(st.floats(0.5, 4)), "rate": draw(st.floats(2, 30))},
        "purchase_timing": draw(st.sampled_from(["poisson", "periodic"])),
        "dropout": {"dist": "beta", "a": draw(st.floats(0.2, 3)), "b": draw(st.floats(1, 20))},
        "churn_hazard": {"dist": "fixed", "value": draw(st.floats(0, 0.05))},
        "spend": {"model": "gamma_gamma", "p": draw(st.floats(1, 8)), "q": draw(st.floats(1.5, 6)),
                  "gamma": draw(st.floats(5, 40))},
    }
    data = {
        "name": "random",
        "time": {"horizon_days": horizon, "discount_rate_annual": draw(st.floats(0, 0.3))},
        "market": {
            "initial_customers": draw(st.integers(0, 150)),
            "initial_first_purchase": draw(st.booleans()),
            "initial_spread_days": draw(st.floats(0, 10)),
            "marketing_budget_per_day": draw(st.floats(0, 50)),
            "cost_per_aware": draw(st.floats(0.5, 5)),
            "organic_arrivals_per_day": draw(st.floats(0, 5)),
            "word_of_mouth_per_promoter_per_day": draw(st.floats(0, 0.05)),
            "competitor": {"hazard_per_day": draw(st.floats(0, 0.01)), "switch_share": draw(probs)},
        },
        "population": {"time_unit_days": 7.0, "dropout_timing": draw(st.sampled_from(["after_repeat", "after_every"])),
                       "segments": [seg]},
        "funnel": {s: {"conversion": draw(st.floats(0.3, 1.0)), "dwell": {"dist": "exponential", "mean": draw(st.floats(0.1, 3))}}
                   for s in ("awareness", "interest", "consideration", "intent", "evaluation", "purchase")},
        "journey": {
            "satisfaction": {"churn_effect": draw(st.floats(0, 0.5))},
            "advocacy": {"referrals_per_promoter_per_day": draw(st.floats(0, 0.05))},
            "winback": {"enabled": draw(st.booleans()), "delay_days": draw(st.floats(1, 30)),
                        "success_probability": draw(probs)},
            "onboarding": {"enabled": draw(st.booleans()), "contact_probability": draw(probs)},
        },
        "service": {"contact_probability": draw(st.floats(0, 0.5)), "agents": draw(st.integers(1, 3)),
                    "cost_per_agent_day": draw(st.floats(0, 100)), "cost_per_contact": draw(st.floats(0, 5)),
                    "patience": {"dist": "exponential", "mean": draw(st.floats(0.01, 1))},
                    "balk_queue_length": draw(st.one_of(st.none(), st.integers(0, 5)))},
        "economics": {"gross_margin_rate": draw(st.floats(0.05, 0.9)), "fixed_cost_per_day": draw(st.floats(0, 20))},
        "policies": draw(st.lists(st.fixed_dictionaries({"type": st.just("punch_card"),
                                                         "stamps_required": st.integers(1, 12)}), max_size=1)),
    }
    return validate_scenario(data), draw(st.integers(0, 2**32 - 1))


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_people_and_transactions_are_consistent(case):
    sc, seed = case
    run = loopsim.simulate(sc, seed=seed)
    s, cust, tx = run.summary, run.customers, run.transactions
    # nobody lost or counted twice
    assert cust["customer_id"].is_unique
    assert s["customers_acquired"] == len(cust) == s["active_at_end"] + s["churned"]
    # every transaction belongs to an acquired customer, within [acquired, churned]
    assert tx["customer_id"].isin(cust["customer_id"]).all()
    merged = tx.merge(cust[["customer_id", "acquired_at", "churned_at"]], on="customer_id")
    assert (merged["time"] >= merged["acquired_at"] - 1e-9).all()
    end = merged["churned_at"].fillna(math.inf)
    assert (merged["time"] <= end + 1e-9).all()
    assert (merged["time"] < sc.time.horizon_days).all()
    # purchases per customer agree with the table
    per = tx.groupby("customer_id").size().reindex(cust["customer_id"], fill_value=0)
    np.testing.assert_array_equal(per.to_numpy(), cust["purchases"].to_numpy())
    assert s["purchases"] == len(tx)
    # the timeline accounts for everyone: acquired customers and churn events by day
    assert run.timeline["new_customers"].sum() == len(cust)


@SETTINGS
@given(scenarios())
def test_money_adds_up_and_metrics_in_range(case):
    sc, seed = case
    run = loopsim.simulate(sc, seed=seed)
    s, tl, tx = run.summary, run.timeline, run.transactions
    assert all(k in s for k in CORE_METRICS)
    m = sc.economics.gross_margin_rate
    assert s["revenue"] == np.float64(tx["gross"].sum()) or math.isclose(s["revenue"], tx["gross"].sum(), rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(s["gross_margin"], s["revenue"] * m, rel_tol=1e-12, abs_tol=1e-9)
    costs = sum(s[k] for k in COST_KINDS)
    assert math.isclose(s["profit"], s["gross_margin"] + s["fee_revenue"] - costs, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(tl["profit"].sum(), s["profit"], rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(tx["discount"].sum(), s["reward_cost"], rel_tol=1e-9, abs_tol=1e-6) or sc.policies == ()
    for k in COST_KINDS:
        assert s[k] >= 0
    if sc.time.discount_rate_annual == 0:
        assert math.isclose(s["profit_discounted"], s["profit"], rel_tol=1e-9, abs_tol=1e-6)
    for k in ("retention_rate", "repeat_purchase_rate", "service_abandonment_rate", "service_resolution_rate",
              "agent_utilisation", "funnel_conversion"):
        v = s[k]
        assert math.isnan(v) or 0.0 <= v <= 1.0, (k, v)
    assert math.isnan(s["nps"]) or -100 <= s["nps"] <= 100
    # every metric is one loopsim knows the range of, and lies in it (intervals are clipped to it)
    for k, v in s.items():
        lo, hi = metric_bounds(k)
        assert is_builtin_metric(k) and (math.isnan(v) or lo <= v <= hi), (k, v, lo, hi)
    assert math.isnan(s["mean_service_wait_days"]) or s["mean_service_wait_days"] >= 0
    assert (run.contacts["wait"] >= 0).all()
    # customers' CLV is their discounted margin net of their own reward and service costs
    if len(run.customers) and not sc.journey.winback.enabled and sc.time.discount_rate_annual == 0:
        c = run.customers
        attributed = c["revenue"] * m - c["reward_cost"] - c["service_cost"]
        np.testing.assert_allclose(c["clv"], attributed, rtol=1e-9, atol=1e-6)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_same_seed_same_tables(case):
    sc, seed = case
    a, b = loopsim.simulate(sc, seed=seed), loopsim.simulate(sc, seed=seed)
    assert a.summary.keys() == b.summary.keys()
    for k in a.summary:
        assert (a.summary[k] == b.summary[k]) or (math.isnan(a.summary[k]) and math.isnan(b.summary[k]))
    for name in ("customers", "transactions", "timeline", "contacts"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
