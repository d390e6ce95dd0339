"""Sweep figures: response curves, two-parameter heatmaps and Sobol indices."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import LoopsimError
from .style import MONEY_TICKS, axes, colour, colours, finish


def parameters(df: pd.DataFrame) -> list[str]:
    """The swept parameters of a sweep's runs table (the columns between point and replication)."""
    cols = list(df.columns)
    if "point" not in cols or "replication" not in cols:
        raise LoopsimError("not a sweep table: needs point and replication columns")
    return cols[cols.index("point") + 1:cols.index("replication")]


def is_grid(df: pd.DataFrame) -> bool:
    """Whether the sweep's points are a full factorial grid (every combination of its values)."""
    params = parameters(df)
    pts = df.drop_duplicates("point")[params]
    return len(pts) == int(np.prod([pts[p].nunique() for p in params]))


def _summary(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    from ..experiment import sweep_summary

    if metric not in df.columns:
        raise LoopsimError(f"metric {metric!r} is not in the sweep's runs")
    return sweep_summary(df, metrics=(metric,))


def _lines(ax: Axes, s: pd.DataFrame, param: str, others: list[str], metric: str) -> None:
    """One line with its CI band per value combination of the other parameters (a grid)."""
    grouped = s.groupby(others, sort=True) if others else [((), s)]
    for (key, g), col in zip(grouped, colours(), strict=False):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{p}={v}" for p, v in zip(others, key, strict=True)) or metric
        x = g[param].to_numpy(dtype=float)
        ax.plot(x, g[f"{metric}_mean"], marker="o", color=col, label=label)
        ax.fill_between(x, g[f"{metric}_ci_low"], g[f"{metric}_ci_high"], color=col, alpha=0.2, linewidth=0)


def _points(ax: Axes, s: pd.DataFrame, param: str, metric: str) -> None:
    """Scattered design points (LHS, random, Sobol) with CI whiskers: no lines to join."""
    mean, lo, hi = s[f"{metric}_mean"], s[f"{metric}_ci_low"], s[f"{metric}_ci_high"]
    ax.errorbar(s[param], mean, yerr=[mean - lo, hi - mean] if lo.notna().any() else None, fmt="o",
                color=colour(0), capsize=2, label="design points (the other parameters vary)")


def response(df: pd.DataFrame, param: str, metric: str = "profit", ax: Axes | None = None) -> Figure:
    """Mean ``metric`` (with its 95% CI over replications) against ``param``: on a grid one line
    per value combination of the other swept parameters, otherwise one marker per point."""
    params = parameters(df)
    if param not in params:
        raise LoopsimError(f"{param!r} was not swept; swept: {', '.join(params)}")
    s = _summary(df, metric).sort_values(param)
    others = [p for p in params if p != param]
    fig, ax = axes(ax)
    if others and not is_grid(df):
        _points(ax, s, param, metric)
    else:
        _lines(ax, s, param, others, metric)
    if "profit" in metric or "cost" in metric or "revenue" in metric:
        ax.yaxis.set_major_formatter(MONEY_TICKS)
    ax.legend(loc="best", fontsize=9)
    return finish(fig, ax, f"{metric} against {param} (mean, 95% CI)", param, metric.replace("_", " "))


def heatmap(df: pd.DataFrame, x: str, y: str, metric: str = "profit", ax: Axes | None = None) -> Figure:
    """Mean ``metric`` over a grid of two swept parameters (other parameters averaged over),
    each cell labelled with its value."""
    params = parameters(df)
    for p in (x, y):
        if p not in params:
            raise LoopsimError(f"{p!r} was not swept; swept: {', '.join(params)}")
    if not is_grid(df):
        raise LoopsimError("a heatmap needs a grid sweep (--grid); this sweep's points are scattered")
    grid = df.groupby([y, x])[metric].mean().unstack(x).sort_index(ascending=False)
    fig, ax = axes(ax, size=(7.5, 5))
    im = ax.imshow(grid.to_numpy(dtype=float), cmap="cividis", aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [str(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(v) for v in grid.index])
    vals = grid.to_numpy(dtype=float)
    mid = np.nanmean(vals)
    for (i, j), v in np.ndenumerate(vals):
        ax.text(j, i, f"{v:,.3g}", ha="center", va="center", fontsize=9,
                color="black" if v > mid else "white")
    fig.colorbar(im, ax=ax, label=f"mean {metric}")
    fig = finish(fig, ax, f"Mean {metric} by {x} and {y}", x, y)
    ax.grid(False)
    return fig


def sobol_indices(indices: pd.DataFrame, metric: str = "", ax: Axes | None = None) -> Figure:
    """First-order and total Sobol indices per parameter (``Sensitivity.indices``), bars with
    their bootstrap 95% CIs where computed."""
    fig, ax = axes(ax)
    x = np.arange(len(indices))
    for k, (col, name) in enumerate((("first_order", "first order"), ("total_order", "total"))):
        v = indices[col].to_numpy(dtype=float)
        err = None
        if f"{col}_ci_low" in indices.columns:
            lo = indices[f"{col}_ci_low"].to_numpy(dtype=float)
            hi = indices[f"{col}_ci_high"].to_numpy(dtype=float)
            err = [np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)]
        ax.bar(x + (k - 0.5) * 0.38, v, width=0.38, yerr=err, capsize=3, color=colour(k), label=name)
    ax.set_xticks(x, list(indices["parameter"]), rotation=15, fontsize=9)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.legend(loc="best")
    return finish(fig, ax, f"Sobol sensitivity indices{' of ' + metric if metric else ''} (95% CI)",
                  "parameter", "share of variance (index)")
