"""Both engines give the same run with the compiled cash-back and discount offers (issue 13).

No bundled scenario has either offer, so each variation puts them on the baseline at a reduced
size, with two seeds, and reaches their branches: money back vs money off, the cap, the fixed
part, the minimum basket, ``max_uses``, the three ``applies_to`` (``every`` with the rate uplift,
``first`` with the purchase-stage conversion uplift, ``winback`` with the win-back uplift and the
pending offer), behaviour off, heavy buyers' response, dilution, both churn processes, and an
offer after a punch card's discount (its amount is a share of what is left to pay). Each run must
show the offers at work on the Python engine, so that an offer doing nothing on both engines
cannot pass. Equality as ``tests/engine/equal.py`` defines it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import loopsim
from loopsim.scenario import validate_scenario

from .equal import assert_same_run, both_engines

ROOT = Path(__file__).resolve().parents[2]
SEEDS = (4, 5)
#: reduced size: customers at day 0, horizon (days)
SMALL = {"market.initial_customers": 200, "time.horizon_days": 100.0}
#: a generous win-back, so that win-back offers are used within the short horizon
WINBACK = {"journey.winback.delay_days": 10.0, "journey.winback.success_probability": 0.5}

CASHBACK_EVERY = {"type": "cashback", "percent": 0.03, "fixed": 0.5, "cap": 2.0, "min_basket": 20.0,
                  "rate_uplift": 0.3, "operating_cost_per_day": 5.0, "cost_per_member_per_day": 0.01}
DISCOUNT_FIRST = {"type": "discount", "percent": 1.0, "fixed": 5.0, "applies_to": "first", "min_basket": 30.0,
                  "conversion_uplift": 0.5, "behaviour": {"heavy_light": False}}
CASHBACK_WINBACK = {"type": "cashback", "percent": 0.05, "applies_to": "winback", "winback_uplift": 0.8,
                    "max_uses": 1, "behaviour": {"heavy_response": 0.5, "heavy_rate_multiple": 1.2}}
DISCOUNT_EVERY = {"type": "discount", "percent": 0.1, "rate_uplift": 0.5, "max_uses": 3,
                  "behaviour": {"enabled": False}}
PUNCH = {"type": "punch_card", "stamps_required": 4}
#: name -> (policies, overrides, summary values that must be positive on the Python engine)
VARIATIONS = {
    "cashback on every purchase, capped, hazard churn": (
        [CASHBACK_EVERY], {}, ("cashback_paid", "cashback_uses")),
    "welcome discount and win-back cashback, per-purchase churn, dilution": (
        [CASHBACK_WINBACK, DISCOUNT_FIRST],
        {**WINBACK, "journey.churn.process": "per_purchase", "market.competing_programmes": 2},
        ("cashback_uses", "discount_uses", "winbacks")),
    "discount after a punch card, behaviour off, max uses, new cohort": (
        [PUNCH, DISCOUNT_EVERY], {"market.initial_first_purchase": True},
        ("discount_paid", "punch_card_redemptions")),
}


def _scenario(policies: list[dict], overrides: dict) -> loopsim.Scenario:
    data = loopsim.load_scenario(ROOT / "scenarios/baseline.toml").to_dict()
    data["policies"] = policies
    return validate_scenario(data).with_overrides({**SMALL, **overrides})


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_offers_same_on_both_engines(name, seed):
    policies, overrides, active = VARIATIONS[name]
    sc = _scenario(policies, overrides)
    py, co = both_engines(sc, seed)
    for key in active:
        assert py.summary[key] > 0, f"{key} = {py.summary[key]}: the offer did nothing to compare"
    assert_same_run(py, co, f"{name}, seed {seed}")
