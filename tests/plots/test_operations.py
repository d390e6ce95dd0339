"""Points over time and the service desk by hour of day."""

from __future__ import annotations

import numpy as np
import pytest

from loopsim import plots
from loopsim.errors import LoopsimError
from loopsim.plots.operations import _agents_on_duty, _busy_by_hour


def test_points_liability_over_time(runs):
    run = runs["points"][0]
    fig = plots.points(run)
    liab, outstanding = fig.axes[0].get_lines()[0], fig.axes[1].get_lines()[0]
    assert np.allclose(liab.get_ydata(), run.timeline["points_liability"])
    assert np.allclose(outstanding.get_ydata(), run.timeline["points_outstanding"])
    earned, redeemed, expired = (ln.get_ydata() for ln in fig.axes[1].get_lines()[1:])
    # the flows drawn are the ledger's: earned = redeemed + expired + outstanding on every day
    assert np.allclose(earned, redeemed + expired + outstanding.get_ydata())
    assert redeemed[-1] > 0 and np.all(np.diff(earned) >= 0)
    assert [ln.get_label() for ln in fig.axes[1].get_lines()[1:]] == [
        "points earned to date", "points redeemed to date", "points expired to date"]
    with pytest.raises(LoopsimError, match="no points policy"):
        plots.points(runs["base"][0])


def test_service_waits_in_minutes_and_utilisation(runs):
    run = runs["base"][0]
    c = run.contacts
    assert len(c) > 0
    fig = plots.service_by_hour(run)
    ax, ax2 = fig.axes
    assert len(ax.patches) == 24 and "minutes" in ax.get_ylabel()
    hour = np.floor((c["arrived"] % 1.0) * 24).astype(int)
    h = int(hour.mode()[0])
    sel = (hour == h) & (c["outcome"] != "balked")
    assert np.isclose(ax.patches[h].get_height(), c.loc[sel, "wait"].mean() * 1440)
    util = ax2.get_lines()[0].get_ydata()
    assert np.nanmax(util) <= 1.0 and np.nanmax(util) > 0


def test_busy_time_is_split_across_hours():
    busy = _busy_by_hour(np.array([0.5, 23.75]), np.array([2.0, 24.25]))   # hours since day 0
    assert np.allclose(busy[[0, 1, 23]], [0.5 + 0.25, 1.0, 0.25]) and np.isclose(busy.sum(), 2.0)


def test_agents_on_duty_by_hour(designs):
    sc = designs["base"].with_overrides({"service.agents": 3, "service.open_hour": 20.0, "service.close_hour": 8.0})
    duty = _agents_on_duty(sc.service)
    assert duty[21] == 3 and duty[3] == 3 and duty[12] == 0   # open overnight
