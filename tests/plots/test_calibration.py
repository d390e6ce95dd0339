"""Calibration figures from a BG/NBD fit to the bundled CDNOW sample."""

from __future__ import annotations

import numpy as np

from loopsim import btyd, plots
from loopsim.plots.calibration import conditional_purchases, p_alive


def test_conditional_expectations(cdnow):
    cal, _tx, _hold = cdnow
    p = cal.purchase.params
    t = np.array([1.0, 10.0, 39.0])
    # a customer with no history at age 0 is a new customer: the unconditional expectation
    assert np.allclose(conditional_purchases(t, 0, 0, 0, **p), btyd.bgnbd_expected_purchases(t, **p))
    assert p_alive(0, 0, 30, **p) == 1.0          # no repeat purchase: BG/NBD says alive
    seen_late, seen_early = p_alive(3, 29, 30, **p), p_alive(3, 2, 30, **p)
    assert 0 < seen_early < seen_late < 1


def test_matrices(cdnow):
    cal, _tx, _hold = cdnow
    for fig in (plots.frequency_recency(cal), plots.p_alive_matrix(cal)):
        img = fig.axes[0].get_images()[0].get_array()
        assert img.shape[0] >= 2 and img.shape[1] == 60
        assert "recency" in fig.axes[0].get_xlabel() and "frequency" in fig.axes[0].get_ylabel()
    alive = plots.p_alive_matrix(cal).axes[0].get_images()[0].get_array()
    assert np.all(alive[0] == 1.0) and alive[-1, -1] > alive[-1, 0]


def test_holdout_and_cumulative_repeat(cdnow):
    cal, tx, hold = cdnow
    fig = plots.holdout(cal, hold)
    actual, model = fig.axes[0].get_lines()
    assert np.isclose(actual.get_ydata()[0], hold.loc[hold["frequency"] == 0, "frequency_holdout"].mean())
    assert np.all(np.abs(model.get_ydata() - actual.get_ydata()) < 1.0)   # a fair fit on CDNOW
    fig = plots.cumulative_repeat(cal, tx)
    lines = fig.axes[0].get_lines()
    sub = tx[tx["customer_id"].isin(cal.rfm.index)]
    assert lines[0].get_ydata()[-1] == len(sub) - sub["customer_id"].nunique()   # every repeat counted
    assert abs(lines[1].get_ydata()[-1] / lines[0].get_ydata()[-1] - 1) < 0.25
