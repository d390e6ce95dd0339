"""Transaction-log reading, RFM summary, calibration and export."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest
import tomli_w

from loopsim.calibrate import (
    Calibration,
    calibrate,
    cdnow_sample_path,
    read_transactions,
    rfm_summary,
    to_btyd_transactions,
)

LOG = """customer_id,date,amount
A,2020-01-01,10
A,2020-01-08,20
A,2020-01-08,5
A,2020-01-22,30
A,2020-02-05,40
B,2020-01-15,50
C,2020-02-01,70
"""


@pytest.fixture
def log_csv(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text(LOG)
    return p


def test_read_transactions_merges_same_day(log_csv):
    df = read_transactions(log_csv)
    assert list(df.columns) == ["customer_id", "time", "amount"]
    assert pd.api.types.is_datetime64_any_dtype(df["time"])
    assert len(df) == 6
    a = df[df.customer_id == "A"]
    assert a["amount"].tolist() == [10.0, 25.0, 30.0, 40.0]
    raw = read_transactions(log_csv, merge_same_day=False)
    assert len(raw) == 7


def test_read_transactions_missing_column_names_file_and_column(log_csv):
    with pytest.raises(ValueError) as exc:
        read_transactions(log_csv, amount_col="value")
    msg = str(exc.value)
    assert "'value'" in msg and "log.csv" in msg and "\n" not in msg
    with pytest.raises(ValueError, match="'when'"):
        read_transactions(log_csv, time_col="when")


def test_read_transactions_parquet_and_format(tmp_path):
    df = pd.DataFrame({"cust": [1, 1, 2], "day": ["20200101", "20200103", "20200102"],
                       "value": [1.0, 2.0, 3.0]})
    p = tmp_path / "log.parquet"
    df.to_parquet(p)
    out = read_transactions(p, customer_col="cust", time_col="day", amount_col="value",
                            time_format="%Y%m%d")
    assert out["time"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-03"),
                                    pd.Timestamp("2020-01-02")]
    assert out["customer_id"].tolist() == [1, 1, 2]


def test_read_transactions_numeric_times_are_days(tmp_path):
    p = tmp_path / "sim.csv"
    p.write_text("customer_id,time,amount\n1,0.2,5\n1,0.7,6\n1,3.5,7\n2,1.0,8\n")
    df = read_transactions(p, time_col="time")
    assert df["time"].dtype == float
    assert df["time"].tolist() == [0.2, 3.5, 1.0]
    assert df["amount"].tolist() == [11.0, 7.0, 8.0]


def test_rfm_summary_hand_computed(log_csv):
    df = read_transactions(log_csv)
    rfm = rfm_summary(df, calibration_end="2020-01-29", observation_end="2020-02-26",
                      unit_days=7.0)
    assert rfm.index.tolist() == ["A", "B"]  # C first bought after the calibration period
    a, b = rfm.loc["A"], rfm.loc["B"]
    assert a["frequency"] == 2
    assert a["recency"] == pytest.approx(3.0)  # 21 days
    assert a["T"] == pytest.approx(4.0)  # 28 days
    assert a["monetary_value"] == pytest.approx(27.5)  # repeat purchases 25 and 30
    assert a["frequency_holdout"] == 1
    assert a["duration_holdout"] == pytest.approx(4.0)
    assert b["frequency"] == 0 and b["recency"] == 0.0
    assert b["T"] == pytest.approx(2.0)
    assert b["monetary_value"] == 0.0 and b["frequency_holdout"] == 0
    # without observation_end no holdout columns; default calibration end = last transaction
    rfm2 = rfm_summary(df, unit_days=1.0)
    assert list(rfm2.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert rfm2.loc["A", "T"] == pytest.approx(35.0)
    assert rfm2.loc["C", "T"] == pytest.approx(4.0)
    assert rfm2.loc["A", "frequency"] == 3


def test_rfm_summary_float_days():
    df = pd.DataFrame({"customer_id": [1, 1, 1, 2], "time": [0.0, 7.0, 21.0, 14.0],
                       "amount": [1.0, 2.0, 4.0, 8.0]})
    rfm = rfm_summary(df, calibration_end=28.0, unit_days=7.0)
    assert rfm.loc[1].tolist() == pytest.approx([2, 3.0, 4.0, 3.0])
    assert rfm.loc[2].tolist() == pytest.approx([0, 0.0, 2.0, 0.0])


def test_rfm_summary_missing_column():
    with pytest.raises(ValueError, match="'time'"):
        rfm_summary(pd.DataFrame({"customer_id": [1], "date": ["2020-01-01"]}))


@pytest.fixture(scope="module")
def cdnow_cal() -> Calibration:
    tx = read_transactions(cdnow_sample_path())
    return calibrate(tx, model="bgnbd", calibration_end="1997-09-30", source="cdnow_sample.csv")


def test_cdnow_shipped_copy():
    raw = pd.read_csv(cdnow_sample_path())
    assert list(raw.columns) == ["customer_id", "date", "cds", "amount"]
    assert len(raw) == 6919 and raw["customer_id"].nunique() == 2357
    assert raw["date"].min() == "1997-01-01" and raw["date"].max() == "1998-06-30"


def test_calibrate_cdnow_bgnbd(cdnow_cal):
    p, s = cdnow_cal.purchase.params, cdnow_cal.spend.params
    assert p["r"] == pytest.approx(0.243, rel=0.01)
    assert p["alpha"] == pytest.approx(4.414, rel=0.01)
    assert p["a"] == pytest.approx(0.793, rel=0.01)
    assert p["b"] == pytest.approx(2.426, rel=0.01)
    assert s["p"] == pytest.approx(6.25, rel=0.01)
    assert s["q"] == pytest.approx(3.74, rel=0.01)
    assert s["gamma"] == pytest.approx(15.44, rel=0.01)
    table = cdnow_cal.summary_table()
    assert list(table.columns) == ["param", "estimate", "se"]
    assert table["param"].tolist() == ["r", "alpha", "a", "b", "p", "q", "gamma"]
    assert np.all(np.isfinite(table["se"])) and np.all(table["se"] > 0)


def test_population_fragment_shape(cdnow_cal):
    frag = cdnow_cal.population_fragment()
    pop = frag["population"]
    assert pop["time_unit_days"] == 7.0 and pop["dropout_timing"] == "after_repeat"
    (seg,) = pop["segments"]
    assert seg["name"] == "calibrated" and seg["share"] == 1.0
    assert seg["purchase_rate"]["dist"] == "gamma"
    assert seg["purchase_rate"]["shape"] == pytest.approx(0.243, rel=0.01)
    assert seg["purchase_rate"]["rate"] == pytest.approx(4.414, rel=0.01)
    assert seg["dropout"]["dist"] == "beta"
    assert seg["dropout"]["a"] == pytest.approx(0.793, rel=0.01)
    assert seg["churn_hazard"] == {"dist": "fixed", "value": 0.0}
    assert seg["spend"]["model"] == "gamma_gamma"
    assert seg["spend"]["gamma"] == pytest.approx(15.44, rel=0.01)


def test_to_toml_round_trip_and_validates(cdnow_cal):
    text = cdnow_cal.to_toml(extends="online_shop.toml")
    assert "cdnow_sample.csv" in text and "-9582.4" in text and "se " in text
    doc = tomllib.loads(text)
    assert doc["extends"] == "online_shop.toml"
    assert doc["population"] == cdnow_cal.population_fragment()["population"]
    assert "extends" not in tomllib.loads(cdnow_cal.to_toml())
    # the fragment is a valid loopsim population
    from loopsim.scenario import loads_scenario

    del doc["extends"]
    sc = loads_scenario(tomli_w.dumps(doc))
    assert sc.population.segments[0].dropout.a == pytest.approx(0.793, rel=0.01)


def test_calibrate_paretonbd_fragment():
    tx = read_transactions(cdnow_sample_path())
    cal = calibrate(tx, model="paretonbd", calibration_end="1997-09-30", spend=False)
    assert cal.spend is None
    assert cal.purchase.params["s"] == pytest.approx(0.606, rel=0.01)
    seg = cal.population_fragment()["population"]["segments"][0]
    assert seg["dropout"] == {"dist": "fixed", "value": 0.0}
    assert seg["churn_hazard"]["dist"] == "gamma"
    assert seg["churn_hazard"]["shape"] == pytest.approx(0.606, rel=0.01)
    assert seg["churn_hazard"]["rate"] == pytest.approx(11.669, rel=0.01)
    assert "spend" not in seg
    assert cal.summary_table()["param"].tolist() == ["r", "alpha", "s", "beta"]


def test_calibrate_rejects_unknown_model(log_csv):
    with pytest.raises(ValueError, match="model"):
        calibrate(read_transactions(log_csv), model="bgbb")


def test_to_btyd_transactions():
    sim = pd.DataFrame({"customer_id": np.array([3, 3, 7], dtype=np.int64),
                        "time": [0.0, 1.5, 10.25], "amount": [10.0, 12.5, 3.0],
                        "discount": [0.0, 1.0, 0.0]})
    out = to_btyd_transactions(sim, start_date="2021-03-01")
    assert list(out.columns) == ["customer_id", "date", "monetary_value"]
    assert pd.api.types.is_datetime64_any_dtype(out["date"])
    assert pd.api.types.is_integer_dtype(out["customer_id"])
    assert out["monetary_value"].dtype == float
    assert out["date"].tolist() == [pd.Timestamp("2021-03-01"), pd.Timestamp("2021-03-02 12:00"),
                                    pd.Timestamp("2021-03-11 06:00")]
    assert out["monetary_value"].tolist() == [10.0, 12.5, 3.0]
    with pytest.raises(ValueError, match="'amount'"):
        to_btyd_transactions(sim.drop(columns="amount"))


# --------------------------------------------------------------------------- bad input (audit)


def _log(tmp_path, body: str, name: str = "log.csv"):
    p = tmp_path / name
    p.write_text("customer_id,date,amount\n" + body)
    return p


@pytest.mark.parametrize("unit_days", [float("nan"), float("inf"), 0.0, -7.0, "week"])
def test_unit_days_must_be_a_finite_number_above_zero(log_csv, unit_days):
    from loopsim.errors import LoopsimError

    tx = read_transactions(log_csv)
    for call in (lambda: calibrate(tx, unit_days=unit_days),
                 lambda: rfm_summary(tx, unit_days=unit_days)):
        with pytest.raises(LoopsimError) as exc:
            call()
        msg = str(exc.value)
        assert "unit_days" in msg and "--unit-days" in msg and "> 0" in msg and "\n" not in msg


@pytest.mark.parametrize(("rows", "fmt", "needles"), [
    ("1,2020-01-01,3\n1,notadate,4\n", None, ["row 2", "'notadate'", "'2020-01-01'", "%Y-%m-%d"]),
    ("1,notadate,3\n1,2020-01-01,4\n", None, ["row 1", "'notadate'"]),
    ("1,2020-01-01,3\n2,2020-01-02,3\n1,01/31/2020,4\n", None, ["row 3", "'01/31/2020'"]),
    ("1,2020-01-01,3\n1,2020-02-30,4\n", "%Y-%m-%d", ["row 2", "'2020-02-30'", "'%Y-%m-%d'"]),
])
def test_unparsable_time_names_file_column_row_value_and_formats(tmp_path, rows, fmt, needles):
    p = _log(tmp_path, rows, "bad_dates.csv")
    with pytest.raises(ValueError) as exc:
        read_transactions(p, time_format=fmt)
    msg = str(exc.value)
    assert "\n" not in msg and not msg.rstrip().endswith(":"), msg
    assert "You might want to try" not in msg
    for n in ("bad_dates.csv", "'date'", "parsed", "--time-format", *needles):
        assert n in msg, (n, msg)
    if fmt is None:
        assert "2020-01-31" in msg and "numbers (days)" in msg   # the accepted formats


@pytest.mark.parametrize(("value", "needles"), [
    ("-19.29", ["'-19.29'", "negative"]),
    ("1e400", ["'inf'", "not a finite number"]),
    ("-inf", ["'-inf'", "not a finite number"]),
    ("abc", ["'abc'", "not a number"]),
    ("", ["missing"]),
])
def test_bad_amounts_are_refused_naming_file_column_row_and_value(tmp_path, value, needles):
    p = _log(tmp_path, f"1,2020-01-01,3\n1,2020-01-05,{value}\n2,2020-01-02,4\n")
    with pytest.raises(ValueError) as exc:
        read_transactions(p)
    msg = str(exc.value)
    assert "\n" not in msg
    for n in ("log.csv", "'amount'", "row 2", ">= 0", *needles):
        assert n in msg, (n, msg)


def test_zero_amounts_are_accepted(tmp_path):
    df = read_transactions(_log(tmp_path, "1,2020-01-01,0\n1,2020-01-05,0.0\n"))
    assert df["amount"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("col", ["customer_id", "date"])
def test_missing_customer_or_time_names_column_and_row(tmp_path, col):
    rows = {"customer_id": "1,2020-01-01,3\n,2020-01-02,4\n",
            "date": "1,2020-01-01,3\n1,,4\n"}[col]
    with pytest.raises(ValueError) as exc:
        read_transactions(_log(tmp_path, rows))
    assert f"'{col}', row 2: missing value" in str(exc.value)


def _same_day_log(n: int) -> pd.DataFrame:
    """``n`` customers who all bought on one day (as read_transactions gives it: merged)."""
    return pd.DataFrame({"customer_id": np.arange(n), "time": pd.Timestamp("2020-01-01"),
                         "amount": 5.0})


@pytest.mark.parametrize("model", ["bgnbd", "paretonbd"])
def test_calibrate_refuses_logs_that_cannot_identify_the_model(model):
    from loopsim.calibrate import MIN_CUSTOMERS

    one_row = pd.DataFrame({"customer_id": [1], "time": [pd.Timestamp("2020-01-01")],
                            "amount": [3.0]})
    with pytest.raises(ValueError, match=r"too few customers.*1 customer in .*at least 20"):
        calibrate(one_row, model=model)
    with pytest.raises(ValueError, match=f"{MIN_CUSTOMERS - 1} customers in"):
        calibrate(_same_day_log(MIN_CUSTOMERS - 1), model=model)
    # enough customers, but all purchases on one day: nobody ever bought again
    with pytest.raises(ValueError, match=r"no customer made a repeat purchase .*0 with a repeat"):
        calibrate(_same_day_log(MIN_CUSTOMERS), model=model)
    # everyone buys every week, all alive: no heterogeneity, no dropout to estimate
    clones = pd.DataFrame([(c, float(d), 10.0) for c in range(30) for d in range(0, 71, 7)],
                          columns=["customer_id", "time", "amount"])
    with pytest.raises(ValueError, match=r"fit is not identified by this log \(30 customers.*"
                                         r"standard errors of .* not finite"):
        calibrate(clones, model=model)


def test_calibrate_refuses_a_spend_fit_at_the_edge_of_the_parameter_space():
    tx = read_transactions(cdnow_sample_path())
    tx = tx[tx["customer_id"] <= 300].assign(amount=10.0)   # every purchase worth the same
    with pytest.raises(ValueError) as exc:
        calibrate(tx)
    msg = str(exc.value)
    assert "Gamma-Gamma spend fit is not identified" in msg and "edge of the parameter space" in msg
    assert "--amount-col ''" in msg and "\n" not in msg
    cal = calibrate(tx, spend=False)   # the purchase model alone is fine
    assert cal.spend is None and np.all(np.isfinite(cal.summary_table()["se"]))
