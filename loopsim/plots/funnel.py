"""The purchase funnel and the flow of customers between states over time."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..scenario import STAGES
from ._data import Results, groups
from .style import axes, colour, finish


def funnel_counts(results: Results) -> tuple[list[str], np.ndarray]:
    """Stage names and mean prospects entering each stage (first group, over its runs), then
    ``bought``: prospects who made their first purchase (``funnel_conversion`` x ``prospects``)."""
    runs = next(iter(groups(results).values()))
    counts = np.array([[r.summary.get(f"funnel_{s}", np.nan) for s in STAGES]
                       + [r.summary.get("funnel_conversion", np.nan) * r.summary.get("prospects", np.nan)]
                       for r in runs])
    return [*STAGES, "bought"], np.nanmean(counts, axis=0)


def funnel(results: Results, ax: Axes | None = None) -> Figure:
    """Prospects entering each funnel stage and, last, those who bought (bars, mean over
    replications), with the conversion from the previous bar and the drop-off written beside
    each bar."""
    fig, ax = axes(ax)
    stages, n = funnel_counts(results)
    y = np.arange(len(stages))[::-1]
    ax.barh(y, n, color=[colour(0)] * len(STAGES) + [colour(2)])
    ax.set_yticks(y, stages)
    top = float(np.nanmax(n)) if len(n) and np.isfinite(n).any() else 1.0
    for i, (yi, v) in enumerate(zip(y, n, strict=True)):
        note = f"{v:,.0f}"
        if i > 0 and n[i - 1] > 0:
            conv = v / n[i - 1]
            note += f"  ({conv:.0%} convert, {1 - conv:.0%} drop off)"
        ax.text(v + top * 0.01, yi, note, va="center", fontsize=10)
    ax.set_xlim(0, top * 1.6)
    name = next(iter(groups(results).values()))[0].scenario.name
    return finish(fig, ax, f"Purchase funnel: {name}", "prospects (count, mean over runs)", "stage")


def customer_flow(results: Results, ax: Axes | None = None) -> Figure:
    """Customers by state at the end of each day, stacked (first run): prospects in the funnel,
    active customers, at risk (active detractors: satisfaction below the detractor threshold)
    and churned (churns to date less win-backs to date: those still gone); the customers won
    back to date are the line over the stack (they are active again, inside the active layers)."""
    fig, ax = axes(ax)
    run = next(iter(groups(results).values()))[0]
    tl = run.timeline
    at_risk = tl["detractors"].to_numpy(dtype=float)
    active = tl["active"].to_numpy(dtype=float) - at_risk
    won_back = np.cumsum(tl["won_back"].to_numpy(dtype=float))
    churned = np.cumsum(tl["churned"].to_numpy(dtype=float)) - won_back
    layers = [tl["in_funnel"].to_numpy(dtype=float), active, at_risk, churned]
    labels = ["prospects in the funnel", "active", "at risk (detractors)", "churned (still gone)"]
    days = tl["day"].to_numpy()
    ax.stackplot(days, *layers, labels=labels,
                 colors=[colour(5), colour(2), colour(1), colour(3)], alpha=0.85)
    ax.plot(days, won_back, color=colour(7), linewidth=1.5, label="won back (to date)")
    ax.legend(loc="upper left", fontsize=9)
    return finish(fig, ax, f"Customer flow: {run.scenario.name}", "day", "people (count)")
