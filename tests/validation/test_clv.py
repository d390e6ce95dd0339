"""CLV with constant retention: the simulator against m (1 + d) / (1 + d - r).

Source: Fader & Hardie (2012), "Reconciling and clarifying CLV formulas". See docs/validation.md.
"""

from __future__ import annotations

import math

import pytest

import loopsim
from loopsim import theory

from .conftest import mean_ci

CASES = [
    (0.8, 100.0, 0.10, 365.0, 1),     # the textbook case: 366.67
    (0.6, 40.0, 0.05, 365.0, 2),
    (0.9, 25.0, 0.20, 365.0, 3),
    (0.75, 10.0, 0.12, 30.0, 4),      # monthly periods: d per period from the annual rate
]


@pytest.mark.parametrize(("retention", "margin", "annual_discount", "period_days", "seed"), CASES)
def test_clv_matches_constant_retention_formula(validation_scenario, retention, margin,
                                                annual_discount, period_days, seed):
    periods = math.ceil(math.log(1e-7) / math.log(retention)) + 2    # r^periods negligible
    sc = validation_scenario(
        "clv_constant_retention",
        **{
            "population.segments.0.dropout.value": 1.0 - retention,
            "population.segments.0.spend.customer_mean.value": margin,
            "population.time_unit_days": period_days,
            "time.discount_rate_annual": annual_discount,
            "time.horizon_days": periods * period_days,
        },
    )
    d = (1.0 + annual_discount) ** (period_days / 365.0) - 1.0
    expected = theory.clv_constant_retention(margin, retention, d)
    run = loopsim.simulate(sc, seed=seed)
    m, hw = mean_ci(run.customers["clv"], checks=len(CASES))
    assert abs(m - expected) <= hw, f"simulated {m:.3f} +- {hw:.3f}, theory {expected:.3f}"
    # the discounted profit of the whole cohort is the same quantity in aggregate
    assert run.summary["profit_discounted"] / run.summary["customers_acquired"] == pytest.approx(m, rel=1e-9)


def test_clv_textbook_value():
    assert theory.clv_constant_retention(100, 0.8, 0.1) == pytest.approx(366.6667, abs=1e-3)
