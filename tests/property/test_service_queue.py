"""Queue invariants of the service desk over random desks (hypothesis): every contact has exactly
one outcome (or is still in the desk at the horizon), nobody is served twice, waits are >= 0 and
no longer than the patience of those served, abandonment happens only after the patience ran out,
balking only with a balk limit, and no more contacts are in service at once than agents."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loopsim
from loopsim.engine.world import World
from loopsim.scenario import validate_scenario


@st.composite
def desks(draw):
    channels = []
    n_ch = draw(st.integers(0, 3))
    for i in range(n_ch):
        ch = {"name": f"ch{i}", "share": draw(st.floats(0.1, 1.0)), "agents": draw(st.integers(0 if i else 1, 3))}
        if draw(st.booleans()):
            ch["shifts"] = [{"start_hour": draw(st.floats(0, 23)), "end_hour": draw(st.floats(0, 24)),
                             "agents": draw(st.integers(0, 2))} for _ in range(draw(st.integers(1, 2)))]
        elif draw(st.booleans()):
            ch["open_hour"], ch["close_hour"] = draw(st.floats(0, 12)), draw(st.floats(12, 24))
        channels.append(ch)
    svc = {
        "contact_probability": draw(st.floats(0.05, 0.6)),
        "complaint_probability": draw(st.floats(0, 0.3)),
        "agents": draw(st.integers(1, 3)),
        "handling_time": {"dist": "exponential", "mean": draw(st.floats(0.01, 0.5))},
        "repeat_probability": draw(st.floats(0, 1)),
        "repeat_delay": {"dist": "exponential", "mean": draw(st.floats(0.05, 2))},
        "resolution_probability": draw(st.floats(0, 1)),
        "unresolved_churn_multiplier": draw(st.floats(1, 3)),
        "service_recovery": draw(st.booleans()),
        "channels": channels,
        "arrival_profile": draw(st.one_of(
            st.sampled_from(["contact_centre", "round_the_clock"]),
            st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=24, max_size=24).filter(lambda w: sum(w) > 0))),
    }
    if draw(st.booleans()):
        svc["patience"] = {"dist": "exponential", "mean": draw(st.floats(0.01, 1))}
    if draw(st.booleans()):
        svc["balk_queue_length"] = draw(st.integers(0, 5))
    data = {
        "time": {"horizon_days": draw(st.floats(10, 60))},
        "market": {"initial_customers": draw(st.integers(20, 200)), "initial_first_purchase": False},
        "population": {"segments": [{"purchase_rate": {"dist": "fixed", "value": draw(st.floats(0.05, 1))},
                                     "dropout": {"dist": "fixed", "value": draw(st.floats(0, 0.1))}}]},
        "journey": {"satisfaction": {"churn_effect": 0.3}},
        "service": svc,
    }
    if draw(st.booleans()):
        data["policies"] = [{"type": "tier_priority", "basis": "purchases", "thresholds": [1, 3]}]
    return validate_scenario(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=desks(), seed=st.integers(0, 1000))
def test_queue_invariants(sc, seed):
    world = World(sc, seed).run()
    desk = world.desk
    df = world.contacts.frame()
    # every contact that arrived has exactly one outcome, or is still in the desk at the horizon
    assert desk.opened == len(df) + len(desk.in_flight)
    assert df["outcome"].notna().all()
    assert (df["wait"] >= 0).all() and (df["handling"] >= 0).all()
    served = df[df["outcome"] == "served"]
    ab = df[df["outcome"] == "abandoned"]
    balked = df[df["outcome"] == "balked"]
    # abandonment only after the patience ran out, service only before it did
    assert np.allclose(ab["wait"], ab["patience"], rtol=1e-9, atol=1e-9)
    assert np.isfinite(ab["patience"]).all()
    assert (served["wait"] <= served["patience"] + 1e-9).all()
    # balking only with a limit, at once
    if len(balked):
        assert (balked["wait"] == 0).all()
        bl = {ch.name: ch.balk for ch in desk.channels}
        assert all(bl[n] is not None for n in balked["channel"].astype(str))
    # nobody served twice: a (customer, arrival, channel) row is unique, and a customer's contacts
    # never outnumber the contacts they opened
    assert not df.duplicated(["customer_id", "arrived", "channel", "attempt"]).any()
    per = df.groupby("customer_id").size()
    for cid, n in per.items():
        assert n <= world.by_id[cid].contacts
    # at any time no more contacts are in service in a channel than it has agents
    for ch in desk.channels:
        if ch.self_service:
            continue
        s = served[served["channel"] == ch.name]
        starts = (s["arrived"] + s["wait"]).to_numpy()
        ends = starts + s["handling"].to_numpy() - 1e-7   # float rounding of arrived + wait
        ev = sorted([(t, 1) for t in starts] + [(t, -1) for t in ends], key=lambda x: (x[0], x[1]))
        busy = peak = 0
        for _, d in ev:
            busy += d
            peak = max(peak, busy)
        assert peak <= ch.capacity
    # contacts arrive only in hours the arrival profile allows
    w = sc.service.arrival_profile
    if isinstance(w, tuple):
        hours = np.floor((df["arrived"].to_numpy() % 1.0) * 24).astype(int)
        assert all(w[h] > 0 for h in hours)
    # repeats only after a failure, and never above max_attempts
    assert (df["attempt"] <= sc.service.max_attempts).all()
    run_ok = all(math.isnan(v) or v >= 0 for v in (desk.repeats, desk.recoveries))
    assert run_ok


def test_closed_channel_serves_only_in_opening_hours():
    sc = validate_scenario({
        "time": {"horizon_days": 30},
        "market": {"initial_customers": 200, "initial_first_purchase": False},
        "population": {"segments": [{"purchase_rate": {"dist": "fixed", "value": 0.2}}]},
        "service": {"contact_probability": 0.5, "agents": 2, "open_hour": 9, "close_hour": 17,
                    "handling_time": {"dist": "exponential", "mean": 0.005}},
    })
    run = loopsim.simulate(sc, seed=3)
    df = run.contacts
    start_hour = ((df["arrived"] + df["wait"]) % 1.0) * 24
    assert len(df) > 100
    assert ((start_hour >= 9 - 1e-6) & (start_hour < 17 + 1e-6)).all()
    # contacts arriving at night waited for the morning
    night = df[((df["arrived"] % 1.0) * 24) < 8]
    assert (night["wait"] > 0).all()
    # utilisation is over on-duty agent-days (8 of 24 hours)
    assert 0 < run.summary["agent_utilisation"] <= 1
