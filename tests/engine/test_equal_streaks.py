"""Both engines give the same run with the compiled streaks (issue 13): three parameter
variations on two seeds that reach the policy's branches (a badge every period or every third,
the rewarded-behaviour effect of badges under the hazard process with win-backs, the rate uplift
with heavy buyers responding, behaviour off under per-purchase churn, no bonus next to a punch
card and exclusive access). Each run must show the policy at work (badges, a streak of several
periods), so that a policy doing nothing on both engines cannot pass.

Equality as ``tests/engine/equal.py`` defines it: integers identical, floats within 1e-9 relative.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import loopsim

from .equal import assert_same_run, both_engines

ROOT = Path(__file__).resolve().parents[2]
#: reduced size: customers at day 0, horizon (days)
SMALL = {"market.initial_customers": 300, "time.horizon_days": 120.0}
#: short periods, a badge every second one, running costs on
SHORT = {"type": "streaks", "period_days": 9.0, "bonus_every": 2, "operating_cost_per_day": 2.3,
         "cost_per_member_per_day": 0.011}
#: name -> (policies, overrides)
VARIATIONS = {
    "strong uplift, short rewarded effect, heavy buyers respond, hazard and win-back": (
        [{**SHORT, "streak_strength": 0.8,
          "behaviour": {"heavy_response": 0.5, "rewarded_effect_days": 20.0, "rewarded_satisfaction": 1.0}}],
        {"journey.churn.process": "hazard", "journey.winback.enabled": True,
         "journey.winback.success_probability": 0.5, "market.competing_programmes": 2}),
    "a badge every period, behaviour off, per-purchase churn": (
        [{**SHORT, "bonus_every": 1, "behaviour": {"enabled": False}}],
        {"journey.churn.process": "per_purchase", "journey.winback.enabled": True}),
    "defaults without bonus, after a punch card and exclusive access, per-purchase churn": (
        [{"type": "punch_card", "stamps_required": 4}, {"type": "exclusive_access", "min_purchases": 1},
         {"type": "streaks", "period_days": 14.0, "bonus_value": 0.0}],
        {"journey.churn.process": "per_purchase", "market.initial_first_purchase": True}),
}


@pytest.mark.parametrize("seed", [4, 9])
@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_streaks_same_on_both_engines(name, seed):
    policies, overrides = VARIATIONS[name]
    sc = loopsim.load_scenario(ROOT / "scenarios/baseline.toml", {**SMALL, **overrides})
    sc = sc.with_overrides({"policies": policies})
    py, co = both_engines(sc, seed)
    assert py.summary["streak_badges"] > 0, "no badge: the policy did nothing to compare"
    assert py.summary["streak_longest"] >= 3, "no streak of several periods to compare"
    assert_same_run(py, co, f"{name}, seed {seed}")


def test_new_cohort_fits_the_calendar_pool(monkeypatch):
    """A cohort buying at day 0 with a badge at every first purchase (and attending an event open
    at day 0) schedules each customer's hazard refreshes in one kernel call: the driver sized the
    calendar pool for them beforehand (an overrun corrupts memory)."""
    from loopsim.engine.compiled import layout as L
    from loopsim.engine.compiled import loop as K

    n = 3000
    sc = loopsim.load_scenario(ROOT / "scenarios/baseline.toml", {
        "market.initial_first_purchase": True, "market.initial_customers": n,
        "market.marketing_budget_per_day": 0.0, "market.organic_arrivals_per_day": 0.0,
        "time.horizon_days": 30.0, "service.contact_probability": 0.9,
        # defection wake-ups within the horizon, moved by every change of satisfaction
        "journey.churn.hazard_multiplier": 100.0, "journey.satisfaction.churn_effect": 0.3})
    sc = sc.with_overrides({"policies": [
        {"type": "streaks", "bonus_every": 1,
         "behaviour": {"rewarded_satisfaction": 1.0, "rewarded_effect_days": 10.0}},
        {"type": "exclusive_access", "min_purchases": 0, "first_event_day": 0.0, "satisfaction_gain": 1.0}]})
    seen = []
    cohort = K.initial_cohort

    def watched(S, lo_id, hi_id, spread):
        cohort(S, lo_id, hi_id, spread)
        seen.append((int(S.ctl[L.EV_USED] - S.ctl[L.EV_FREE_N]), S.EVT.shape[0]))

    monkeypatch.setattr(K, "initial_cohort", watched)
    run = loopsim.simulate(sc, 1, engine="compiled")
    (entries, room), = seen
    # without the policies' share the pool held 4 entries per customer + 2048
    assert entries > 4 * n + 2048, "the cohort schedules the policies' refreshes"
    assert entries <= room
    assert run.summary["streak_badges"] >= n and run.summary["exclusive_access_attendees"] >= n
