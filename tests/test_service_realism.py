"""The service desk behaves like one: contacts arrive by time of day (none while customers sleep),
the baseline desk runs at a realistic load, understaffed vs well staffed shows the staffing
trade-off, and profit over the number of agents has an interior optimum."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2 as chi2_dist

import loopsim
from loopsim.engine.arrivals import DailyProfile
from loopsim.scenario import validate_scenario
from loopsim.scenario.service import CONTACT_CENTRE_HOURLY

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _quarter(sc):
    """A bundled service scenario at a quarter of its size, fast enough for a test: customers and
    arrivals / 4; each contact 4 times as long and callers 4 times as patient (the same load per
    agent and the same abandonment); an agent-day at a quarter of the cost (the same cost per
    contact an agent can handle)."""
    return sc.with_overrides({
        "market.initial_customers": sc.market.initial_customers // 4,
        "market.marketing_budget_per_day": sc.market.marketing_budget_per_day / 4,
        "market.organic_arrivals_per_day": sc.market.organic_arrivals_per_day / 4,
        "service.handling_time.mean": sc.service.handling_time.mean * 4,
        "service.patience.mean": sc.service.patience.mean * 4,
        "service.cost_per_agent_day": sc.service.cost_per_agent_day / 4,
    })


def _desk(profile, horizon=60, customers=400, **service):
    return validate_scenario({
        "time": {"horizon_days": horizon},
        "market": {"initial_customers": customers, "initial_first_purchase": False},
        "population": {"segments": [{"purchase_rate": {"dist": "fixed", "value": 0.2},
                                     "purchase_timing": "poisson",
                                     "dropout": {"dist": "fixed", "value": 0.0}}]},
        "service": {"contact_probability": 0.3, "agents": 3, "arrival_profile": profile,
                    "handling_time": {"dist": "exponential", "mean": 0.002}, **service},
    })


def test_contacts_arrive_by_the_daily_profile():
    """Hour-of-day shares of arrivals match the default profile (chi-square), no contact arrives
    in an hour of weight 0, and every contact comes within a day of the purchase causing it."""
    run = loopsim.simulate(_desk("contact_centre"), seed=5)
    c = run.contacts
    assert len(c) > 1000
    hours = np.floor((c["arrived"].to_numpy() % 1.0) * 24).astype(int)
    counts = np.bincount(hours, minlength=24)
    w = np.asarray(CONTACT_CENTRE_HOURLY, dtype=float)
    assert counts[w == 0].sum() == 0                     # nobody gets in touch asleep
    expected = len(hours) * w / w.sum()
    pos = w > 0
    chi2 = float((((counts - expected) ** 2)[pos] / expected[pos]).sum())
    assert chi2 < chi2_dist.ppf(0.999, pos.sum() - 1)
    # a contact follows its purchase within 24 hours
    tx = run.transactions
    for _, row in c.head(200).iterrows():
        t = tx[tx["customer_id"] == row["customer_id"]]["time"].to_numpy()
        lag = row["arrived"] - t[t <= row["arrived"]].max()
        assert 0 <= lag < 1.0


def test_custom_profile_and_round_the_clock():
    # only 12:00-13:00: every contact arrives in that hour
    w = [0.0] * 24
    w[12] = 1.0
    c = loopsim.simulate(_desk(w, horizon=20), seed=2).contacts
    assert len(c) > 200
    assert (np.floor((c["arrived"] % 1.0) * 24) == 12).all()
    # round the clock: contacts arrive at their purchases' times (Poisson, all hours)
    run = loopsim.simulate(_desk("round_the_clock", horizon=20), seed=2)
    arrived = run.contacts["arrived"].to_numpy()
    assert np.isin(arrived, run.transactions["time"].to_numpy()).all()
    assert len(np.unique(np.floor((arrived % 1.0) * 24))) == 24


def test_profile_inverse_of_cumulative_rate():
    p = DailyProfile(CONTACT_CENTRE_HOURLY)
    for t in (0.3, 0.5, 0.9, 3.45, 10.8):           # times in hours of positive weight
        assert p.inverse(p.cumulative(t)) == pytest.approx(t)
    assert p.cumulative(1.0) == pytest.approx(1.0) and p.cumulative(7 / 24) == 0.0
    assert p.inverse(0.0) == pytest.approx(7 / 24)   # the first contact time of a day is 7:00
    for t in (0.0, 0.1, 0.3, 0.5, 0.97, 3.25, 10.99):
        for u in (1e-9, 0.3, 0.999999):
            a = p.arrival(t, u)
            assert t <= a < t + 1.0
            assert p.share[int((a % 1.0) * 24)] > 0


def test_baseline_desk_runs_at_a_realistic_load():
    s = loopsim.simulate(loopsim.load_scenario(SCENARIOS / "baseline.toml"), seed=1).summary
    assert 0.60 <= s["agent_utilisation"] <= 0.85


@pytest.fixture(scope="module")
def staffing():
    # one year is enough for the direction of each of these (the profit optimum needs two)
    def load(name):
        return _quarter(loopsim.load_scenario(SCENARIOS / name)).with_overrides({"time.horizon_days": 365})

    return loopsim.compare({"understaffed": load("service_understaffed.toml"),
                            "well_staffed": load("service_well_staffed.toml")}, n=3, seed=1).table(["mean_service_wait_days", "service_abandonment_rate", "service_defections",
                           "service_cost", "retention_rate"]).set_index(["metric", "design"])


@pytest.mark.slow
def test_well_staffed_trades_staff_cost_for_service(staffing):
    """More agents: shorter waits, lower abandonment, fewer service-driven defections, higher
    staff cost (paired differences over replications with common random numbers)."""
    def diff(m):
        r = staffing.loc[(m, "well_staffed")]
        return r["diff_ci_low"], r["diff_ci_high"]

    assert diff("mean_service_wait_days")[1] < 0
    assert diff("service_abandonment_rate")[1] < 0
    assert diff("service_defections")[1] < 0
    assert diff("service_cost")[0] > 0
    assert diff("retention_rate")[0] > 0


@pytest.mark.slow
def test_agents_have_an_interior_profit_optimum():
    """The bundled understaffed desk at a quarter of its size (``_quarter``): profit with 2
    agents beats 1 and 3 agents (paired 95% CIs, common random numbers)."""
    small = _quarter(loopsim.load_scenario(SCENARIOS / "service_understaffed.toml"))
    designs = {f"k{k}": small.with_overrides({"service.agents": k}) for k in (2, 1, 3)}
    tab = loopsim.compare(designs, n=3, seed=1).table(["profit"]).set_index("design")
    assert tab.loc["k1", "diff_ci_high"] < 0      # one agent fewer: less profit
    assert tab.loc["k3", "diff_ci_high"] < 0      # one agent more: less profit


def test_run_table_shows_waits_in_minutes_and_stores_days(tmp_path):
    import json
    import re

    from click.testing import CliRunner

    from loopsim.cli import app

    res = CliRunner().invoke(app, ["run", str(SCENARIOS / "baseline.toml"), "--set", "time.horizon_days=60",
                                   "--set", "market.initial_customers=300", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    stored = json.loads((tmp_path / "summary.json").read_text())["metrics"]["mean_service_wait_days"]
    assert stored > 0
    shown = re.search(r"mean_service_wait \(min\)\s*│\s*([\d,.]+)", res.output)
    assert shown is not None and "mean_service_wait_days" not in res.output
    assert float(shown.group(1).replace(",", "")) == pytest.approx(stored * 1440, rel=0.01)
    assert "Kaplan-Meier retention by tenure" in res.output and "retention_rate:" in res.output


@pytest.mark.parametrize("value, words", [
    ("night", "unknown arrival profile 'night'"),
    ("[1, 2, 3]", "24 hourly weights"),
    ("[" + ", ".join(["0"] * 24) + "]", "positive sum"),
    ("[" + ", ".join(["-1"] + ["1"] * 23) + "]", ">= 0"),
])
def test_bad_arrival_profile_is_one_line_exit_2(value, words, capsys):
    from loopsim.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["check", str(SCENARIOS / "baseline.toml"), "--set", f"service.arrival_profile={value}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "arrival_profile" in err and words in err
    assert "Traceback" not in err
