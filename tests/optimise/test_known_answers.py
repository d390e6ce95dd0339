"""The optimiser finds optima known from queueing theory (Erlang C)."""

from __future__ import annotations

import loopsim

from .known import (
    ROUTING_OBJECTIVE,
    ROUTING_RANGE,
    STAFFING_OBJECTIVE,
    routing_file,
    routing_optimum,
    routing_wait,
    staffing_cost,
    staffing_file,
)


def test_staffing_with_priced_waits_returns_the_erlang_c_optimum(tmp_path):
    costs = {c: staffing_cost(c) for c in range(3, 13)}
    truth = min(costs, key=costs.get)
    assert 3 < truth < 12          # an interior optimum, not an end of the range
    res = loopsim.optimise(staffing_file(tmp_path), {"service.agents": (3, 12)}, objective=STAFFING_OBJECTIVE,
                           direction="minimize", trials=8, n=4, seed=1, top=3, out=tmp_path / "out")
    assert res.best["params"] == {"service.agents": truth}
    # repeated proposals were not run again: each design has at most one finished trial
    done = res.trials[res.trials["state"] == "COMPLETE"]
    assert done["service.agents"].is_unique and len(done) == 8
    chosen = res.selection.iloc[0]
    assert chosen["chosen"] and chosen["in_best_subset"] and chosen["p_best"] > 0.9
    # the runners-up are worse with paired CIs that exclude zero
    assert (res.selection["chosen_advantage_ci_low"].iloc[1:] > 0).all()
    # best.toml extends the base and runs as the chosen design
    best = loopsim.load_scenario(tmp_path / "out" / "best.toml")
    assert best.service.agents == truth
    text = (tmp_path / "out" / "best.toml").read_text()
    # the base lies outside the output folder's tree (no scenario library there): a snapshot of
    # it is written beside best.toml, so the folder runs without --scenario-path
    assert 'extends = "base.toml"' in text and (tmp_path / "out" / "base.toml").is_file()
    assert best.with_overrides({"name": res.scenario.name}).hash == res.scenario.hash


def test_routing_share_lands_near_the_closed_form_optimum(tmp_path):
    x_star, w_star = routing_optimum()
    lo, hi = ROUTING_RANGE
    assert lo + 0.5 < x_star < hi - 0.5
    trials, n, top, final_n = 12, 4, 3, 16
    res = loopsim.optimise(routing_file(tmp_path), {"service.channels.fast.share": ROUTING_RANGE},
                           objective=ROUTING_OBJECTIVE, direction="minimize", trials=trials, n=n, seed=1,
                           top=top, final_n=final_n)
    x = res.best["params"]["service.channels.fast.share"]
    # tolerance: within 5% of the least expected total wait (the curve is flat near its minimum)
    assert routing_wait(x) <= 1.05 * w_star, (x, x_star)
    runs = trials * n + top * (final_n - n)
    dense_sweep = 56 * n          # a grid in steps of 0.1 over the range, same replications
    assert runs < dense_sweep / 2
