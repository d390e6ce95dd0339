"""Distributions across replications and customers; the forest plot of paired differences."""

from __future__ import annotations

import numpy as np

from loopsim import plots


def test_replication_ecdf_one_step_line_per_design(comparison):
    fig = plots.replication_ecdf(comparison.runs, "profit", "EUR")
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    for line, d in zip(lines, comparison.designs, strict=True):
        x = comparison.runs.loc[comparison.runs["design"] == d, "profit"]
        assert line.get_ydata()[-1] == 1.0 and len(line.get_xdata()) == len(x) + 1
        assert np.allclose(np.sort(x), line.get_xdata()[1:])
    assert "EUR" in fig.axes[0].get_xlabel()


def test_clv_histogram_counts_every_customer(runs):
    fig = plots.clv_distribution(runs)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in ax.patches])
    n = sum(len(v[0].customers) for v in runs.values())
    assert heights.sum() == n
    assert "CLV" in ax.get_xlabel()


def test_forest_one_interval_per_metric_and_design(comparison):
    metrics = ("profit", "revenue", "gross_margin", "reward_cost")
    fig = plots.forest(comparison, metrics)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{m}: points" for m in metrics]      # top to bottom, in the order asked
    tab = comparison.table(metrics=["profit"])
    row = tab[tab["design"] == "points"].iloc[0]
    texts = [t.get_text() for t in ax.texts]
    assert any(f"P(better) {row['p_better']:.0%}" in t for t in texts)
    assert len(ax.containers) == len(metrics)    # one errorbar (mean and CI) per row
