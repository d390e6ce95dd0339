"""Money figures: the profit bridge between two designs and cumulative profit (payback)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._data import Results, groups
from .style import GAIN, LOSS, MONEY_TICKS, TOTAL, axes, colours, finish, money


def profit_bridge(comparison, design: str | None = None, ax: Axes | None = None) -> Figure:
    """Waterfall of the mean paired profit difference of ``design`` (default: the first other
    design) vs the reference, by money component: each bar starts where the previous ended
    (gains green, losses vermillion, 95% CI whiskers), the last solid bar is the profit
    difference, and beside it the change in the points liability left at the horizon (hatched:
    it is not in profit). Components that are zero in every run of both designs are left out.
    The component bars sum to the profit difference exactly (profit is their sum in every run)."""
    from ..explain import bridge

    br = bridge(comparison, design)
    fig, ax = axes(ax, size=(9, 5))
    ref, des, cur = br.attrs["reference"], br.attrs["design"], br.attrs.get("currency", "")
    steps = br[(br["kind"] == "component")
               & ((br["diff"] != 0) | (br["ci_low"] != 0) | (br["ci_high"] != 0))]
    total = float(br.loc[br["kind"] == "total", "diff"].iloc[0])
    labels = list(steps["label"]) + ["profit\ndifference"]
    level = 0.0
    for i, (_, r) in enumerate(steps.iterrows()):
        d = r["diff"]
        ax.bar(i, d, bottom=level, color=GAIN if d >= 0 else LOSS)
        if np.isfinite(r["ci_low"]):
            ax.errorbar(i, level + d, yerr=[[max(d - r["ci_low"], 0)], [max(r["ci_high"] - d, 0)]],
                        color="black", capsize=3, linewidth=1)
        level += d
    ax.bar(len(steps), total, color=TOTAL)
    liab = br[br["kind"] == "liability"]
    if len(liab):
        d = float(liab["diff"].iloc[0])
        labels.append("points liability\n(not in profit)")
        ax.bar(len(labels) - 1, d, color="white", edgecolor=LOSS if d > 0 else GAIN, hatch="//")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(labels)), labels, fontsize=9, rotation=30, ha="right")
    ax.yaxis.set_major_formatter(MONEY_TICKS)
    p_ref, p_des = br.attrs["reference_profit"], br.attrs["design_profit"]
    return finish(fig, ax, f"Profit bridge: {ref} ({money(p_ref)}) to {des} ({money(p_des)}), "
                  f"{'+' if total >= 0 else '-'}{money(abs(total))} {cur}",
                  f"money component (mean paired difference of {br.attrs['n']} runs, 95% CI)",
                  f"change in profit ({cur})")


def cumulative_profit(results: Results, ax: Axes | None = None) -> Figure:
    """Cumulative profit by day, one line per design (mean over replications, band 2.5th-97.5th
    percentile): where a line crosses zero the design has paid back what it spent."""
    fig, ax = axes(ax)
    cur = ""
    for (label, runs), col in zip(groups(results).items(), colours(), strict=False):
        ys = np.vstack([r.timeline["cumulative_profit"].to_numpy(dtype=float) for r in runs])
        days = runs[0].timeline["day"].to_numpy()
        cur = runs[0].scenario.market.currency
        ax.plot(days, ys.mean(axis=0), color=col, label=label)
        if len(runs) > 1:
            lo, hi = np.percentile(ys, [2.5, 97.5], axis=0)
            ax.fill_between(days, lo, hi, color=col, alpha=0.2, linewidth=0)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.yaxis.set_major_formatter(MONEY_TICKS)
    ax.legend(loc="best")
    return finish(fig, ax, "Cumulative profit (payback)", "day", f"cumulative profit ({cur})")
