"""The profit bridge, the explanation, the full comparison table and cumulative profit."""

from __future__ import annotations

import numpy as np

from loopsim import explain, plots


def test_bridge_bars_sum_to_the_profit_difference(comparison):
    fig = plots.profit_bridge(comparison, "points")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_hatch() is None]
    total = bars[-1].get_height()
    diff = comparison.differences("profit")["points"].mean()
    assert np.isclose(total, diff)
    assert np.isclose(sum(b.get_height() for b in bars[:-1]), diff)
    hatched = [p for p in ax.patches if p.get_hatch()]
    liab = comparison.differences("points_liability")["points"].mean()
    assert len(hatched) == 1 and np.isclose(hatched[0].get_height(), liab) and liab > 0
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "running cost" in labels and labels[-1].startswith("points liability")


def test_bridge_components_and_explanation(comparison):
    br = explain.bridge(comparison)
    comp = br[br["kind"] == "component"]
    assert np.isclose(comp["diff"].sum(), br.loc[br["kind"] == "total", "diff"].iloc[0])
    assert comp.set_index("metric").loc["reward_cost", "label"] == "redeemed points"
    run_cost = comp.set_index("metric").loc["programme_cost"]
    assert run_cost["diff"] < 0 and run_cost["ci_low"] <= run_cost["diff"] <= run_cost["ci_high"]
    text = explain.explain(comparison)
    assert text.startswith("points makes") and "base" in text
    assert "running cost" in text and "95% CI" in text and "liability" in text


def test_table_has_every_component_policy_metric_and_quantiles(comparison):
    tab = comparison.table()
    metrics = set(tab["metric"])
    for m in ("fee_revenue", "programme_cost", "winback_cost", "fixed_cost", "points_liability",
              "points_earned", "points_redeemed"):
        assert m in metrics
    row = tab[(tab["design"] == "points") & (tab["metric"] == "profit")].iloc[0]
    x = comparison.runs.loc[comparison.runs["design"] == "points", "profit"]
    assert np.isclose(row["p5"], x.quantile(0.05)) and np.isclose(row["p95"], x.quantile(0.95))
    assert row["p5"] <= row["p50"] <= row["p95"]
    assert explain.policy_metrics(metrics) and all(m.startswith(("points_", "breakage"))
                                                    for m in explain.policy_metrics(metrics))


def test_cumulative_profit_ends_at_profit(runs):
    fig = plots.cumulative_profit(runs)
    lines = [ln for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")]   # not the zero line
    assert [ln.get_label() for ln in lines] == ["base", "points"]
    want = np.mean([r.summary["profit"] for r in runs["points"]])
    assert np.isclose(lines[1].get_ydata()[-1], want)
    assert "EUR" in fig.axes[0].get_ylabel()


def test_reward_cost_is_named_after_the_programme(designs):
    from ..report_fixtures import small

    assert explain.reward_label(designs["points"], designs["base"]) == "redeemed points"
    assert explain.reward_label(small("prime_membership"), designs["base"]) == "member benefits"
    assert explain.reward_label(small("points_and_tiers"), designs["base"]) == "rewards"   # two kinds
