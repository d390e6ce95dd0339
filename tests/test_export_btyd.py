"""Export for lifelines / PyMC-Marketing: the layout they read, and a BTYD fit of the exported
simulated log recovers the simulated population (loopsim -> export -> BG/NBD -> same parameters).

lifetimes (``summary_data_from_transaction_data(df, "customer_id", "date",
monetary_value_col="monetary_value")``) and PyMC-Marketing (``clv.utils.rfm_summary(df,
customer_id_col="customer_id", datetime_col="date", monetary_value_col="monetary_value")``) need
an integer/str customer id, a parseable datetime and a float amount; the RFM summary has their
``frequency, recency, T, monetary_value`` names. Neither library is installed here; loopsim's own
``rfm_summary`` + ``fit_bgnbd`` (which reproduce lifetimes' CDNOW numbers, tests/unit/test_btyd.py)
stand in for them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from loopsim.btyd import fit_bgnbd, fit_gammagamma
from loopsim.calibrate import merge_same_day, rfm_summary

ROOT = Path(__file__).resolve().parents[1]
KNOWN = ROOT / "scenarios" / "calibrated" / "cdnow_base.toml"   # the published CDNOW BG/NBD values
TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}
HORIZON = 546


def export(tmp: Path, n: int, seed: int, suffix: str = ".csv") -> tuple[Path, Path, Path]:
    out, rfm, cust = tmp / f"tx{suffix}", tmp / f"rfm{suffix}", tmp / f"customers{suffix}"
    r = subprocess.run([sys.executable, "-m", "loopsim.cli", "export-transactions", str(KNOWN),
                        "--out", str(out), "--rfm", str(rfm), "--customers", str(cust),
                        "--seed", str(seed), "--set", f"market.initial_customers={n}",
                        "--start-date", "2001-03-05"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return out, rfm, cust


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return {n: export(tmp_path_factory.mktemp(f"n{n}"), n, seed=5) for n in (2000, 8000)}


def test_csv_layout_is_what_btyd_libraries_read(exported):
    tx_path, rfm_path, cust_path = exported[2000]
    raw = pd.read_csv(tx_path)
    assert list(raw.columns) == ["customer_id", "date", "monetary_value"]
    assert raw["customer_id"].dtype == "int64" and raw["monetary_value"].dtype == "float64"
    assert pd.api.types.is_string_dtype(raw["date"])       # ISO text: 2001-03-05 00:06:36
    assert raw["date"].str.fullmatch(r"\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d)?").all()
    tx = pd.read_csv(tx_path, parse_dates=["date"])
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert tx["date"].min() >= pd.Timestamp("2001-03-05")
    assert tx["date"].max() < pd.Timestamp("2001-03-05") + pd.Timedelta(days=HORIZON)
    assert (tx["monetary_value"] > 0).all() and not tx.isna().any().any()
    assert tx["customer_id"].nunique() == 2000

    rfm = pd.read_csv(rfm_path)
    assert list(rfm.columns) == ["customer_id", "frequency", "recency", "T", "monetary_value"]
    assert rfm["frequency"].dtype == "int64"
    assert all(rfm[c].dtype == "float64" for c in ("recency", "T", "monetary_value"))
    assert len(rfm) == 2000 and (rfm["recency"] <= rfm["T"]).all()
    assert (rfm.loc[rfm["frequency"] == 0, "monetary_value"] == 0).all()

    # lifelines: durations and event flags
    cust = pd.read_csv(cust_path)
    assert {"customer_id", "tenure_days", "churned"} <= set(cust.columns)
    assert cust["churned"].dtype == bool and (cust["tenure_days"] >= 0).all()


def test_rfm_file_equals_rfm_of_the_exported_log(exported):
    tx_path, rfm_path, _ = exported[2000]
    tx = pd.read_csv(tx_path, parse_dates=["date"])
    merged = merge_same_day(tx.rename(columns={"date": "time", "monetary_value": "amount"}))
    end = pd.Timestamp("2001-03-05") + pd.Timedelta(days=HORIZON)
    mine = rfm_summary(merged, calibration_end=end).reset_index()
    pd.testing.assert_frame_equal(mine, pd.read_csv(rfm_path), check_dtype=False)


@pytest.mark.parametrize("n", [2000, 8000])
def test_bgnbd_fit_of_exported_log_recovers_the_simulated_population(exported, n):
    rfm = pd.read_csv(exported[n][1])
    fit = fit_bgnbd(rfm["frequency"], rfm["recency"], rfm["T"])
    for k, true in TRUTH.items():
        z = (fit.params[k] - true) / fit.se[k]
        assert abs(z) < 3, f"n={n}: {k} = {fit.params[k]:.3f} (se {fit.se[k]:.3f}), true {true}"


def test_standard_errors_shrink_and_spend_is_recovered(exported):
    fits = {n: pd.read_csv(exported[n][1]) for n in exported}
    small = fit_bgnbd(fits[2000]["frequency"], fits[2000]["recency"], fits[2000]["T"])
    large = fit_bgnbd(fits[8000]["frequency"], fits[8000]["recency"], fits[8000]["T"])
    for k in TRUTH:
        assert large.se[k] < 0.7 * small.se[k]        # ~ 1/sqrt(4) = 0.5
    rep = fits[8000][fits[8000]["frequency"] > 0]
    gg = fit_gammagamma(rep["frequency"], rep["monetary_value"])
    for k, true in SPEND.items():
        assert abs(gg.params[k] - true) < 3 * gg.se[k], f"{k} = {gg.params[k]:.3f} ({gg.se[k]:.3f})"


def test_parquet_export(tmp_path):
    tx_path, rfm_path, _ = export(tmp_path, 300, seed=1, suffix=".parquet")
    tx = pd.read_parquet(tx_path)
    assert list(tx.columns) == ["customer_id", "date", "monetary_value"]
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert len(pd.read_parquet(rfm_path)) == 300
