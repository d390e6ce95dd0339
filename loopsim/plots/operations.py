"""Programme and service figures: points over time, service waits and utilisation by hour."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import LoopsimError
from ._data import Results, first
from .style import MONEY_TICKS, axes, colour, finish


def points(results: Results, ax: Axes | None = None) -> Figure:
    """The points liability (currency) over time and, on the right axis, the points earned,
    redeemed and expired to date and the outstanding balance (points), of the first run."""
    run = first(results)
    tl = run.timeline
    if "points_liability" not in tl.columns:
        raise LoopsimError(f"{run.scenario.name}: no points policy; no points figure")
    fig, ax = axes(ax)
    cur = run.scenario.market.currency
    ax.plot(tl["day"], tl["points_liability"], color=colour(3), label=f"liability ({cur})")
    ax.yaxis.set_major_formatter(MONEY_TICKS)
    ax2 = ax.twinx()
    ax2.plot(tl["day"], tl["points_outstanding"], color=colour(0), linestyle="--", label="outstanding points")
    for i, k in enumerate(("earned", "redeemed", "expired")):
        ax2.plot(tl["day"], tl[f"points_{k}_to_date"], color=colour(i + 1), label=f"points {k} to date")
    ax2.set_ylabel("points (count)")
    ax2.yaxis.set_major_formatter(MONEY_TICKS)
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left", fontsize=9)
    return finish(fig, ax, "Points: earned, redeemed, expired and liability over time", "day",
                  f"liability ({cur})")


def _agents_on_duty(service) -> np.ndarray:
    """Agents on duty in each hour of the day (24 values), summed over channels with agents."""
    hours = np.arange(24) + 0.5
    chans = service.channels or (None,)
    out = np.zeros(24)
    for ch in chans:
        def get(name, ch=ch):
            v = getattr(ch, name) if ch is not None else None
            return getattr(service, name) if v is None else v
        shifts = ch.shifts if ch is not None and ch.shifts else None
        if shifts is None:
            spans = [(get("open_hour"), get("close_hour"), get("agents"))]
        else:
            spans = [(s.start_hour, s.end_hour, s.agents) for s in shifts]
        for a, b, n in spans:
            on = np.ones(24, bool) if a == b else ((hours >= a) & (hours < b) if a < b
                                                   else (hours >= a) | (hours < b))
            out += n * on
    return out


def _busy_by_hour(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Busy time (hours) falling in each hour of the day, from intervals in hours since day 0."""
    busy = np.zeros(24)
    k = np.floor(start)
    while len(start):   # each pass takes the part of every interval inside its current hour
        upto = np.minimum(end, k + 1)
        np.add.at(busy, (k % 24).astype(int), upto - start)
        keep = end > k + 1
        start, end, k = (k + 1)[keep], end[keep], (k + 1)[keep]
    return busy


def service_by_hour(results: Results, ax: Axes | None = None) -> Figure:
    """Mean wait in queue (minutes) of contacts by the hour of day they arrived (bars), and
    agent utilisation by hour (line, right axis): busy agent-time of served contacts in that
    hour over agents on duty in that hour (first run)."""
    run = first(results)
    c = run.contacts
    fig, ax = axes(ax)
    if not len(c):
        raise LoopsimError(f"{run.scenario.name}: no service contacts; no service figure")
    hour = np.floor((c["arrived"].to_numpy() % 1.0) * 24).astype(int)
    queued = (c["outcome"] != "balked").to_numpy()
    wait_min = c["wait"].to_numpy() * 24 * 60
    means = [wait_min[queued & (hour == h)].mean() if (queued & (hour == h)).any() else 0.0
             for h in range(24)]
    ax.bar(np.arange(24), means, color=colour(0), label="mean wait (minutes)")
    served = (c["outcome"] == "served").to_numpy()
    start = (c["arrived"] + c["wait"]).to_numpy()[served] * 24
    end = start + c["handling"].to_numpy()[served] * 24
    busy = _busy_by_hour(start, end)
    days = run.scenario.time.horizon_days
    duty = _agents_on_duty(run.scenario.service) * days
    util = np.divide(busy, duty, out=np.full(24, np.nan), where=duty > 0)
    ax2 = ax.twinx()
    ax2.plot(np.arange(24), util, color=colour(3), marker="o", label="utilisation (share of on-duty time)")
    ax2.set_ylim(0, max(1.0, float(np.nanmax(util)) if np.isfinite(util).any() else 1.0))
    ax2.set_ylabel("agent utilisation (share)")
    ax.set_ylim(bottom=0, top=max(1.0, max(means) * 1.15))
    ax.set_xticks(range(0, 24, 3))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=9)
    return finish(fig, ax, "Service desk by hour of day", "hour of day (arrival)", "mean wait in queue (minutes)")
