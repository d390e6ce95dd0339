"""Parameter uncertainty: Calibration.scenario_draws draws each replication's population from the
fit's sampling distribution."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import loopsim
from loopsim.calibrate import calibrate, cdnow_sample_path, read_transactions

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "calibrated" / "cdnow_base.toml"


@pytest.fixture(scope="module")
def cal():
    return calibrate(read_transactions(cdnow_sample_path()), calibration_end="1997-09-30")


@pytest.fixture(scope="module")
def calibrated(cal, tmp_path_factory):
    folder = tmp_path_factory.mktemp("draws")
    path = folder / "calibrated.toml"
    path.write_text(cal.to_toml(extends=os.path.relpath(BASE, folder)))
    return loopsim.load_scenario(path)


def _seg(sc):
    return sc.population.segments[0]


def test_draws_vary_and_are_centred_on_the_estimate(cal, calibrated):
    draws = cal.scenario_draws(calibrated, 400, seed=1)
    assert len(draws) == 400
    r = np.array([_seg(s).purchase_rate.shape for s in draws])
    alpha = np.array([_seg(s).purchase_rate.rate for s in draws])
    a = np.array([_seg(s).dropout.a for s in draws])
    b = np.array([_seg(s).dropout.b for s in draws])
    q = np.array([_seg(s).spend.q for s in draws])
    est, se = cal.purchase.params, cal.purchase.se
    for name, x in (("r", r), ("alpha", alpha), ("a", a), ("b", b)):
        assert len(np.unique(x)) > 300, name                       # they vary
        # log-normal draws: the median is the MLE, the spread is the standard error
        assert np.median(x) == pytest.approx(est[name], rel=0.15 * se[name] / est[name] + 0.01), name
        assert np.std(x) == pytest.approx(se[name], rel=0.25), name
    assert np.median(q) == pytest.approx(cal.spend.params["q"], rel=0.02)
    assert np.all(q > 1)                                             # mean spend exists
    # r and alpha are strongly correlated in the fit; the draws keep that
    assert np.corrcoef(np.log(r), np.log(alpha))[0, 1] > 0.5


def test_draws_keep_everything_else_and_are_reproducible(cal, calibrated):
    d1 = cal.scenario_draws(calibrated, 3, seed=7)
    d2 = cal.scenario_draws(calibrated, 3, seed=7)
    assert [s.hash for s in d1] == [s.hash for s in d2]
    assert len({s.hash for s in d1}) == 3
    for s in d1:
        assert s.market == calibrated.market and s.time == calibrated.time
        assert s.population.time_unit_days == 7.0
        assert _seg(s).sensitivity == _seg(calibrated).sensitivity
        assert s.name.startswith(calibrated.name)
    run = loopsim.simulate(d1[0].with_overrides({"market.initial_customers": 200}), seed=1)
    assert run.summary["customers_acquired"] == 200


def test_draws_on_a_base_without_a_calibrated_segment_replace_the_population(cal):
    base = loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml")
    assert len(base.population.segments) == 2
    (s,) = cal.scenario_draws(base, 1, seed=3)
    assert [g.name for g in s.population.segments] == ["calibrated"]
    assert s.population.time_unit_days == 7.0
    assert s.funnel == base.funnel


def test_draws_can_drive_replications(cal, calibrated):
    """One replication per drawn scenario: the spread across replications now includes the
    estimation error (here: repeat purchases per customer over 78 weeks)."""
    draws = cal.scenario_draws(calibrated.with_overrides({"market.initial_customers": 500}), 4, seed=2)
    rates = [loopsim.simulate(s, seed=i).summary["purchases"] / 500 for i, s in enumerate(draws)]
    assert all(1.5 < x < 4.5 for x in rates)


def test_draws_reject_bad_n(cal, calibrated):
    with pytest.raises(ValueError, match="n must be"):
        cal.scenario_draws(calibrated, 0)
