"""Calibrate on CDNOW, simulate the calibrated cohort, and forecast the holdout period.

The CDNOW sample (Fader, Hardie & Lee 2005) is fitted with the BG/NBD on its 39-week calibration
period (1997-01-01 .. 1997-09-30); the fitted population is put into
``scenarios/calibrated/cdnow_base.toml`` (a closed cohort, first purchases spread over 12 weeks,
78-week horizon) exactly as ``loopsim calibrate cdnow --extends ...`` does, and simulated.

1. **Simulator = model.** Given each simulated customer's first-purchase time ``a``, the BG/NBD
   expects ``E[X((546 - a)/7)] - E[X((273 - a)/7)]`` repeat purchases in the holdout weeks
   (days 273..546, i.e. 1997-10-01 .. 1998-06-30; eq. 7 of the paper). The simulated mean must
   match the mean expectation within a 95% confidence interval (Bonferroni over 2 checks).
2. **Simulator vs the data.** What an analyst cares about: the simulated cohort, scaled to the
   2,357 customers, should track the *actual* CDNOW cumulative repeat purchases week by week
   (within 10% from week 20 to week 78, where the counts are large enough for a ratio to mean
   something) and forecast the actual holdout repeat purchases (1,882) within 15%. The tolerances
   are looser and documented: the fitted model is itself only approximately right for the data
   (at the actual first-purchase dates the BG/NBD expects 1,667 holdout repeat purchases, 11%
   low, though its cumulative curve stays within a few percent), and the simulated first
   purchases are spread uniformly over the quarter rather than on the actual days.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loopsim
from loopsim.btyd import bgnbd_expected_purchases
from loopsim.calibrate import calibrate, cdnow_sample_path, read_transactions, rfm_summary

from .conftest import mean_ci

ROOT = Path(__file__).resolve().parents[2]
BASE_SCENARIO = ROOT / "scenarios" / "calibrated" / "cdnow_base.toml"
CAL_END, OBS_END = "1997-09-30", "1998-06-30"
DAY0 = pd.Timestamp("1997-01-01")
T_CAL, T_END = 273.0, 546.0          # simulated days: calibration [0, 273), holdout [273, 546)
N_SIM, SEEDS = 20000, (1, 2, 3, 4)


@pytest.fixture(scope="module")
def tx():
    return read_transactions(cdnow_sample_path())


@pytest.fixture(scope="module")
def cal(tx):
    return calibrate(tx, model="bgnbd", calibration_end=CAL_END, source="cdnow_sample.csv")


@pytest.fixture(scope="module")
def runs(cal, tmp_path_factory, engine):   # engine: one set of runs per engine (conftest)
    folder = tmp_path_factory.mktemp("calibrated")
    path = folder / "calibrated.toml"
    path.write_text(cal.to_toml(extends=os.path.relpath(BASE_SCENARIO, folder)))
    sc = loopsim.load_scenario(path, {"market.initial_customers": N_SIM})
    assert sc.time.horizon_days == T_END and sc.market.initial_spread_days == 84
    return [loopsim.simulate(sc, seed=s) for s in SEEDS]


def _holdout(run) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: first-purchase day and repeat purchases in the holdout [273, 546)."""
    t = run.transactions
    hold = t[(t["time"] >= T_CAL) & (t["time"] < T_END)].groupby("customer_id").size()
    c = run.customers
    return c["acquired_at"].to_numpy(), hold.reindex(c["customer_id"], fill_value=0).to_numpy()


def test_simulated_holdout_matches_the_fitted_bgnbd(cal, runs):
    p = cal.purchase.params
    diffs, sims, exps = [], [], []
    for run in runs:
        a, y = _holdout(run)
        assert len(a) == N_SIM and a.max() <= 84.0
        e = (bgnbd_expected_purchases((T_END - a) / 7.0, **p)
             - bgnbd_expected_purchases((T_CAL - a) / 7.0, **p))
        diffs.append(y - e)
        sims.append(y)
        exps.append(e)
    d = np.concatenate(diffs)
    m, hw = mean_ci(d, checks=2)
    sim, model = np.concatenate(sims).mean(), np.concatenate(exps).mean()
    print(f"holdout repeat purchases per customer: simulated {sim:.4f}, BG/NBD {model:.4f}, "
          f"difference {m:+.4f} +- {hw:.4f}")
    assert abs(m) <= hw, f"simulated {sim:.4f} vs model {model:.4f}: {m:+.4f} outside +-{hw:.4f}"


def test_forecast_tracks_actual_cdnow_holdout(cal, tx, runs):
    rfm = rfm_summary(tx, calibration_end=CAL_END, observation_end=OBS_END)
    actual = int(rfm["frequency_holdout"].sum())              # 1,882 repeat purchases
    assert actual == 1882
    p = cal.purchase.params
    T, hold_weeks = rfm["T"].to_numpy(), float(rfm["duration_holdout"].iloc[0])
    model = float(np.sum(bgnbd_expected_purchases(T + hold_weeks, **p)
                         - bgnbd_expected_purchases(T, **p)))
    n_actual = len(rfm)
    sim = np.mean([_holdout(r)[1].sum() for r in runs]) * n_actual / N_SIM
    print(f"CDNOW holdout repeat purchases (2,357 customers): simulated {sim:.0f}, "
          f"BG/NBD at the actual first-purchase dates {model:.0f}, actual {actual}")
    # the BG/NBD itself forecasts the holdout weeks ~11% low for CDNOW (1,667 vs 1,882 at the
    # actual first-purchase dates), so the holdout-only totals get 15%; cumulative totals 10%
    assert abs(model - actual) / actual < 0.15
    assert abs(sim - actual) / actual < 0.15

    # cumulative repeat purchases, week by week (calendar weeks since 1997-01-01)
    weeks = np.arange(10, 79)
    first = tx.groupby("customer_id")["time"].transform("min")
    rep_days = ((tx["time"] - DAY0).dt.days.to_numpy() + 0.5)[(tx["time"] > first).to_numpy()]
    actual_cum = np.array([(rep_days < 7 * w).sum() for w in weeks], dtype=float)
    sim_cum = np.zeros(len(weeks))
    for run in runs:
        t = run.transactions
        first_sim = t.groupby("customer_id")["time"].transform("min")
        rep = t.loc[t["time"] > first_sim, "time"].to_numpy()
        sim_cum += np.array([(rep < 7 * w).sum() for w in weeks]) * n_actual / N_SIM / len(runs)
    rel = np.abs(sim_cum - actual_cum) / actual_cum
    print("week  actual  simulated")
    for w, ac, sc in zip(weeks[::8], actual_cum[::8], sim_cum[::8], strict=True):
        print(f"{w:4d}  {ac:6.0f}  {sc:9.0f}")
    # early weeks have few repeat purchases (noisy ratios); from week 20 on within 10%
    late = weeks >= 20
    assert rel[late].max() < 0.10, f"max relative error {rel[late].max():.3f}"
    assert abs(sim_cum[-1] - actual_cum[-1]) / actual_cum[-1] < 0.10
