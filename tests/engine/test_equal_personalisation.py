"""Both engines give the same run with the personalisation policy (issue 13): its four bundled
scenarios at a reduced size with two seeds, parameter variations that reach every branch of the
policy (privacy backlash, unsubscribes, win-backs, a new cohort, the bandit with more offers), and
the event order of its contacts (SimPy timeouts on the Python engine) against calendar entries at
exactly the same time.

Equality: integer and text columns identical, floats within 1e-9 relative (NaN equals NaN).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loopsim
from loopsim.engine import compiled
from loopsim.engine.compiled import layout as L
from loopsim.engine.compiled.calendar import next_entry, open_day, push, push_simpy
from loopsim.engine.compiled.state import build

ROOT = Path(__file__).resolve().parents[2]
REL = 1e-9
#: reduced size: customers at day 0 and horizon (days): every mode still sends hundreds of offers
SMALL = {"market.initial_customers": 200, "time.horizon_days": 120.0}


def _load(mode: str, overrides: dict | None = None) -> loopsim.Scenario:
    sc = loopsim.load_scenario(ROOT / f"scenarios/personalisation_{mode}.toml", {**SMALL, **(overrides or {})})
    assert compiled.unsupported(sc) is None
    return sc


def _column_same(a: pd.Series, b: pd.Series) -> bool:
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        x, y = a.to_numpy(), b.to_numpy()
        both_nan = np.isnan(x) & np.isnan(y)
        with np.errstate(invalid="ignore"):
            near = np.abs(x - y) <= REL * np.maximum(np.abs(x), np.abs(y))
        return bool((both_nan | (x == y) | near).all())
    return a.astype(object).fillna("<NA>").tolist() == b.astype(object).fillna("<NA>").tolist()


def differences(a, b) -> list[str]:
    """What differs between two runs (tables cell by cell, then the summary), one line each."""
    out = []
    for name in ("customers", "transactions", "contacts", "timeline"):
        x, y = getattr(a, name), getattr(b, name)
        if list(x.columns) != list(y.columns) or len(x) != len(y):
            out.append(f"{name}: shape {x.shape} vs {y.shape}, columns {set(x.columns) ^ set(y.columns)}")
            continue
        out += [f"{name}.{c}" for c in x.columns if not _column_same(x[c], y[c])]
    if set(a.summary) != set(b.summary):
        out.append(f"summary keys differ: {set(a.summary) ^ set(b.summary)}")
    for k, p in a.summary.items():
        q = b.summary.get(k)
        if isinstance(p, float) and isinstance(q, float):
            if not ((math.isnan(p) and math.isnan(q)) or math.isclose(p, q, rel_tol=REL, abs_tol=1e-12)):
                out.append(f"summary {k}: {p} vs {q}")
        elif p != q:
            out.append(f"summary {k}: {p!r} vs {q!r}")
    return out


def assert_same(sc: loopsim.Scenario, seed: int):
    py = loopsim.simulate(sc, seed, engine="python")
    co = loopsim.simulate(sc, seed, engine="compiled")
    bad = differences(py, co)
    assert not bad, f"engines differ (seed {seed}): {bad[:10]}"
    return py


@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize("mode", ["none", "segment", "individual", "learning"])
def test_bundled_scenarios(mode, seed):
    py = assert_same(_load(mode), seed)
    offers = py.summary["personalisation_offers"]
    assert (offers == 0) if mode == "none" else (offers > 100)
    if mode != "none":   # the policy's timeline columns (the last day's offers come after its tick)
        assert 0 < py.timeline["personalisation_offers"].sum() <= offers


VARIATIONS = {
    # individual mode from the first purchase on, frequent backlashes and unsubscribes, big discount
    "individual-backlash": ("individual", {"policies.0.privacy_backlash_probability": 0.2,
                                           "policies.0.history_half_purchases": 0.0,
                                           "policies.0.unsubscribe_per_fatigue": 0.05,
                                           "policies.0.discount_rate": 0.2}),
    # learning with 8 offers and frequent contacts on a new cohort spread over a month
    "learning-new-cohort": ("learning", {"market.initial_first_purchase": True,
                                         "market.initial_spread_days": 30.0,
                                         "policies.0.offers": 8, "policies.0.contact_interval_days": 3.5,
                                         "policies.0.response_irrelevant": 0.2,
                                         "policies.0.satisfaction_relevant": 0.5}),
    # segment offers everyone wants, many win-backs (reactivation schedules contacts), per-purchase
    # churn, long-lasting offers and a strong conversion uplift
    "segment-winback": ("segment", {"journey.churn.process": "per_purchase",
                                    "journey.winback.success_probability": 0.5,
                                    "journey.winback.delay_days": 5.0,
                                    "policies.0.offer_validity_days": 30.0,
                                    "policies.0.conversion_uplift": 0.5,
                                    "policies.0.preference_concentration": 1.0}),
}


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_variations(name):
    mode, overrides = VARIATIONS[name]
    py = assert_same(_load(mode, overrides), 5)
    key = {"individual-backlash": "personalisation_privacy_backlashes",
           "learning-new-cohort": "personalisation_irrelevant_offers",
           "segment-winback": "winbacks"}[name]
    assert py.summary[key] > 0, f"{name} does not reach what it varies ({key})"


def test_contacts_tied_with_purchases():
    """Contacts every 16 days, periodic purchases every 32 days: after a win-back at ``t`` the
    purchase at ``t + 32`` (scheduled at ``t``) falls exactly on the contact at ``t + 32``
    (scheduled at ``t + 16``). On the Python engine the contact, a SimPy event, runs first and its
    relevant offer discounts that purchase; in plain scheduling order it would not."""
    seg = {"purchase_timing": "periodic", "purchase_rate": {"dist": "fixed", "value": 0.03125},
           "churn_hazard": {"dist": "fixed", "value": 0.01}}
    ov = {"population.time_unit_days": 1.0, "journey.winback.success_probability": 1.0,
          "policies.0.preference_concentration": 1.0, "policies.0.rate_uplift": 0.0,
          "policies.0.contact_interval_days": 16.0, "policies.0.unsubscribe_per_fatigue": 0.0,
          "policies.0.discount_rate": 0.5}
    for i in (0, 1):
        ov |= {f"population.segments.{i}.{k}": v for k, v in seg.items()}
    py = assert_same(_load("segment", {**ov, "time.horizon_days": 200.0}), 7)
    assert py.summary["winbacks"] > 0


def test_simpy_class_entries_run_first_at_equal_times():
    """The calendar's second event class (:func:`push_simpy`): before calendar entries at the same
    time, whether on a later day's list or on the running day's heap, and in scheduling order
    among themselves."""
    a, _, _ = build(_load("none"), 16)
    S = a.pack()
    kind = L.K_POLICY
    for x, (t, simpy) in enumerate([(5.25, False), (5.25, True), (5.0, False), (5.5, True),
                                    (5.25, True), (5.75, False)]):
        (push_simpy if simpy else push)(S, t, x, kind, 0)
    open_day(S, 5)
    order = [S.EVI[L.EV_X, next_entry(S)] for _ in range(3)]
    push(S, 5.5, 6, kind, 0)          # on the day's heap, after entry 3 (also at 5.5)
    push_simpy(S, 5.75, 7, kind, 0)   # on the day's heap, before entry 5 from the day's list
    while (e := next_entry(S)) >= 0:
        order.append(S.EVI[L.EV_X, e])
    assert order == [2, 1, 4, 0, 3, 6, 7, 5]
