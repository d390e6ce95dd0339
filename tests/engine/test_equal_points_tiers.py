"""Points and tiers on the compiled engine give the same run as on the Python engine.

The bundled points and tiers scenarios at a reduced size and two seeds, and variations that make
the mechanisms happen within the short horizon (fixed and rolling expiry, reviews with
demotions, the per-purchase churn process, behaviour off): the same customers, transactions,
contacts, timeline (with the policies' recorded columns) and summary; integers identical, floats
within 1e-9 relative (``equal.assert_same_run``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import loopsim
from loopsim.engine import compiled

from .equal import assert_same_run

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("scenarios/retailer_points.toml", "scenarios/points_and_tiers.toml",
             "scenarios/airline_tiers.toml", "scenarios/cafe/points.toml")
SMALL = {"market.initial_customers": 250, "time.horizon_days": 150}


def _load(path: str, overrides: dict) -> loopsim.Scenario:
    sc = loopsim.load_scenario(ROOT / path)
    n = min(sc.market.initial_customers, SMALL["market.initial_customers"])
    return sc.with_overrides({**SMALL, "market.initial_customers": n, **overrides})


def _both(sc, seed: int):
    assert compiled.unsupported(sc) is None
    py = loopsim.simulate(sc, seed, engine="python")
    co = loopsim.simulate(sc, seed, engine="compiled")
    assert len(py.customers) > 0
    assert_same_run(py, co, f"{sc.name} seed {seed} (python vs compiled)")
    return py


@pytest.mark.parametrize("seed", (1, 2))
@pytest.mark.parametrize("path", SCENARIOS)
def test_bundled_scenario_same_run(path, seed):
    py = _both(_load(path, {}), seed)
    recorded = [c for c in py.timeline.columns if c.startswith(("points_", "tier_"))]
    assert recorded, "the policies' timeline columns are compared"


# variations that make each mechanism happen within the short horizon; each names the summary
# value that shows it happened (so the comparison is not vacuous)
VARIATIONS = {
    "fixed expiry, per-purchase churn, gross earning": (
        "scenarios/points_and_tiers.toml",
        {"policies.points.expiry": "fixed", "policies.points.expiry_days": 30.0,
         "policies.points.earn_on": "gross", "policies.tiers.window_days": 40.0,
         "journey.churn.process": "per_purchase", "population.segments.0.dropout.value": 0.05},
        ("points_expired", "tier_demotions")),
    "rolling expiry, reviews to the qualified tier, no reset, certain redemption": (
        "scenarios/points_and_tiers.toml",
        {"policies.points.expiry_days": 20.0, "policies.points.redeem_probability": 1.0,
         "policies.points.behaviour.post_reward_reset": False, "policies.tiers.window_days": 35.0,
         "policies.tiers.demotion": "to_qualified", "market.competing_programmes": 2},
        ("points_expired", "tier_demotions")),
    "behaviour off, fixed expiry from a new cohort": (
        "scenarios/retailer_points.toml",
        {"policies.points.expiry_days": 25.0, "policies.points.behaviour.enabled": False,
         "market.initial_first_purchase": True, "policies.points.redemption_threshold": 60.0},
        ("points_expired", "points_redemptions")),
    "tiers by purchases, one-step demotions, a busier desk": (
        "scenarios/airline_tiers.toml",
        {"policies.tiers.metric": "purchases", "policies.tiers.tiers.1.threshold": 2.0,
         "policies.tiers.tiers.2.threshold": 4.0, "policies.tiers.window_days": 40.0,
         "service.contact_probability": 0.6},
        ("tier_upgrades", "tier_demotions")),
}


@pytest.mark.parametrize("name", VARIATIONS)
def test_variation_same_run(name):
    path, overrides, happened = VARIATIONS[name]
    py = _both(_load(path, overrides), 3)
    for key in happened:
        assert py.summary[key] > 0, f"{name}: {key} never happened"


def test_new_cohort_fits_the_calendar_pool(monkeypatch):
    """A cohort buying at day 0 schedules the policies' timers for every customer at once (welcome
    and first-purchase expiries, a redemption's refresh, a tier review) in one kernel call: the
    driver sized the calendar pool for them beforehand (an overrun corrupts memory)."""
    from loopsim.engine.compiled import layout as L
    from loopsim.engine.compiled import loop as K

    sc = _load("scenarios/points_and_tiers.toml", {
        "market.initial_first_purchase": True, "market.initial_customers": 3000,
        "market.marketing_budget_per_day": 0.0, "market.organic_arrivals_per_day": 0.0,
        "time.horizon_days": 120.0, "policies.points.expiry": "fixed", "policies.points.expiry_days": 100.0,
        "policies.points.welcome_points": 600.0, "service.contact_probability": 0.9})
    seen = []
    cohort = K.initial_cohort

    def watched(S, lo_id, hi_id, spread):
        cohort(S, lo_id, hi_id, spread)
        seen.append((int(S.ctl[L.EV_USED] - S.ctl[L.EV_FREE_N]), S.EVT.shape[0],
                     int(S.ctl[L.PB_LIVE]), S.PB.shape[1]))

    monkeypatch.setattr(K, "initial_cohort", watched)
    run = loopsim.simulate(sc, 1, engine="compiled")
    (entries, room, batches, pool), = seen
    # without the policies' share the pool held 4 entries per customer + 2048 (14,048 here)
    assert entries > 4 * 3000 + 2048, "the cohort schedules the policies' timers"
    assert entries <= room and batches <= pool
    assert run.summary["points_redemptions"] > 0
