"""Unit tests of the reward policies: each does what its docstring says and books what it costs."""

from __future__ import annotations

from pathlib import Path

import pytest

import loopsim
from loopsim.errors import ScenarioError
from loopsim.scenario import policy_types, validate_scenario

SCEN = Path(__file__).resolve().parents[2] / "scenarios"
REWARD_TYPES = ("punch_card", "points", "tiers", "cashback", "discount", "membership", "referral",
                "exclusive_access", "streaks")


def controlled(policies, n=500, horizon=120.0, rate=0.1, dropout=0.0, spend=10.0, s_reward=0.5):
    seg = {"purchase_rate": {"dist": "fixed", "value": rate},
           "dropout": {"dist": "fixed", "value": dropout},
           "spend": {"customer_mean": {"dist": "fixed", "value": spend}},
           "sensitivity": {"reward": {"dist": "fixed", "value": s_reward}}}
    return validate_scenario({"time": {"horizon_days": horizon},
                              "market": {"initial_customers": n},
                              "population": {"segments": [seg]}, "policies": policies})


def off(**pol):
    return {**pol, "behaviour": {"enabled": False}}


def test_every_reward_policy_is_registered_with_documented_units():
    types = policy_types()
    for t in REWARD_TYPES:
        cls = types[t]
        assert cls.kind == "reward"
        for name, f in cls.Params.model_fields.items():
            if name != "type":
                assert f.description, f"{t}.{name} has no description"


def test_punch_card_counts_stamps_and_gives_every_eleventh_free():
    run = loopsim.simulate(controlled([off(type="punch_card", stamps_required=10)], n=50,
                                      horizon=400, rate=0.2), seed=1)
    tx = run.transactions.sort_values(["customer_id", "time"])
    for _, g in tx.groupby("customer_id"):
        free = (g["discount"] > 0).to_numpy().nonzero()[0]
        assert list(free) == list(range(10, len(g), 11))
    s = run.summary
    assert s["punch_card_redemptions"] == (tx["discount"] > 0).sum()
    assert s["reward_cost"] == pytest.approx(tx["discount"].sum())
    assert s["reward_cost"] == pytest.approx(10.0 * s["punch_card_redemptions"])


def test_punch_card_rejects_prefilled_full_card():
    with pytest.raises(ScenarioError, match="prefilled"):
        controlled([{"type": "punch_card", "stamps_required": 5, "prefilled_stamps": 5}])


def test_points_ledger_redemption_and_liability():
    pol = off(type="points", earn_rate=1.0, welcome_points=20.0, redemption_threshold=100.0,
              reward_value=5.0)
    run = loopsim.simulate(controlled([pol], n=200), seed=2)
    s = run.summary
    assert s["points_earned"] == pytest.approx(s["points_redeemed"] + s["points_expired"] + s["points_outstanding"])
    assert s["points_redeemed"] > 0 and s["points_expired"] == 0
    # each redemption is a whole block of 100 points = 5 EUR off a 10 EUR purchase
    assert s["reward_cost"] == pytest.approx(s["points_redeemed"] / 100.0 * 5.0)
    assert s["points_liability"] == pytest.approx(s["points_outstanding"] * 0.05)
    tl = run.timeline["points_liability"]
    assert tl.notna().all() and tl.iloc[-1] > 0
    # earning on the amount paid: points earned = welcome + paid amounts
    paid = run.transactions["amount"].sum()
    assert s["points_earned"] == pytest.approx(20.0 * s["customers_acquired"] + paid)


def test_points_with_a_tiny_reward_value_redeem_without_overflow():
    # found by the reward-accounting property test: paid // 1e-308 is inf, which int() refused
    pol = off(type="points", earn_rate=1.0, redemption_threshold=1.0, reward_value=1.1e-308)
    s = loopsim.simulate(controlled([pol], n=50, horizon=30.0), seed=2).summary
    assert s["points_redeemed"] > 0
    assert s["reward_cost"] == pytest.approx(0.0, abs=1e-300)


@pytest.mark.parametrize("expiry", ["fixed", "rolling"])
def test_points_expire(expiry):
    pol = off(type="points", earn_rate=1.0, redemption_threshold=1e6, reward_value=1.0,
              expiry=expiry, expiry_days=20.0)
    run = loopsim.simulate(controlled([pol], n=200, rate=0.05), seed=3)
    s = run.summary
    assert s["points_expired"] > 0
    assert s["breakage_rate"] == pytest.approx(s["points_expired"] / s["points_earned"])
    assert s["points_earned"] == pytest.approx(s["points_expired"] + s["points_outstanding"])
    if expiry == "fixed":
        # nothing older than 20 days is outstanding: outstanding <= points earned in the last 20 days
        tx = run.transactions
        recent = tx.loc[tx["time"] > run.scenario.time.horizon_days - 20.0, "amount"].sum()
        assert s["points_outstanding"] <= recent + 1e-6


@pytest.mark.parametrize("engine", ["python", "compiled"])
def test_tiers_record_each_customers_demotions(engine):
    """The customers table's tier columns: every demotion counted (they sum to the summary's),
    the first and last one's time while a customer (NaN: none; a review after churning demotes
    without a time)."""
    seg = {"purchase_rate": {"dist": "fixed", "value": 0.17}, "churn_hazard": {"dist": "fixed", "value": 0.004},
           "spend": {"customer_mean": {"dist": "fixed", "value": 10.0}}}
    tiers = [{"name": "base", "threshold": 0.0}, {"name": "gold", "threshold": 10.0}]
    sc = validate_scenario({"time": {"horizon_days": 300.0}, "market": {"initial_customers": 400},
                            "journey": {"churn": {"process": "hazard"}}, "population": {"segments": [seg]},
                            "policies": [{"type": "tiers", "metric": "purchases", "window_days": 60.0,
                                          "tiers": tiers}]})
    run = loopsim.simulate(sc, seed=1, engine=engine)
    c = run.customers
    count, first, last = c["tier_demotions"], c["tier_first_demoted_at"], c["tier_last_demoted_at"]
    assert count.dtype == "int64" and count.sum() == run.summary["tier_demotions"]
    timed = first.notna()
    assert timed.sum() > 50
    assert ((count > 1) & timed & (last > first)).any()          # a second demotion moved "last"
    assert last.notna().equals(timed) and (count[timed] >= 1).all()
    assert (first[timed] >= c["acquired_at"][timed]).all() and (last[timed] >= first[timed]).all()
    end = c["churned_at"].fillna(300.0)
    assert (last[timed] <= end[timed]).all()
    # demoted only after churning (the review at the end of the open window): counted, no time
    after = (count > 0) & ~timed
    assert after.any() and c.loc[after, "churned"].all()


def test_tiers_upgrade_demote_and_boost_points():
    tiers = [{"name": "base", "threshold": 0.0},
             {"name": "gold", "threshold": 5.0, "earn_multiplier": 2.0, "discount_rate": 0.1}]
    pols = [off(type="tiers", metric="purchases", window_days=60.0, tiers=tiers),
            off(type="points", earn_rate=1.0, earn_on="gross", redemption_threshold=1e9)]
    run = loopsim.simulate(controlled(pols, n=300, horizon=200, rate=0.1), seed=4)
    s = run.summary
    assert s["tier_upgrades"] > 100 and s["tier_demotions"] > 0
    assert s["tier_base_at_end"] + s["tier_gold_at_end"] == s["active_at_end"]
    # gold purchases earn double: more points than list-price revenue
    assert s["points_earned"] > s["revenue"] * 1.05
    assert s["reward_cost"] == pytest.approx(s["tier_benefit_cost"])
    assert {"tier_base", "tier_gold"} <= set(run.timeline.columns)


def test_tiers_validation():
    with pytest.raises(ScenarioError, match="threshold"):
        controlled([{"type": "tiers", "tiers": [{"name": "a", "threshold": 5.0}]}])


def test_cashback_pays_after_and_discount_lowers_price():
    cb = loopsim.simulate(controlled([off(type="cashback", percent=0.1, min_basket=5.0)]), seed=5)
    ds = loopsim.simulate(controlled([off(type="discount", percent=0.1)]), seed=5)
    assert cb.summary["reward_cost"] == pytest.approx(0.1 * cb.summary["revenue"])
    assert cb.transactions["amount"].sum() == pytest.approx(cb.summary["revenue"])   # paid list price
    assert ds.summary["reward_cost"] == pytest.approx(0.1 * ds.summary["revenue"])
    assert ds.transactions["amount"].sum() == pytest.approx(0.9 * ds.summary["revenue"])
    first = loopsim.simulate(controlled([off(type="discount", percent=0.5, applies_to="first")]), seed=5)
    assert first.summary["discount_uses"] == first.summary["customers_acquired"]
    high = loopsim.simulate(controlled([off(type="cashback", percent=0.1, min_basket=50.0)]), seed=5)
    assert high.summary["reward_cost"] == 0


def test_membership_fees_renewals_and_benefits():
    pol = off(type="membership", fee=10.0, billing_period_days=30.0, join_probability=1.0,
              join_scales_with_sensitivity=False, cancel_probability=0.0, cancel_if_unused=0.0,
              free_shipping_value=1.0, discount_rate=0.0)
    run = loopsim.simulate(controlled([pol], n=100, horizon=100), seed=6)
    s = run.summary
    assert s["membership_joined"] == 100
    assert s["fee_revenue"] == pytest.approx(100 * 4 * 10.0)   # days 0, 30, 60, 90
    assert s["reward_cost"] == pytest.approx(s["purchases"] * 1.0)
    # fees enter the members' CLV
    assert run.customers["clv"].mean() > 0


def test_referral_rewards_referrer_and_referee():
    sc = loopsim.load_scenario(SCEN / "referral_programme.toml", {"time.horizon_days": 150,
                                                                   "market.initial_customers": 1500})
    sc = sc.with_overrides({"journey.advocacy.referrals_per_promoter_per_day": 0.01})
    run = loopsim.simulate(sc, seed=7)
    s = run.summary
    assert s["referral_customers"] > 0
    assert s["referral_referrer_rewards"] == pytest.approx(10.0 * s["referral_customers"])
    assert s["reward_cost"] == pytest.approx(s["referral_referrer_rewards"] + s["referral_referee_rewards"])
    base = loopsim.simulate(sc.with_overrides({"policies": []}), seed=7)
    assert s["referrals"] > base.summary["referrals"]       # the programme raises referrals


def test_exclusive_access_events_and_costs():
    pol = off(type="exclusive_access", min_purchases=1, first_event_day=10.0, event_interval_days=30.0,
              event_duration_days=5.0, cost_per_event=100.0, cost_per_attendee=2.0)
    run = loopsim.simulate(controlled([pol], horizon=100), seed=8)
    s = run.summary
    assert s["exclusive_access_events"] == 3    # days 10, 40, 70
    assert s["programme_cost"] == pytest.approx(300.0 + 2.0 * s["exclusive_access_attendees"])


def test_streak_bonuses():
    pol = off(type="streaks", period_days=10.0, bonus_every=3, bonus_value=2.0)
    run = loopsim.simulate(controlled([pol], rate=0.5, horizon=100), seed=9)
    s = run.summary
    assert s["streak_badges"] > 0
    assert s["reward_cost"] == pytest.approx(2.0 * s["streak_badges"])
    assert s["streak_longest"] <= 10


def test_operating_costs_fixed_and_per_member():
    pol = off(type="punch_card", operating_cost_per_day=2.0, cost_per_member_per_day=0.01)
    run = loopsim.simulate(controlled([pol], n=100, horizon=50), seed=1)
    assert run.summary["programme_cost"] == pytest.approx(50 * 2.0 + 50 * 100 * 0.01)
    assert run.timeline["programme_cost"].sum() == pytest.approx(run.summary["programme_cost"])


def test_overrides_reach_nested_behaviour():
    sc = loopsim.load_scenario(SCEN / "coffee_punch_card.toml",
                               {"rewards.punch_card.behaviour.goal_gradient": False})
    assert sc.policies[0].behaviour.goal_gradient is False
    with pytest.raises(ScenarioError):
        loopsim.load_scenario(SCEN / "coffee_punch_card.toml", {"rewards.punch_card.behaviour.nope": 1})
