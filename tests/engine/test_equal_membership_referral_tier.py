"""Both engines give the same run with the compiled membership, referral and tier_priority.

The four bundled scenarios of these policies at a reduced size and two seeds, and variations that
reach their other branches (behaviour off, per-purchase churn, short billing periods with many
cancellations, no referral cap, tiers by purchases, all of them with a punch card in one
scenario): the same customers, transactions, contacts and timeline (integers and strings
identical, floats within 1e-9 relative) and the same summary. Each run must also show the policy
at work (members joined, referred customers rewarded, contacts prioritised), so that a policy
doing nothing on both engines cannot pass.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import loopsim
from loopsim.engine import choose_engine, compiled
from loopsim.errors import LoopsimError
from loopsim.scenario import validate_scenario

ROOT = Path(__file__).resolve().parents[2]
REL = 1e-9
SEEDS = (1, 2)
#: reduced size: customers at day 0, horizon (days)
SMALL = {"market.initial_customers": 400, "time.horizon_days": 150}
#: scenario -> a summary value that is positive only if the policy acted
SCENARIOS = {"scenarios/prime_membership.toml": "membership_joined",
             "scenarios/cafe/membership.toml": "membership_cancelled",
             "scenarios/referral_programme.toml": "referral_referee_rewards",
             "scenarios/service_tier_priority.toml": "tier_priority_contacts"}

MEMBERSHIP = {"type": "membership", "fee": 8.0, "billing_period_days": 7.5, "join_probability": 1.0,
              "cancel_probability": 0.3, "cancel_if_unused": 0.9, "discount_rate": 0.1,
              "cost_per_member_per_day": 0.1}
REFERRAL = {"type": "referral", "referee_reward": 100.0, "max_rewards_per_referrer": None,
            "referral_rate_uplift": 2.0}
TIER = {"type": "tier_priority", "basis": "purchases", "thresholds": [1.0, 3.0],
        "operating_cost_per_day": 20.0}
PUNCH = {"type": "punch_card", "stamps_required": 5, "prefilled_stamps": 1}
MORE_REFERRALS = {"journey.advocacy.referrals_per_promoter_per_day": 0.01}
#: name -> (base scenario, its policies, overrides, summary values that must be positive)
VARIATIONS = {
    "membership, behaviour off, per-purchase churn": (
        "scenarios/prime_membership.toml",
        [{**MEMBERSHIP, "behaviour": {"enabled": False}}], {"journey.churn.process": "per_purchase"},
        ("membership_cancelled",)),
    "referral without cap, more referrals": (
        "scenarios/referral_programme.toml", [REFERRAL], MORE_REFERRALS,
        ("referral_referrer_rewards", "referral_referee_rewards")),
    "all four policies, dilution": (
        "scenarios/service_tier_priority.toml", [PUNCH, TIER, REFERRAL, MEMBERSHIP],
        {**MORE_REFERRALS, "market.competing_programmes": 1},
        ("punch_card_redemptions", "membership_cancelled", "referral_customers", "tier_priority_contacts")),
}


def _differences(a, b) -> list[str]:
    """What differs between two runs' tables and summaries (empty: the same run)."""
    out = []
    for name in ("customers", "transactions", "contacts", "timeline"):
        x, y = getattr(a, name), getattr(b, name)
        if list(x.columns) != list(y.columns) or len(x) != len(y):
            out.append(f"{name}: shape {x.shape} vs {y.shape}")
            continue
        for col in x.columns:
            u, v = x[col], y[col]
            if u.dtype.kind == "f":
                same = np.allclose(u.to_numpy(), v.to_numpy(), rtol=REL, atol=0.0, equal_nan=True)
            else:
                same = u.astype(object).fillna("<NA>").tolist() == v.astype(object).fillna("<NA>").tolist()
            if not same:
                out.append(f"{name}.{col}")
    if set(a.summary) != set(b.summary):
        out.append(f"summary keys: {sorted(set(a.summary) ^ set(b.summary))}")
    for k in set(a.summary) & set(b.summary):
        p, q = float(a.summary[k]), float(b.summary[k])
        if not ((math.isnan(p) and math.isnan(q)) or math.isclose(p, q, rel_tol=REL, abs_tol=0.0)):
            out.append(f"summary.{k}: {p!r} vs {q!r}")
    return out


def _both(sc, seed: int, active: tuple[str, ...]) -> None:
    py = loopsim.simulate(sc, seed, engine="python")
    co = loopsim.simulate(sc, seed, engine="compiled")
    for key in active:
        assert py.summary[key] > 0, f"{key} = {py.summary[key]}: the policy did nothing to compare"
    diffs = _differences(py, co)
    assert not diffs, f"{sc.name} seed {seed}: the engines differ in {diffs}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", sorted(SCENARIOS))
def test_bundled_scenario_same_on_both_engines(path, seed):
    sc = loopsim.load_scenario(ROOT / path).with_overrides(SMALL)
    _both(sc, seed, (SCENARIOS[path],))


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_variation_same_on_both_engines(name):
    path, policies, overrides, active = VARIATIONS[name]
    data = loopsim.load_scenario(ROOT / path).to_dict()
    data["policies"] = policies
    sc = validate_scenario(data).with_overrides({**SMALL, **overrides})
    _both(sc, 3, active)


def test_too_many_tiers_run_on_the_python_engine():
    """More tier thresholds than the kernel's configuration row holds: auto falls back to the
    Python engine and engine="compiled" refuses in one line (no half-configured kernel)."""
    data = loopsim.load_scenario(ROOT / "scenarios/service_tier_priority.toml").to_dict()
    data["policies"] = [{**TIER, "thresholds": [float(i) for i in range(1, 48)]}]
    sc = validate_scenario(data)
    assert "47 thresholds" in compiled.unsupported(sc)
    assert choose_engine(sc, "auto") == "python"
    with pytest.raises(LoopsimError, match="47 thresholds"):
        choose_engine(sc, "compiled")
    data["policies"] = [{**TIER, "thresholds": [float(i) for i in range(1, 47)]}]
    assert compiled.unsupported(validate_scenario(data)) is None
