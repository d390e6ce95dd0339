"""Small real result stores for the figure, report and browser tests (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

import loopsim

#: A few hundred customers over 90 days: every figure has data, every run takes a fraction of a second.
SMALL = {"market.initial_customers": 150, "market.marketing_budget_per_day": 30.0,
         "market.organic_arrivals_per_day": 4.0, "time.horizon_days": 90,
         "service.contact_probability": 0.1}
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def small(name: str, **extra) -> loopsim.Scenario:
    """A bundled scenario, shrunk to SMALL (plus ``extra`` overrides)."""
    return loopsim.load_scenario(SCENARIOS / f"{name}.toml").with_overrides({**SMALL, **extra})


def compare_store(root: Path, n: int = 4):
    """A finished comparison store of the baseline against the points programme; the Comparison."""
    from loopsim.experiment import compare

    designs = {"base": small("baseline"), "points <b>&amp;</b>": small("retailer_points")}
    return compare(designs, n=n, seed=7, out=root, progress=False)
