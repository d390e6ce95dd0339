"""Retention figures: Kaplan-Meier by tenure with censoring, the active base."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection

from loopsim import plots


def _product_limit(t: np.ndarray, event: np.ndarray, at: float) -> float:
    """Kaplan-Meier by hand: the product over churn times <= at of (1 - churned / at risk)."""
    s = 1.0
    for u in np.unique(t[event & (t <= at)]):
        s *= 1 - np.sum(event & (t == u)) / np.sum(t >= u)
    return s


def test_kaplan_meier_uses_censoring(runs):
    run = runs["base"][0]
    c = run.customers
    t, ev = c["tenure_days"].to_numpy(), c["churned"].to_numpy(bool)
    assert ev.any() and (~ev).any()          # both churned and censored customers in the run
    x, y = plots.kaplan_meier(run)
    for at in (10.0, 45.0, float(t.max())):
        got = y[np.searchsorted(x, at, side="right") - 1]
        assert np.isclose(got, _product_limit(t, ev, at))
    naive = 1 - ev.mean()                    # ignoring censoring would give this at the end
    assert not np.isclose(y[-1], naive)


def test_survival_lines_and_bands_per_design(runs):
    fig = plots.survival(runs)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2   # bands across replications
    assert "tenure" in ax.get_xlabel() and "days" in ax.get_xlabel()
    for line in ax.get_lines():
        y = line.get_ydata()
        assert y[0] == 1.0 and np.all(np.diff(y[~np.isnan(y)]) <= 1e-12)   # starts at 1, never rises


def test_active_base_is_the_mean_timeline(runs):
    fig = plots.active_base(runs)
    line = fig.axes[0].get_lines()[0]
    want = np.mean([r.timeline["active"].to_numpy() for r in runs["base"]], axis=0)
    assert np.allclose(line.get_ydata(), want)
    assert fig.axes[0].get_ylabel() == "active customers"
