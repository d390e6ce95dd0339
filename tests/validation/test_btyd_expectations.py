"""Expected repeat purchases E[X(t)] of a cohort: the simulator against BG/NBD and Pareto/NBD.

Sources: Fader, Hardie & Lee (2005), "Counting your customers the easy way" (BG/NBD, eq. 7) and
Schmittlein, Morrison & Colombo (1987) / Fader, Hardie & Lee (2005) for Pareto/NBD. CDNOW
estimates from the CDNOW sample (weeks). See docs/validation.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loopsim
from loopsim.btyd import bgnbd_expected_purchases, paretonbd_expected_purchases

from .conftest import mean_ci

CHECKS = 12   # 6 parameter sets x 2 horizons: Bonferroni for a 95% family-wise level


def repeat_purchases(run, weeks: float) -> pd.Series:
    """Repeat purchases in (0, t] per customer of a cohort whose first purchase is at day 0."""
    tx = run.transactions
    counts = tx[tx["time"] <= weeks * 7.0].groupby("customer_id").size()
    return counts.reindex(run.customers["customer_id"], fill_value=0) - 1


def pooled(scenario, seeds, weeks):
    out = {w: [] for w in weeks}
    for s in seeds:
        run = loopsim.simulate(scenario, seed=s)
        for w in weeks:
            out[w].append(repeat_purchases(run, w).to_numpy())
    return {w: np.concatenate(v) for w, v in out.items()}


def test_closed_forms_reproduce_published_values():
    assert bgnbd_expected_purchases(39, 0.243, 4.414, 0.793, 2.426) == pytest.approx(1.1967, abs=6e-4)
    assert bgnbd_expected_purchases(78, 0.243, 4.414, 0.793, 2.426) == pytest.approx(1.8605, abs=6e-4)
    assert paretonbd_expected_purchases(39, 0.553, 10.578, 0.606, 11.669) == pytest.approx(1.2130, abs=6e-4)
    assert paretonbd_expected_purchases(78, 0.553, 10.578, 0.606, 11.669) == pytest.approx(1.9094, abs=6e-4)


@pytest.mark.parametrize(
    ("r", "alpha", "a", "b", "seeds"),
    [
        (0.243, 4.414, 0.793, 2.426, (1, 2)),   # CDNOW: 1.1967 at 39 weeks, 1.8605 at 78
        (1.5, 6.0, 1.2, 4.0, (3,)),
        (0.8, 2.0, 0.5, 6.0, (4,)),
    ],
)
def test_bgnbd_expected_repeat_purchases(validation_scenario, r, alpha, a, b, seeds):
    sc = validation_scenario("bgnbd_cdnow", **{
        "population.segments.0.purchase_rate.shape": r, "population.segments.0.purchase_rate.rate": alpha,
        "population.segments.0.dropout.a": a, "population.segments.0.dropout.b": b})
    x = pooled(sc, seeds, (39, 78))
    for w in (39, 78):
        m, hw = mean_ci(x[w], checks=CHECKS)
        theory = float(bgnbd_expected_purchases(w, r, alpha, a, b))
        assert abs(m - theory) <= hw, f"t={w}: simulated {m:.4f} +- {hw:.4f}, theory {theory:.4f}"


@pytest.mark.parametrize(
    ("r", "alpha", "s", "beta", "seeds"),
    [
        (0.553, 10.578, 0.606, 11.669, (1, 2)),   # CDNOW: 1.2130 at 39 weeks, 1.9094 at 78
        (2.0, 10.0, 1.5, 20.0, (3,)),
        (0.5, 3.0, 3.0, 40.0, (4,)),
    ],
)
def test_paretonbd_expected_repeat_purchases(validation_scenario, r, alpha, s, beta, seeds):
    sc = validation_scenario("paretonbd_cdnow", **{
        "population.segments.0.purchase_rate.shape": r, "population.segments.0.purchase_rate.rate": alpha,
        "population.segments.0.churn_hazard.shape": s, "population.segments.0.churn_hazard.rate": beta})
    x = pooled(sc, seeds, (39, 78))
    for w in (39, 78):
        m, hw = mean_ci(x[w], checks=CHECKS)
        theory = float(paretonbd_expected_purchases(w, r, alpha, s, beta))
        assert abs(m - theory) <= hw, f"t={w}: simulated {m:.4f} +- {hw:.4f}, theory {theory:.4f}"
