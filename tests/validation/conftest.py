"""Shared helpers for validation tests: simulate a bundled validation scenario with overrides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import loopsim

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "validation"


@pytest.fixture
def validation_scenario():
    def load(name: str, **overrides):
        return loopsim.load_scenario(SCENARIOS / f"{name}.toml", overrides or None)

    return load


def z_value(checks: int = 1, level: float = 0.95) -> float:
    """Two-sided normal quantile for a ``level`` confidence interval, Bonferroni-adjusted for
    ``checks`` comparisons so that the family of checks in a test module holds at ``level``."""
    return float(stats.norm.ppf(1 - (1 - level) / (2 * checks)))


def mean_ci(x, checks: int = 1) -> tuple[float, float]:
    """Mean and CI half-width of iid values (95% family-wise over ``checks`` comparisons)."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(z_value(checks) * x.std(ddof=1) / np.sqrt(len(x)))
