"""Replications: seeds spawned from a root, identical across worker counts, sound intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import loopsim
from loopsim import theory

ROOT = Path(__file__).resolve().parents[1]


def small():
    return loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"time.horizon_days": 40, "market.initial_customers": 150, "market.marketing_budget_per_day": 20})


def test_replicate_table_and_determinism():
    sc = small()
    a = loopsim.replicate(sc, n=3, seed=7)
    assert list(a.runs["replication"]) == [0, 1, 2]
    assert (a.runs["scenario_hash"] == sc.hash).all()
    assert a.runs["profit"].nunique() == 3          # replications differ
    b = loopsim.replicate(sc, n=4, seed=7)
    pd.testing.assert_frame_equal(a.runs, b.runs.iloc[:3])   # adding replications keeps earlier ones


def test_identical_with_two_workers():
    sc = small()
    one = loopsim.replicate(sc, n=3, seed=3, workers=1)
    two = loopsim.replicate(sc, n=3, seed=3, workers=2)
    pd.testing.assert_frame_equal(one.runs, two.runs)


def test_summary_interval_covers_known_clv():
    sc = loopsim.load_scenario(ROOT / "scenarios" / "validation" / "clv_constant_retention.toml",
                               {"market.initial_customers": 400})
    exp = loopsim.replicate(sc, n=12, seed=1)
    s = exp.summary()
    row = s.loc["clv_mean"]
    assert row["ci_low"] <= theory.clv_constant_retention(100, 0.8, 0.1) <= row["ci_high"]
    boot = exp.summary(method="bootstrap").loc["clv_mean"]
    assert boot["ci_low"] < boot["mean"] < boot["ci_high"]
    assert np.isclose(row["mean"], exp.runs["clv_mean"].mean())


def test_parameter_uncertainty_draws_feed_replicate():
    from loopsim.calibrate import calibrate, cdnow_sample_path, read_transactions

    cal = calibrate(read_transactions(cdnow_sample_path()), model="bgnbd", calibration_end="1997-09-30")
    base = loopsim.load_scenario(ROOT / "scenarios" / "calibrated" / "cdnow_base.toml",
                                 {"market.initial_customers": 300, "time.horizon_days": 120})
    draws = cal.scenario_draws(base, 4, seed=5)
    exp = loopsim.replicate(draws, seed=2)
    assert len(exp.runs) == 4 and exp.runs["scenario_hash"].nunique() == 4
    fixed = loopsim.replicate(base, n=4, seed=2)
    # same seeds, different population parameters per replication
    assert not np.allclose(exp.runs["purchases"], fixed.runs["purchases"])
