"""Contractual cohort survival: the simulator against the shifted-beta-geometric model.

Source: Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing.
S(t) = B(alpha, beta + t) / B(alpha, beta). See docs/validation.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import loopsim
from loopsim import theory

from .conftest import z_value

PUBLISHED = [626.7, 473.8, 388.0, 332.1, 292.4, 262.5, 239.1]


def test_sbg_formula_reproduces_published_survivors():
    s = theory.sbg_survival(np.arange(1, 8), 0.704, 1.182) * 1000
    np.testing.assert_allclose(s, PUBLISHED, atol=0.06)


@pytest.mark.parametrize(("alpha", "beta", "seeds"),
                         [(0.704, 1.182, (1, 2)), (3.0, 8.0, (3, 4)), (0.4, 0.9, (5, 6))])
def test_cohort_survival_matches_sbg(validation_scenario, alpha, beta, seeds):
    sc = validation_scenario("sbg_cohort", **{"population.segments.0.dropout.a": alpha,
                                              "population.segments.0.dropout.b": beta})
    purchases = np.concatenate([loopsim.simulate(sc, seed=s).customers["purchases"].to_numpy()
                                for s in seeds])
    n = len(purchases)
    t = np.arange(1, 8)
    # survivors after period t made the renewal purchase at the start of period t
    sim = np.array([(purchases >= k + 1).mean() for k in t])
    expected = theory.sbg_survival(t, alpha, beta)
    # all survivor shares of all cases jointly inside 95% (Bonferroni) binomial intervals
    z = z_value(checks=len(t) * 3)
    hw = z * np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(sim - expected) <= hw), (sim * 1000, expected * 1000)


def test_aggregate_retention_rises_with_tenure(validation_scenario):
    # heterogeneity sorts the cohort: the least loyal leave first (Fader & Hardie 2007)
    sc = validation_scenario("sbg_cohort", **{"market.initial_customers": 50000})
    purchases = loopsim.simulate(sc, seed=11).customers["purchases"].to_numpy()
    alive = np.array([(purchases >= k + 1).sum() for k in range(0, 7)], dtype=float)
    retention = alive[1:] / alive[:-1]
    assert np.all(np.diff(retention) > 0), retention
    np.testing.assert_allclose(retention, theory.sbg_retention(np.arange(1, 7), 0.704, 1.182), atol=0.02)
