"""Real (small) runs, a comparison, a sweep and a calibration shared by the figure tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loopsim

from ..report_fixtures import small


@pytest.fixture(scope="session")
def designs() -> dict[str, loopsim.Scenario]:
    return {"base": small("baseline"), "points": small("retailer_points")}


@pytest.fixture(scope="session")
def runs(designs) -> dict[str, list[loopsim.RunResult]]:
    """Three replications of each design (same seeds: common random numbers)."""
    return {k: [loopsim.simulate(sc, seed=np.random.SeedSequence(3, spawn_key=(r,))) for r in range(3)]
            for k, sc in designs.items()}


@pytest.fixture(scope="session")
def comparison(designs):
    from loopsim.experiment import compare

    return compare(designs, n=4, seed=3, progress=False)


@pytest.fixture(scope="session")
def sweep_runs(designs) -> pd.DataFrame:
    from loopsim.experiment import sweep

    return sweep(designs["base"], grid={"service.agents": [1, 2], "market.marketing_budget_per_day": [10.0, 60.0]},
                 n=2, seed=3, progress=False)


@pytest.fixture(scope="session")
def cdnow():
    """The bundled CDNOW sample and its BG/NBD fit with a holdout from October 1997."""
    from loopsim import calibrate as cal_mod

    tx = cal_mod.read_transactions(cal_mod.cdnow_sample_path())
    end = pd.Timestamp("1997-09-30")
    cal = cal_mod.calibrate(tx, calibration_end=end)
    hold = cal_mod.rfm_summary(tx, calibration_end=end, observation_end=tx["time"].max(), unit_days=cal.unit_days)
    return cal, tx, hold
