"""Both engines give the same run with the compiled exclusive access (issue 13): three parameter
variations on two seeds that reach the policy's branches (eligibility from the first purchase or
later, events on fractional days with running, per-member, per-event and per-attendee costs, the
rate uplift and satisfaction gain under the hazard process with win-backs, behaviour off under
per-purchase churn, next to a punch card). Each run must show the policy at work (attendees,
eligible members, events), so that a policy doing nothing on both engines cannot pass.

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
#: events every 20.25 days from day 3.5 (openings on fractional days), all costs on
EVENTS = {"type": "exclusive_access", "first_event_day": 3.5, "event_interval_days": 20.25,
          "event_duration_days": 4.0, "anticipation_days": 5.0, "operating_cost_per_day": 1.7,
          "cost_per_member_per_day": 0.013, "cost_per_attendee": 1.3, "cost_per_event": 120.0}
#: name -> (policies, overrides)
VARIATIONS = {
    "eligible from the start, strong uplift, hazard and win-back": (
        [{**EVENTS, "min_purchases": 0, "rate_uplift": 1.5, "satisfaction_gain": 2.0}],
        {"journey.churn.process": "hazard", "journey.winback.enabled": True,
         "journey.winback.success_probability": 0.5, "market.competing_programmes": 1}),
    "eligible after two purchases, behaviour off, per-purchase churn": (
        [{**EVENTS, "min_purchases": 2, "behaviour": {"enabled": False}}],
        {"journey.churn.process": "per_purchase", "journey.winback.enabled": True}),
    "defaults after a punch card, new cohort": (
        [{"type": "punch_card", "stamps_required": 4, "prefilled_stamps": 1}, {"type": "exclusive_access"}],
        {"market.initial_first_purchase": True, "market.initial_spread_days": 10.0}),
}


@pytest.mark.parametrize("seed", [4, 9])
@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_exclusive_access_same_on_both_engines(name, seed):
    policies, overrides = VARIATIONS[name]
    sc = loopsim.load_scenario(ROOT / "scenarios/baseline.toml", {**SMALL, **overrides})
    sc = sc.with_overrides({"policies": policies})
    py, co = both_engines(sc, seed)
    for key in ("exclusive_access_events", "exclusive_access_attendees", "exclusive_access_members_at_end"):
        assert py.summary[key] > 0, f"{key} = {py.summary[key]}: the policy did nothing to compare"
    assert_same_run(py, co, f"{name}, seed {seed}")
