"""The funnel and the customer flow."""

from __future__ import annotations

import numpy as np

import loopsim
from loopsim import plots
from loopsim.scenario import STAGES

from ..report_fixtures import small


def test_funnel_bars_are_stage_counts(runs):
    run = runs["base"][0]
    fig = plots.funnel(run)
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == len(STAGES) + 1 == 7
    widths = [b.get_width() for b in bars]
    assert widths[:6] == [run.summary[f"funnel_{s}"] for s in STAGES]
    bought = (run.customers["channel"].isin(["marketing", "organic", "referral"])).sum()
    assert np.isclose(widths[6], bought) and bought > 0      # the last bar: first purchases
    assert all(a >= b for a, b in zip(widths, widths[1:], strict=False))   # a funnel narrows
    notes = [t.get_text() for t in ax.texts]
    assert "convert" in notes[1] and "drop off" in notes[1]


def test_customer_flow_stacks_states():
    # win-backs made likely and quick, so the won-back line and the "still gone" layer are tested
    sc = small("retailer_points", **{"journey.winback.success_probability": 0.9,
                                     "journey.winback.delay_days": 5.0})
    run = loopsim.simulate(sc, seed=3)
    fig = plots.customer_flow(run)
    ax = fig.axes[0]
    assert len(ax.collections) == 4
    tl = run.timeline
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    gone = tl["churned"].cumsum() - tl["won_back"].cumsum()     # churned and not won back
    assert (gone >= 0).all()
    want = (tl["in_funnel"] + tl["active"] + gone).max()
    assert np.isclose(top, want)
    # the win-backs drawn are the run's: per day in the timeline, summing to the summary's count
    assert run.summary["winbacks"] > 0 and tl["won_back"].sum() == run.summary["winbacks"]
    assert np.allclose(ax.get_lines()[0].get_ydata(), tl["won_back"].cumsum())
    assert [t.get_text() for t in ax.get_legend().get_texts()][2].startswith("at risk")
