"""Sweep response curves, heatmaps and Sobol indices from real sweeps."""

from __future__ import annotations

import numpy as np
import pytest

from loopsim import plots
from loopsim.errors import LoopsimError


def test_response_one_line_per_other_value(sweep_runs):
    fig = plots.response(sweep_runs, "service.agents", "profit")
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2                           # one per marketing budget
    g = sweep_runs[sweep_runs["market.marketing_budget_per_day"] == 10.0].groupby("service.agents")["profit"].mean()
    assert np.allclose(lines[0].get_ydata(), g.to_numpy())
    assert fig.axes[0].get_xlabel() == "service.agents"
    with pytest.raises(LoopsimError, match="was not swept"):
        plots.response(sweep_runs, "time.horizon_days")


def test_heatmap_cells_are_point_means(sweep_runs):
    fig = plots.heatmap(sweep_runs, "service.agents", "market.marketing_budget_per_day")
    img = fig.axes[0].get_images()[0].get_array()
    assert img.shape == (2, 2)
    want = sweep_runs[(sweep_runs["service.agents"] == 2)
                      & (sweep_runs["market.marketing_budget_per_day"] == 60.0)]["profit"].mean()
    assert np.isclose(img[0, 1], want)             # top row: the larger budget; right: 2 agents


def test_scattered_points_get_markers_not_lines(designs):
    from loopsim.experiment import sweep

    df = sweep(designs["base"], design="lhs", ranges={"market.marketing_budget_per_day": (10.0, 60.0),
                                                       "economics.gross_margin_rate": (0.3, 0.5)},
               points=4, n=1, seed=3, progress=False)
    fig = plots.response(df, "economics.gross_margin_rate", "profit")
    ax = fig.axes[0]
    assert len(ax.containers) == 1 and len(ax.containers[0].lines[0].get_xdata()) == 4
    with pytest.raises(LoopsimError, match="needs a grid"):
        plots.heatmap(df, "economics.gross_margin_rate", "market.marketing_budget_per_day")


def test_sobol_bars_with_cis(designs):
    from loopsim.experiment import sobol

    res = sobol(designs["base"], {"market.marketing_budget_per_day": (10.0, 60.0),
                                  "economics.gross_margin_rate": (0.3, 0.5)},
                n=2, seed=3, progress=False, bootstrap=20)
    fig = plots.sobol_indices(res.indices, "profit")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 4
    assert np.allclose(heights[:2], res.indices["first_order"]) and np.allclose(heights[2:], res.indices["total_order"])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(res.indices["parameter"])
