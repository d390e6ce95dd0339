"""`loopsim calibrate` and `loopsim export-transactions` end to end, including bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import loopsim
from loopsim.calibrate import cdnow_sample_path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "calibrated" / "cdnow_base.toml"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loopsim.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def one_line_error(r: subprocess.CompletedProcess, *needles: str) -> None:
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("loopsim: error: "), r.stderr
    assert "Traceback" not in r.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture(scope="module")
def small_log(tmp_path_factory) -> Path:
    """A slice of CDNOW with other column names and compact dates (YYYYMMDD)."""
    df = pd.read_csv(cdnow_sample_path())
    df = df[df["customer_id"] <= 600]
    out = tmp_path_factory.mktemp("log") / "shop.csv"
    pd.DataFrame({"cust": df["customer_id"], "when": df["date"].str.replace("-", ""),
                  "value": df["amount"]}).to_csv(out, index=False)
    return out


def test_calibrate_bundled_sample_with_extends(tmp_path):
    r = cli("calibrate", "cdnow", "--calibration-end", "1997-09-30", "--extends", str(BASE),
            "--out", "study/nested/calibrated.toml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for s in ("BG/NBD", "0.2426", "4.414", "0.7929", "2.426", "-9,582.43", "Gamma-Gamma", "se"):
        assert s in r.stdout, s
    out = tmp_path / "study" / "nested" / "calibrated.toml"
    text = out.read_text()
    rel = os.path.relpath(BASE, out.parent).replace(os.sep, "/")
    assert f'extends = "{rel}"' in text and not Path(rel).is_absolute()
    assert not list(out.parent.glob(".*tmp*")) and not list(out.parent.glob(".calibrated.*"))
    # loads from anywhere (paths relative to the file), and runs
    sc = loopsim.load_scenario(out)
    seg = sc.population.segments[0]
    assert seg.purchase_rate.shape == pytest.approx(0.2426, abs=1e-4)
    assert seg.dropout.b == pytest.approx(2.426, abs=1e-3)
    assert sc.market.initial_customers == 2357 and sc.population.time_unit_days == 7
    r2 = cli("check", str(out), cwd=ROOT / "docs")
    assert r2.returncode == 0, r2.stderr
    r3 = cli("run", str(out.relative_to(tmp_path)), "--set", "market.initial_customers=300", cwd=tmp_path)
    assert r3.returncode == 0 and "customers_acquired" in r3.stdout, r3.stderr


def test_calibrate_without_extends_writes_a_cohort_like_the_log(small_log, tmp_path):
    r = cli("calibrate", str(small_log), "--customer-col", "cust", "--time-col", "when",
            "--amount-col", "value", "--time-format", "%Y%m%d", "--model", "paretonbd",
            "--out", str(tmp_path / "c.toml"))
    assert r.returncode == 0, r.stderr
    assert "Pareto/NBD" in r.stdout and "beta" in r.stdout
    sc = loopsim.load_scenario(tmp_path / "c.toml")
    assert sc.market.initial_customers == 600 and sc.market.initial_first_purchase
    assert 0 < sc.market.initial_spread_days <= 90
    assert sc.time.horizon_days == 546
    assert sc.population.segments[0].churn_hazard.dist == "gamma"
    run = loopsim.simulate(sc, seed=1)
    assert run.summary["customers_acquired"] == 600


def test_calibrate_parquet_log_days_unit_and_no_amounts(tmp_path):
    df = pd.read_csv(cdnow_sample_path()).head(3000)
    df["date"] = pd.to_datetime(df["date"])
    log = tmp_path / "log.parquet"
    df[["customer_id", "date"]].to_parquet(log)
    r = cli("calibrate", str(log), "--amount-col", "", "--unit-days", "1", "--out", str(tmp_path / "p.toml"))
    assert r.returncode == 0, r.stderr
    assert "Gamma-Gamma" not in r.stdout and "rates per 1 days" in r.stdout
    sc = loopsim.load_scenario(tmp_path / "p.toml")
    assert sc.population.time_unit_days == 1


def test_calibrate_overwrites_atomically_and_keeps_old_file_on_error(tmp_path):
    out = tmp_path / "c.toml"
    out.write_text("old")
    r = cli("calibrate", "cdnow", "--time-col", "nope", "--out", str(out))
    one_line_error(r, "cdnow_sample.csv", "'nope'")
    assert out.read_text() == "old"


@pytest.mark.parametrize(("args", "needles"), [
    (["missing.csv"], ["missing.csv", "not found"]),
    (["{log}", "--customer-col", "cust", "--time-col", "nope"], ["shop.csv", "'nope'"]),
    (["{log}", "--customer-col", "nope", "--time-col", "when"], ["shop.csv", "'nope'"]),
    (["{log}", "--time-col", "when", "--customer-col", "cust"], ["shop.csv", "'amount'"]),
    (["{log}", "--time-col", "cust", "--customer-col", "when", "--amount-col", "value",
      "--time-format", "%Y-%m"], ["shop.csv", "'cust'", "parsed"]),
    (["{log}", "--time-col", "when", "--customer-col", "cust", "--amount-col", "cust",
      "--time-format", "%Y%m%d", "--calibration-end", "1997-13-45"], ["--calibration-end", "1997-13-45"]),
    (["{log}", "--time-col", "when", "--customer-col", "cust", "--amount-col", "value",
      "--time-format", "%Y%m%d", "--calibration-end", "1990-01-01"], ["shop.csv", "no customers"]),
    (["cdnow", "--extends", "nowhere.toml"], ["nowhere.toml", "--extends"]),
    (["cdnow", "--model", "weibull"], ["--model", "weibull"]),
])
def test_calibrate_bad_input_is_one_line_exit_2(small_log, tmp_path, args, needles):
    args = [a.replace("{log}", str(small_log)) for a in args]
    one_line_error(cli("calibrate", *args, "--out", str(tmp_path / "x.toml")), *needles)
    assert not (tmp_path / "x.toml").exists()


def test_calibrate_unparsable_dates(tmp_path):
    log = tmp_path / "bad_dates.csv"
    log.write_text("customer_id,date,amount\n1,2020-01-01,3\n1,yesterday,4\n")
    one_line_error(cli("calibrate", str(log), "--out", str(tmp_path / "x.toml")),
                   "bad_dates.csv", "'date'")


def test_export_transactions_csv_and_rfm(tmp_path):
    r = cli("export-transactions", str(BASE), "--set", "market.initial_customers=300", "--seed", "4",
            "--out", str(tmp_path / "tx.csv"), "--rfm", str(tmp_path / "rfm.csv"))
    assert r.returncode == 0, r.stderr
    assert "customer_id, date, monetary_value" in r.stdout
    tx = pd.read_csv(tmp_path / "tx.csv", parse_dates=["date"])
    assert list(tx.columns) == ["customer_id", "date", "monetary_value"]
    assert tx["customer_id"].nunique() == 300
    rfm = pd.read_csv(tmp_path / "rfm.csv")
    assert list(rfm.columns) == ["customer_id", "frequency", "recency", "T", "monetary_value"]
    # same seed, same file
    r2 = cli("export-transactions", str(BASE), "--set", "market.initial_customers=300", "--seed", "4",
             "--out", str(tmp_path / "tx2.csv"))
    assert r2.returncode == 0
    assert (tmp_path / "tx.csv").read_bytes() == (tmp_path / "tx2.csv").read_bytes()


@pytest.mark.parametrize(("args", "needles"), [
    (["nowhere.toml", "--out", "{tmp}/tx.csv"], ["nowhere.toml", "not found"]),
    ([str(BASE), "--out", "{tmp}/tx.txt"], ["tx.txt", ".csv or .parquet"]),
    ([str(BASE), "--out", "{tmp}/tx.csv", "--rfm", "{tmp}/rfm.json"], ["rfm.json", "--rfm"]),
    ([str(BASE), "--out", "{tmp}/tx.csv", "--start-date", "someday"], ["--start-date", "someday"]),
    ([str(BASE), "--out", "{tmp}/tx.csv", "--set", "market.initial_customers=-1"],
     ["market.initial_customers"]),
])
def test_export_bad_input_is_one_line_exit_2(tmp_path, args, needles):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    one_line_error(cli("export-transactions", *args), *needles)
    assert not (tmp_path / "tx.csv").exists()


# ---------------------------------------------------------------------------- audit: bad logs
def _cdnow_with(tmp: Path, name: str, row: int, value: str) -> Path:
    """The CDNOW sample with data row ``row`` (1-based) of the amount column replaced."""
    lines = cdnow_sample_path().read_text().splitlines()
    cells = lines[row].split(",")
    cells[-1] = value
    lines[row] = ",".join(cells)
    out = tmp / name
    out.write_text("\n".join(lines) + "\n")
    return out


BAD_LOGS = {
    "notadate.csv": "customer_id,date,amount\n1,2020-01-01,3\n1,notadate,4\n",
    "firstbad.csv": "customer_id,date,amount\n1,notadate,3\n1,2020-01-01,4\n",
    "one_row.csv": "customer_id,date,amount\n1,2020-01-01,3\n",
    "same_day.csv": "customer_id,date,amount\n" + "".join(f"{c},2020-01-01,3\n{c},2020-01-01,2\n"
                                                        for c in range(30)),
}


@pytest.mark.parametrize(("log", "extra", "needles"), [
    ("cdnow", ["--unit-days", "nan"], ["--unit-days", "nan"]),
    ("notadate.csv", [], ["notadate.csv", "'date'", "row 2", "'notadate'", "%Y-%m-%d", "--time-format"]),
    ("firstbad.csv", [], ["firstbad.csv", "'date'", "row 1", "'notadate'", "--time-format"]),
    ("one_row.csv", [], ["one_row.csv", "too few customers", "1 customer in", "at least 20"]),
    ("same_day.csv", [], ["same_day.csv", "no customer made a repeat purchase", "30 customers"]),
    ("negative.csv", [], ["negative.csv", "'amount'", "row 5", "'-19.29'", "negative"]),
    ("huge.csv", [], ["huge.csv", "'amount'", "row 5", "'inf'", "not a finite number"]),
])
def test_calibrate_refuses_degenerate_or_bad_logs_in_one_line(tmp_path, log, extra, needles):
    for name, text in BAD_LOGS.items():
        (tmp_path / name).write_text(text)
    _cdnow_with(tmp_path, "negative.csv", 5, "-19.29")
    _cdnow_with(tmp_path, "huge.csv", 5, "1e400")
    r = cli("calibrate", log, *extra, "--out", "c.toml", cwd=tmp_path)
    one_line_error(r, *needles)
    assert "could not be parsed as times (" not in r.stderr and "You might want" not in r.stderr
    assert not (tmp_path / "c.toml").exists() and not list(tmp_path.glob(".c*"))


@pytest.mark.parametrize("case", ["parent_is_a_file", "permission_denied"])
def test_calibrate_write_errors_name_the_out_file(tmp_path, monkeypatch, capsys, case):
    import tempfile

    from loopsim.cli import main

    (tmp_path / "existing_file").write_text("x")
    (tmp_path / "ro").mkdir()
    out = tmp_path / ("existing_file" if case == "parent_is_a_file" else "ro") / "c.toml"

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "ro" / ".c.abc123.toml"))

    if case == "permission_denied":
        monkeypatch.setattr(tempfile, "mkstemp", deny)
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "cdnow", "--calibration-end", "1997-09-30", "--extends", str(BASE),
              "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2
    why = "existing_file is not a directory" if case == "parent_is_a_file" else "Permission denied"
    assert err == f"loopsim: error: {out}: cannot write: {why}".replace(
        "existing_file is", f"{tmp_path / 'existing_file'} is"), err
    assert list((tmp_path / "ro").iterdir()) == []
