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
