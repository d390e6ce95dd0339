"""``loopsim trace``: programme progress, satisfaction causes, waits in minutes, wording that fits
the scenario (issue 11 item 4), and the ``--plot`` timeline."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import loopsim
from loopsim.cli import main
from loopsim.engine import simulate
from loopsim.engine.world import World
from loopsim.records import Tracer

ROOT = Path(__file__).resolve().parents[2]
SC = ROOT / "scenarios"
# small and short: each run takes well under a second
SMALL = {"time.horizon_days": 120, "market.initial_customers": 150, "market.marketing_budget_per_day": 40}
SMALL_ARGS = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]


def trace(capsys, *args: str) -> str:
    main(["trace", *args])
    return capsys.readouterr().out


def small(name: str, **extra) -> loopsim.Scenario:
    return loopsim.load_scenario(SC / name, {**SMALL, **extra})


def test_tracing_leaves_results_unchanged():
    sc = small("coffee_punch_card.toml")
    traced = simulate(sc, seed=3, tracer=Tracer(limit=10**9))
    assert traced.trace_events, "the tracer recorded nothing"
    assert simulate(sc, seed=3).summary == traced.summary


def test_satisfaction_changes_add_up_and_name_their_cause():
    """Every change is an event with a cause, and the changes add up to the customer's final
    satisfaction (none missed, none counted twice)."""
    sc = small("baseline.toml")
    tracer = Tracer(limit=10**9)
    res = simulate(sc, seed=2, tracer=tracer)
    checked = 0
    for cid in res.customers["customer_id"][:60]:
        events = res.trace(int(cid))
        start = next(e.state["satisfaction"] for e in events if e.event == "acquired")
        changes = [e for e in events if e.event == "satisfaction"]
        assert all(e.detail for e in changes)
        final = float(res.customers.loc[res.customers["customer_id"] == cid, "satisfaction"].iloc[0])
        assert start + sum(e.state["after"] - e.state["before"] for e in changes) == pytest.approx(final)
        checked += bool(changes)
    assert checked > 10
    causes = {e.detail for e in tracer.events if e.event == "satisfaction"}
    assert "experience of the purchase" in causes and "service contact" in causes


def test_a_policy_change_through_ctx_names_the_policy():
    """Policies change satisfaction on their context (not the world): the tracer wraps it there
    too, names the policy as the cause, and unwraps it when the run ends."""
    sc = small("personalisation_segment.toml")
    tracer = Tracer(limit=10**9)
    world = World(sc, 2, tracer=tracer)
    tracer.bind(world)
    assert world.ctx.change_satisfaction is not world.__class__.change_satisfaction.__get__(world)
    world.run()
    tracer.finish()
    causes = {e.detail for e in tracer.events if e.event == "satisfaction"}
    assert "personalised offer" in causes and "service contact" in causes
    assert world.ctx.change_satisfaction == world.change_satisfaction   # the bound method again
    assert "change_satisfaction" not in vars(world)


def test_fixed_experience_changes_are_found_too():
    """With a fixed experience the engine updates satisfaction inline; the trace still shows it."""
    sc = small("baseline.toml", **{"journey.satisfaction.experience": {"dist": "fixed", "value": 9.5}})
    res = simulate(sc, seed=2, tracer=Tracer(limit=10**9))
    cid = int(res.customers.sort_values("purchases")["customer_id"].iloc[-1])
    events = res.trace(cid)
    start = next(e.state["satisfaction"] for e in events if e.event == "acquired")
    changes = [e for e in events if e.event == "satisfaction"]
    assert any(e.detail == "experience of the purchase" for e in changes)
    final = float(res.customers.loc[res.customers["customer_id"] == cid, "satisfaction"].iloc[0])
    assert start + sum(e.state["after"] - e.state["before"] for e in changes) == pytest.approx(final)


def test_no_onboarding_words_where_the_scenario_has_no_onboarding(capsys):
    with_ob = trace(capsys, str(SC / "baseline.toml"), *SMALL_ARGS)
    assert "onboarding went well" in with_ob or "onboarding failed" in with_ob
    without = trace(capsys, str(SC / "baseline.toml"), *SMALL_ARGS, "--set", "journey.onboarding.enabled=false")
    assert "onboard" not in without.lower()


def test_churn_before_the_horizon_is_not_reported_at_the_horizon(capsys):
    sc = small("baseline.toml")
    cust = simulate(sc, seed=1).customers
    left = cust[cust["churned_at"].notna()].iloc[0]
    stayed = cust[cust["churned_at"].isna()].iloc[0]
    out = trace(capsys, str(SC / "baseline.toml"), *SMALL_ARGS, "--customer", str(int(left["customer_id"])))
    last = out.strip().splitlines()[-1]
    assert f"left on day {left['churned_at']:.1f}" in last and "before the horizon (day 120)" in last
    assert "at the horizon" not in last and "still a customer" not in last
    out = trace(capsys, str(SC / "baseline.toml"), *SMALL_ARGS, "--customer", str(int(stayed["customer_id"])))
    assert "still a customer at the horizon (day 120)" in out.strip().splitlines()[-1]


def test_service_waits_are_in_minutes(capsys):
    # one agent, many long contacts: real queues
    load = {"service.contact_probability": 0.5, "service.agents": 1, "service.handling_time.mean": 0.1}
    extra = [a for k, v in load.items() for a in ("--set", f"{k}={v}")]
    sc = small("baseline.toml", **load)
    contacts = simulate(sc, seed=1).contacts
    served = contacts[(contacts["outcome"] == "served") & (contacts["wait"] * 1440 >= 1)]
    assert len(served), "no contact waited a minute: the test scenario needs more load"
    row = served.iloc[0]
    out = trace(capsys, str(SC / "baseline.toml"), *SMALL_ARGS, *extra, "--customer", str(int(row["customer_id"])))
    lines = [ln for ln in out.splitlines() if " service " in ln]
    assert lines and not any("days" in ln for ln in lines)
    waits = [float(m.replace(",", "")) for ln in lines for m in re.findall(r"waited ([\d,.]+) min", ln)]
    assert any(w == pytest.approx(row["wait"] * 1440, abs=0.6) for w in waits), (waits, row["wait"] * 1440)


def test_programme_progress_is_shown(capsys):
    out = trace(capsys, str(SC / "coffee_punch_card.toml"), *SMALL_ARGS)
    stamps = [int(s) for s in re.findall(r"purchase #\d+: [^\[]*\[card (\d+)/10 stamps\]", out)]
    assert len(stamps) >= 3
    # each purchase adds a stamp, except the free one, which starts a new card
    for a, b in zip(stamps, stamps[1:], strict=False):
        assert b == a + 1 or (a == 10 and b == 0)
    out = trace(capsys, str(SC / "retailer_points.toml"), *SMALL_ARGS)
    balances = [float(p.replace(",", "")) for p in re.findall(r"\[([\d,]+) points \(reward at 500\)", out)]
    assert len(balances) >= 2 and balances[-1] > 0
    out = trace(capsys, str(SC / "airline_tiers.toml"), *SMALL_ARGS)
    assert "[tier blue]" in out
    out = trace(capsys, str(SC / "baseline.toml"), *SMALL_ARGS)
    assert "stamps" not in out and "points" not in out and "tier" not in out


def test_plot_draws_the_journey(tmp_path, capsys):
    png = tmp_path / "journey.png"
    out = trace(capsys, str(SC / "coffee_punch_card.toml"), *SMALL_ARGS, "--plot", str(png))
    assert f"wrote {png}" in out.replace("\n", "")   # a long temporary path may be folded
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    from loopsim.tracing import journey_figure

    sc = small("coffee_punch_card.toml")
    res = simulate(sc, seed=1, tracer=Tracer(limit=10**9))
    cid = int(res.customers.sort_values("purchases")["customer_id"].iloc[-1])
    fig = journey_figure(res.trace(cid), sc, cid, math.nan)
    sat, stamps, lanes = fig.axes
    assert sat.get_ylabel() == "satisfaction (0-10)" and stamps.get_ylabel() == "stamps on the card"
    assert "purchase" in [t.get_text() for t in lanes.get_yticklabels()]
    assert max(stamps.lines[0].get_ydata()) <= 10


def test_plot_bad_file_name_is_one_line(tmp_path, capsys):
    bad = tmp_path / "journey.txt"
    with pytest.raises(SystemExit) as exc:
        main(["trace", str(SC / "baseline.toml"), *SMALL_ARGS, "--plot", str(bad)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ".png, .svg or .pdf" in err and not bad.exists()
