"""Spread across replications and customers, and paired differences (forest plot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..metrics import metric_bounds
from ._data import Results, groups
from .style import MONEY_TICKS, axes, colour, colours, finish

#: Axis label of the metrics the distribution figure is usually drawn for.
UNITS = {"profit": "profit ({cur})", "profit_discounted": "discounted profit ({cur})",
         "retention_rate": "retention rate (share of acquired customers active at the horizon)",
         "clv_mean": "mean CLV per customer ({cur})", "revenue": "revenue ({cur})"}


def _label(metric: str, cur: str) -> str:
    return UNITS.get(metric, metric.replace("_", " ")).format(cur=cur)


def replication_ecdf(runs: pd.DataFrame, metric: str = "profit", currency: str = "",
                     ax: Axes | None = None) -> Figure:
    """Empirical CDF of ``metric`` across replications, one step line per design (``runs``: the
    runs table of an Experiment, Comparison or result store; a ``design`` column splits it)."""
    fig, ax = axes(ax)
    by = runs.groupby("design", sort=False) if "design" in runs.columns else [("runs", runs)]
    for (label, g), col in zip(by, colours(), strict=False):
        x = np.sort(g[metric].dropna().to_numpy(dtype=float))
        if len(x):
            ax.step(np.concatenate([[x[0]], x]), np.arange(len(x) + 1) / len(x), where="post",
                    color=col, label=f"{label} (n={len(x)})")
    if metric_bounds(metric)[0] == float("-inf") or "cost" in metric or metric == "revenue":
        ax.xaxis.set_major_formatter(MONEY_TICKS)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return finish(fig, ax, f"Distribution across replications: {metric}", _label(metric, currency),
                  "share of replications at or below")


def clv_distribution(results: Results, ax: Axes | None = None) -> Figure:
    """Histogram of customer lifetime value (discounted margin net of the customer's reward and
    service cost) across the customers of the first run of each design."""
    fig, ax = axes(ax)
    g = groups(results)
    vals = {k: v[0].customers["clv"].dropna().to_numpy(dtype=float) for k, v in g.items()}
    allv = np.concatenate(list(vals.values())) if vals else np.zeros(0)
    lo, hi = (np.percentile(allv, [0.5, 99.5]) if len(allv) else (0.0, 1.0))
    bins = np.linspace(lo, hi if hi > lo else lo + 1, 40)
    for (label, v), col in zip(vals.items(), colours(), strict=False):
        ax.hist(np.clip(v, lo, hi), bins=bins, color=col, alpha=0.55, label=f"{label} ({len(v):,} customers)")
    cur = next(iter(g.values()))[0].scenario.market.currency
    ax.legend(loc="best")
    return finish(fig, ax, "Customer lifetime value across customers",
                  f"CLV per customer ({cur}; tails beyond 0.5-99.5% clipped)", "customers (count)")


def forest(cmp, metrics: tuple[str, ...] = ("profit", "revenue", "gross_margin", "reward_cost"),
           ax: Axes | None = None) -> Figure:
    """Paired difference of each design vs the reference, one panel row per metric and design:
    the mean with its 95% CI and P(better) written beside it."""
    tab = cmp.table(metrics=[m for m in metrics if m in cmp.runs.columns])
    tab = tab[tab["design"] != cmp.reference].reset_index(drop=True)
    fig, ax = axes(ax, size=(8, 0.5 * len(tab) + 1.8))
    y = np.arange(len(tab))[::-1]
    scale = tab[["diff_ci_low", "diff_ci_high", "diff"]].abs().max(axis=1).replace(0, 1)
    for i, (yi, (_, r)) in enumerate(zip(y, tab.iterrows(), strict=True)):
        s = scale.iloc[i]
        lo, hi = r["diff_ci_low"] / s, r["diff_ci_high"] / s
        ax.errorbar(r["diff"] / s, yi, xerr=[[r["diff"] / s - lo], [hi - r["diff"] / s]]
                    if np.isfinite(lo) else None, fmt="o", color=colour(list(cmp.designs).index(r["design"])),
                    capsize=3)
        pb = f", P(better) {r['p_better']:.0%}" if np.isfinite(r["p_better"]) else ""
        ax.text(1.15, yi, f"{r['diff']:+,.4g} [{r['diff_ci_low']:,.4g}, {r['diff_ci_high']:,.4g}]{pb}",
                va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{r['metric']}: {r['design']}" for _, r in tab.iterrows()])
    ax.set_xlim(-1.1, 2.9)
    ax.set_xticks([-1, 0, 1])
    return finish(fig, ax, f"Paired differences vs {cmp.reference} (95% CI)",
                  "difference, scaled per row to its largest |value| (values written right)", "metric: design")
