"""Retention figures: survival by tenure (Kaplan-Meier) and the active base over calendar time."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from ..result import RunResult
from ._data import Results, groups
from .style import axes, colours, finish


def kaplan_meier(run: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival of the run's customers by tenure: ``(tenure days, share still
    active)``, a step function starting at (0, 1). Customers still active at the horizon are
    right-censored at their tenure (they were observed that long, not lost)."""
    c = run.customers
    t = c["tenure_days"].to_numpy(dtype=float)
    churned = c["churned"].to_numpy(dtype=bool)
    if len(t) == 0 or not churned.any():
        return np.array([0.0, float(t.max()) if len(t) else 0.0]), np.ones(2)
    res = stats.ecdf(stats.CensoredData(uncensored=t[churned], right=t[~churned]))
    x = np.concatenate([[0.0], res.sf.quantiles])
    y = np.concatenate([[1.0], res.sf.probabilities])
    return x, y


def _on_grid(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A right-continuous step function evaluated on ``grid`` (NaN past its last time)."""
    idx = np.searchsorted(x, grid, side="right") - 1
    out = y[np.clip(idx, 0, len(y) - 1)]
    return np.where(grid <= x[-1], out, np.nan)


def survival(results: Results, ax: Axes | None = None) -> Figure:
    """Share of customers still active by tenure (days since acquisition), Kaplan-Meier with
    censoring, one line per design; with several replications the line is their mean and the
    band spans the 2.5th to 97.5th percentile across replications."""
    fig, ax = axes(ax)
    for (label, runs), col in zip(groups(results).items(), colours(), strict=False):
        curves = [kaplan_meier(r) for r in runs]
        end = max(float(x[-1]) for x, _ in curves)
        grid = np.linspace(0.0, end, 400)
        ys = np.vstack([_on_grid(x, y, grid) for x, y in curves])
        ax.plot(grid, np.nanmean(ys, axis=0), color=col, label=f"{label} ({len(runs)} runs)")
        if len(runs) > 1:
            lo, hi = np.nanpercentile(ys, [2.5, 97.5], axis=0)
            ax.fill_between(grid, lo, hi, color=col, alpha=0.2, linewidth=0)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    return finish(fig, ax, "Retention by tenure (Kaplan-Meier, censored at the horizon)",
                  "tenure (days since acquisition)", "share still active")


def active_base(results: Results, ax: Axes | None = None) -> Figure:
    """Active customers at the end of each day, one line per design (mean over replications,
    band: 2.5th-97.5th percentile)."""
    fig, ax = axes(ax)
    for (label, runs), col in zip(groups(results).items(), colours(), strict=False):
        ys = np.vstack([r.timeline["active"].to_numpy(dtype=float) for r in runs])
        days = runs[0].timeline["day"].to_numpy()
        ax.plot(days, ys.mean(axis=0), color=col, label=label)
        if len(runs) > 1:
            lo, hi = np.percentile(ys, [2.5, 97.5], axis=0)
            ax.fill_between(days, lo, hi, color=col, alpha=0.2, linewidth=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="best")
    return finish(fig, ax, "Active customer base over time", "day", "active customers")
