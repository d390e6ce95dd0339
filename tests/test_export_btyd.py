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

import os
import subprocess
import sys
import tempfile
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


# ---------------------------------------------------------------------------- writing the files
def _run_main(args: list[str], capsys) -> tuple[int, str]:
    from loopsim.cli import main

    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


def _deny(*args, **kwargs):
    raise PermissionError(13, "Permission denied", "/x/.tx.csv.n08v5gel.tmp")


@pytest.mark.parametrize("where", ["mkstemp", "replace"])
def test_export_into_an_unwritable_folder_names_the_target_not_the_temp_file(
        tmp_path, monkeypatch, capsys, where):
    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setattr(*((tempfile, "mkstemp", _deny) if where == "mkstemp" else (os, "replace", _deny)))
    code, err = _run_main(["export-transactions", str(KNOWN), "--set", "market.initial_customers=30",
                           "-o", str(ro / "tx.csv")], capsys)
    assert code == 2
    assert err.strip() == f"loopsim: error: {ro / 'tx.csv'}: cannot write: Permission denied"
    assert list(ro.iterdir()) == []          # no temporary file, nothing half-written


def test_export_into_a_read_only_folder(tmp_path):
    """A real read-only folder. Root ignores folder permissions, so as root (CI) the command runs
    without the capabilities that let it (setpriv, from util-linux)."""
    import os
    import shutil

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    prefix: list[str] = []
    if os.geteuid() == 0:
        assert shutil.which("setpriv"), "running as root needs util-linux's setpriv to drop DAC override"
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    try:
        r = subprocess.run([*prefix, sys.executable, "-m", "loopsim.cli", "export-transactions", str(KNOWN),
                            "--set", "market.initial_customers=30", "-o", str(ro / "tx.csv")],
                           capture_output=True, text=True, timeout=300)
    finally:
        ro.chmod(0o755)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.strip().endswith("tx.csv: cannot write: Permission denied"), r.stderr
    assert list(ro.iterdir()) == []


def test_export_under_a_regular_file_says_the_parent_is_not_a_folder(tmp_path):
    (tmp_path / "existing_file").write_text("x")
    for out in ("existing_file/tx.csv", "existing_file/sub/tx.csv"):
        r = subprocess.run([sys.executable, "-m", "loopsim.cli", "export-transactions", str(KNOWN),
                            "--set", "market.initial_customers=30", "-o", out],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert r.returncode == 2, r.stderr
        assert r.stderr.strip() == (f"loopsim: error: {out}: cannot write: existing_file is not a "
                                    "directory"), r.stderr
    assert (tmp_path / "existing_file").read_text() == "x"


def test_atomic_writers_report_the_target_and_leave_no_temp_file(tmp_path, monkeypatch):
    from loopsim.errors import LoopsimError
    from loopsim.store import atomic_write_json, atomic_write_table, atomic_write_text

    target = tmp_path / "out" / "t.csv"
    monkeypatch.setattr(os, "replace", _deny)
    for write in (lambda: atomic_write_table(target, pd.DataFrame({"a": [1]})),
                  lambda: atomic_write_text(target, "x"),
                  lambda: atomic_write_json(target, {"a": 1})):
        with pytest.raises(LoopsimError) as exc:
            write()
        assert str(exc.value) == f"{target}: cannot write: Permission denied"
        assert list(target.parent.iterdir()) == []
    monkeypatch.undo()

    # check= sees the complete temporary file next to the target; if it raises, the old file stays
    target.write_text("old")
    seen = []

    def refuse(tmp):
        seen.append((tmp.parent, tmp.read_text()))
        raise LoopsimError("invalid")

    with pytest.raises(LoopsimError, match="invalid"):
        atomic_write_text(target, "new", check=refuse)
    assert seen == [(target.parent, "new")] and target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["t.csv"]
    atomic_write_text(target, "new", check=lambda tmp: None)
    assert target.read_text() == "new"
