"""Points and tiers on the compiled engine give the same run as on the Python engine.

The bundled points and tiers scenarios at a reduced size and two seeds, and variations that make
the mechanisms happen within the short horizon (fixed and rolling expiry, reviews with
demotions, the per-purchase churn process, behaviour off): the same customers, transactions,
contacts, timeline (with the policies' recorded columns) and summary; integers identical, floats
within 1e-9 relative.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loopsim
from loopsim.engine import compiled

ROOT = Path(__file__).resolve().parents[2]
REL = 1e-9
SCENARIOS = ("scenarios/retailer_points.toml", "scenarios/points_and_tiers.toml",
             "scenarios/airline_tiers.toml", "scenarios/cafe/points.toml")
SMALL = {"market.initial_customers": 250, "time.horizon_days": 150}


def _load(path: str, overrides: dict) -> loopsim.Scenario:
    sc = loopsim.load_scenario(ROOT / path)
    n = min(sc.market.initial_customers, SMALL["market.initial_customers"])
    return sc.with_overrides({**SMALL, "market.initial_customers": n, **overrides})


def _column_differs(a: pd.Series, b: pd.Series) -> bool:
    if str(a.dtype) != str(b.dtype):
        return True
    if a.dtype.kind == "f":
        x, y = a.to_numpy(), b.to_numpy()
        with np.errstate(invalid="ignore"):
            ok = (np.isnan(x) & np.isnan(y)) | (x == y) | (np.abs(x - y) <= REL * np.maximum(abs(x), abs(y)))
        return not ok.all()
    return a.astype(object).fillna("<NA>").tolist() != b.astype(object).fillna("<NA>").tolist()


def _differences(py, co) -> list[str]:
    """What differs between two runs (table columns, summary values)."""
    out = []
    for name in ("customers", "transactions", "contacts", "timeline"):
        x, y = getattr(py, name), getattr(co, name)
        if list(x.columns) != list(y.columns) or len(x) != len(y):
            out.append(f"{name}: {x.shape} {list(x.columns)} vs {y.shape} {list(y.columns)}")
            continue
        out += [f"{name}.{col}" for col in x.columns if _column_differs(x[col], y[col])]
    if set(py.summary) != set(co.summary):
        out.append(f"summary keys differ: {sorted(set(py.summary) ^ set(co.summary))}")
    for k, p in py.summary.items():
        q = co.summary.get(k, math.nan)
        if not ((math.isnan(p) and math.isnan(q)) or math.isclose(p, q, rel_tol=REL, abs_tol=0.0)):
            out.append(f"summary {k}: {p!r} vs {q!r}")
    return out


def _both(sc, seed: int):
    assert compiled.unsupported(sc) is None
    py = loopsim.simulate(sc, seed, engine="python")
    co = loopsim.simulate(sc, seed, engine="compiled")
    assert len(py.customers) > 0
    diff = _differences(py, co)
    assert not diff, diff
    return py


@pytest.mark.parametrize("seed", (1, 2))
@pytest.mark.parametrize("path", SCENARIOS)
def test_bundled_scenario_same_run(path, seed):
    py = _both(_load(path, {}), seed)
    recorded = [c for c in py.timeline.columns if c.startswith(("points_", "tier_"))]
    assert recorded, "the policies' timeline columns are compared"


# variations that make each mechanism happen within the short horizon; each names the summary
# value that shows it happened (so the comparison is not vacuous)
VARIATIONS = {
    "fixed expiry, per-purchase churn, gross earning": (
        "scenarios/points_and_tiers.toml",
        {"policies.points.expiry": "fixed", "policies.points.expiry_days": 30.0,
         "policies.points.earn_on": "gross", "policies.tiers.window_days": 40.0,
         "journey.churn.process": "per_purchase", "population.segments.0.dropout.value": 0.05},
        ("points_expired", "tier_demotions")),
    "rolling expiry, reviews to the qualified tier, no reset, certain redemption": (
        "scenarios/points_and_tiers.toml",
        {"policies.points.expiry_days": 20.0, "policies.points.redeem_probability": 1.0,
         "policies.points.behaviour.post_reward_reset": False, "policies.tiers.window_days": 35.0,
         "policies.tiers.demotion": "to_qualified", "market.competing_programmes": 2},
        ("points_expired", "tier_demotions")),
    "behaviour off, fixed expiry from a new cohort": (
        "scenarios/retailer_points.toml",
        {"policies.points.expiry_days": 25.0, "policies.points.behaviour.enabled": False,
         "market.initial_first_purchase": True, "policies.points.redemption_threshold": 60.0},
        ("points_expired", "points_redemptions")),
    "tiers by purchases, one-step demotions, a busier desk": (
        "scenarios/airline_tiers.toml",
        {"policies.tiers.metric": "purchases", "policies.tiers.tiers.1.threshold": 2.0,
         "policies.tiers.tiers.2.threshold": 4.0, "policies.tiers.window_days": 40.0,
         "service.contact_probability": 0.6},
        ("tier_upgrades", "tier_demotions")),
}


@pytest.mark.parametrize("name", VARIATIONS)
def test_variation_same_run(name):
    path, overrides, happened = VARIATIONS[name]
    py = _both(_load(path, overrides), 3)
    for key in happened:
        assert py.summary[key] > 0, f"{name}: {key} never happened"
