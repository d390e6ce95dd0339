"""From a log file to a calibrated scenario (loopsim.calibrate.cohort): the logic behind
``loopsim calibrate``, tested without the CLI."""

from __future__ import annotations

import math
import tomllib
from types import SimpleNamespace

import pandas as pd
import pytest

import loopsim
from loopsim.calibrate import (
    CohortCalibration,
    calibrate_log,
    cdnow_sample_path,
    cohort_fields,
    parse_calibration_end,
    rfm_summary,
    transaction_log,
)
from loopsim.errors import LoopsimError


def test_transaction_log_resolves_files_and_bundled_samples(tmp_path):
    f = tmp_path / "log.csv"
    f.write_text("customer_id,date,amount\n")
    assert transaction_log(f) == f
    assert transaction_log("CDNOW") == cdnow_sample_path()
    with pytest.raises(LoopsimError, match="is a directory, not a transaction log"):
        transaction_log(tmp_path)
    with pytest.raises(LoopsimError, match=r"file not found \(give a CSV/Parquet transaction log, "
                                           r"or cdnow for a bundled sample\)"):
        transaction_log(tmp_path / "missing.csv")


def test_calibration_end_takes_the_type_of_the_log_times():
    assert parse_calibration_end(None, True) is None
    assert parse_calibration_end("1997-09-30", True) == pd.Timestamp("1997-09-30")
    assert parse_calibration_end("273", False) == 273.0
    with pytest.raises(LoopsimError, match=r"--calibration-end: '1997-13-45' is not a date like"):
        parse_calibration_end("1997-13-45", True)
    with pytest.raises(LoopsimError, match=r"is not a number of days \(the log's times are numbers\)"):
        parse_calibration_end("1997-09-30", False)


def test_cohort_fields_follow_the_log():
    # first purchases on days 0, 3 and 10; the last purchase on day 40.5
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3], "time": [0.0, 20.0, 3.0, 10.0, 40.5],
                       "amount": 1.0})
    cal = SimpleNamespace(rfm=rfm_summary(tx, unit_days=7.0), unit_days=7.0)
    fields = cohort_fields(cal, tx)
    assert fields["time"] == {"horizon_days": 42.0}          # ceil(40.5 + 1)
    assert fields["market"] == {"initial_customers": 3, "initial_first_purchase": True,
                                "initial_spread_days": 10.0}  # first purchases over days 0..10


@pytest.fixture(scope="module")
def numeric_log(tmp_path_factory):
    """600 CDNOW customers with times in days since 1997-01-01 (numeric times)."""
    df = pd.read_csv(cdnow_sample_path())
    df = df[df["customer_id"] <= 600]
    days = (pd.to_datetime(df["date"]) - pd.Timestamp("1997-01-01")).dt.days
    out = tmp_path_factory.mktemp("log") / "days.csv"
    pd.DataFrame({"customer_id": df["customer_id"], "day": days, "amount": df["amount"]}).to_csv(out, index=False)
    return out


def test_calibrate_log_builds_a_cohort_and_writes_only_when_asked(numeric_log, tmp_path):
    out = tmp_path / "cohort.toml"
    done = calibrate_log(numeric_log, out, time_col="day", calibration_end="272")
    assert not out.exists()   # nothing written before write()
    assert done.extends is None and done.log == numeric_log
    assert done.calibration.calibration_end == done.calibration_end == 272.0
    raw = pd.read_csv(numeric_log)
    assert len(done.transactions) == len(raw.drop_duplicates(["customer_id", "day"]))  # merged by day
    doc = tomllib.loads(done.text)
    assert doc["name"] == "Calibrated on days.csv (bgnbd)"
    span = pd.read_csv(numeric_log)["day"]
    assert doc["time"]["horizon_days"] == math.ceil(span.max() - span.min() + 1)
    assert doc["market"]["initial_customers"] == len(done.calibration.rfm) == 600
    done.write()
    sc = loopsim.load_scenario(out)
    assert sc.market.initial_customers == 600
    assert sc.population.segments[0].dropout.dist == "beta"


def test_calibrate_log_with_a_base_writes_its_path_relative_to_the_output(numeric_log, tmp_path):
    base = tmp_path / "base" / "shop.toml"
    base.parent.mkdir()
    base.write_text('name = "shop"\n')
    done = calibrate_log(numeric_log, tmp_path / "out" / "cal.toml", extends=base, time_col="day",
                         amount_col="")
    assert done.extends == "../base/shop.toml" and done.calibration_end is None
    doc = tomllib.loads(done.text)
    assert doc["extends"] == "../base/shop.toml" and "market" not in doc and "time" not in doc
    assert done.calibration.spend is None and "spend" not in doc["population"]["segments"][0]


def test_bad_targets_are_refused_before_any_fitting(tmp_path):
    log = cdnow_sample_path()
    with pytest.raises(LoopsimError, match="--out must be a scenario file name"):
        calibrate_log(log, tmp_path)
    with pytest.raises(LoopsimError, match="--extends: base scenario not found"):
        calibrate_log(log, tmp_path / "x.toml", extends=tmp_path / "nowhere.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[time]\nhorizon_days = -1\n")
    with pytest.raises(LoopsimError, match=r"^--extends .*broken.toml"):
        calibrate_log(log, tmp_path / "x.toml", extends=broken)
    empty = tmp_path / "empty.csv"
    empty.write_text("customer_id,date,amount\n")
    with pytest.raises(LoopsimError, match=r"empty.csv: no transactions"):
        calibrate_log(empty, tmp_path / "x.toml")


def test_write_refuses_an_invalid_scenario_and_leaves_nothing(tmp_path):
    out = tmp_path / "cal.toml"
    done = CohortCalibration(calibration=None, log=tmp_path / "log.csv", out=out,
                             text="[time]\nhorizon_days = -1\n")
    with pytest.raises(LoopsimError, match=r"cal.toml: the calibrated scenario would be invalid: "
                                           r"time.horizon_days"):
        done.write()
    assert list(tmp_path.iterdir()) == []
