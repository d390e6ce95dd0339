"""Every bundled scenario loads, runs and produces the contracted results."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

import loopsim
from loopsim.metrics import CORE_METRICS

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = sorted(p for p in (ROOT / "scenarios").glob("*.toml"))
VALIDATION = sorted((ROOT / "scenarios" / "validation").glob("*.toml"))


def shortened(path: Path) -> loopsim.Scenario:
    """The scenario with a short horizon and a small cohort, so the whole set runs quickly."""
    sc = loopsim.load_scenario(path)
    over = {"time.horizon_days": min(sc.time.horizon_days, 90.0)}
    if sc.market.initial_customers > 2000:
        over["market.initial_customers"] = 2000
    return sc.with_overrides(over)


@pytest.mark.parametrize("path", DESIGNS + VALIDATION, ids=lambda p: p.name)
def test_bundled_scenario_runs(path):
    run = loopsim.simulate(shortened(path), seed=1)
    for m in CORE_METRICS:
        assert m in run.summary
    assert run.summary["customers_acquired"] > 0
    assert not math.isnan(run.summary["profit"])
    assert len(run.timeline) == math.ceil(run.scenario.time.horizon_days)


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.name)
def test_designs_extend_the_shared_base(path):
    """Every design is a small diff of the shared base (directly or through another design)."""
    chain = [path]
    while True:
        data = tomllib.loads(chain[-1].read_text())
        if "extends" not in data:
            break
        chain.append((chain[-1].parent / data["extends"]).resolve())
    assert chain[-1].name == "baseline.toml", [p.name for p in chain]
