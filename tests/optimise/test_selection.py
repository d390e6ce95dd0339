"""The final stage on synthetic replications whose answer is known."""

from __future__ import annotations

import numpy as np

from loopsim.optimise.selection import _p_best, _screen


def test_screening_keeps_the_best_and_drops_clearly_worse():
    rng = np.random.default_rng(0)
    common = rng.normal(0, 10, 40)              # CRN: a shared component cancels in differences
    e = rng.normal(0, 1, 40)
    e = (e - e.mean()) / e.std(ddof=1)          # exact mean 0, sd 1: the differences are known
    # 0 vs 2: mean difference 0.1, sd 2, so the screen's allowance t * 2 / sqrt(40) ~ 0.7 keeps 2;
    # 0 vs 1: mean difference 5, sd 1, far beyond it
    y = np.vstack([common + 5 + e, common, common + 4.9 - e])
    keep = _screen(y, 1.0, 0.05)
    assert keep.tolist() == [True, False, True]
    # minimising flips it
    assert _screen(y, -1.0, 0.05).tolist() == [False, True, False]


def test_paired_bootstrap_probability_of_best():
    rng = np.random.default_rng(1)
    common = rng.normal(0, 10, 30)
    y = np.vstack([common + 3 + rng.normal(0, 1, 30), common + rng.normal(0, 1, 30)])
    p = _p_best(y, 1.0, np.array([True, True]), seed=1)
    assert p[0] > 0.99 and np.isclose(p.sum(), 1)
    # an infeasible candidate is never the best
    assert _p_best(y, 1.0, np.array([False, True]), seed=1).tolist() == [0.0, 1.0]
    # equal designs split the probability
    tie = _p_best(np.vstack([common, common + rng.normal(0, 1, 30) * 1e-9]), 1.0, np.array([True, True]), 1)
    assert 0.2 < tie[0] < 0.8


def test_a_repeated_design_is_replaced_by_the_nearest_unexplored_one():
    from loopsim.optimise.revisits import key, neighbour, space_size
    from loopsim.optimise.space import parse_param

    params = [parse_param("service.agents=3:12"), parse_param("service.open_hour=8,9")]
    assert space_size(params) == 20 and space_size([parse_param("market.cost_per_aware=1.0:2.0")]) == float("inf")
    seen = {key(params, {"service.agents": a, "service.open_hour": 8}): 0 for a in (5, 6, 7)}
    # one step away first: agents 5 or 7 are taken, so the other choice of hour
    assert neighbour(params, {"service.agents": 6, "service.open_hour": 8}, seen, 1) == \
        {"service.agents": 6, "service.open_hour": 9}
    seen[key(params, {"service.agents": 6, "service.open_hour": 9})] = 1
    seen.update({key(params, {"service.agents": a, "service.open_hour": 9}): 2 for a in range(3, 13)})
    # no neighbour left: the nearest unexplored design (agents 4 or 8 at hour 8)
    got = {neighbour(params, {"service.agents": 6, "service.open_hour": 8}, seen, s)["service.agents"]
           for s in range(20)}
    assert got == {4, 8}
    seen.update({key(params, {"service.agents": a, "service.open_hour": 8}): 3 for a in range(3, 13)})
    assert neighbour(params, {"service.agents": 6, "service.open_hour": 8}, seen, 1) is None
