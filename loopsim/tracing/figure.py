"""One customer's journey as a timeline figure (``loopsim trace --plot FILE``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..records import TraceEvent
from ..scenario import STAGES

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
_COLOURS = {"funnel": "#999999", "purchase": "#0072B2", "programme": "#E69F00", "service": "#56B4E9",
            "offer": "#CC79A7", "churn": "#D55E00", "win-back": "#009E73"}
_LANES = ("funnel", "purchase", "programme", "service", "offer", "churn", "win-back")
_PROGRAMME_EVENTS = {"reward", "tier", "points", "membership", "streak", "referral", "onboarded"}


def lane_of(event: str) -> str | None:
    """The timeline lane of an event name (``None`` for satisfaction changes, drawn as a line)."""
    if event in STAGES[:-1] or event == "lost":
        return "funnel"
    if event in {"purchase", "acquired"}:
        return "purchase"
    if event in _PROGRAMME_EVENTS:
        return "programme"
    if event == "service":
        return "service"
    if event in {"offer", "unsubscribed"}:
        return "offer"
    if event == "churned":
        return "churn"
    if event == "win-back":
        return "win-back"
    return None if event == "satisfaction" else "programme"


def _satisfaction_path(events: Sequence[TraceEvent]) -> tuple[list[float], list[float]]:
    """Days and satisfaction (0-10) after each recorded value, as a step path."""
    xs: list[float] = []
    ys: list[float] = []
    for e in events:
        s = e.state.get("after", e.state.get("satisfaction"))
        if s is not None:
            xs.append(e.time)
            ys.append(float(s))
    return xs, ys


def _progress_path(events: Sequence[TraceEvent]) -> tuple[str, list[float], list[float]]:
    """The programme progress worth a panel: stamps or points over days ('' when none)."""
    for key, label in (("stamps", "stamps on the card"), ("points", "points balance")):
        pts = [(e.time, float(e.state[key])) for e in events if key in e.state]
        if pts:
            return label, [p[0] for p in pts], [p[1] for p in pts]
    return "", [], []


def journey_figure(events: Sequence[TraceEvent], scenario: Any, customer_id: int,
                   churned_at: float = math.nan) -> Any:
    """Draw a customer's journey: satisfaction (0-10) over days, programme progress, and every
    event on its lane (funnel, purchase, programme, service, offer, churn, win-back).

    Returns the matplotlib Figure (save it with ``fig.savefig``; shown as is in a notebook)."""
    # a bare Figure, not pyplot: no global backend switch, nothing left open in a long session
    from matplotlib.figure import Figure

    events = sorted(events, key=lambda e: e.time)
    horizon = float(scenario.time.horizon_days)
    label, px, py = _progress_path(events)
    rows = 3 if label else 2
    fig = Figure(figsize=(10, 2.2 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, height_ratios=[2, 1.4, 2] if rows == 3 else [2, 2])
    ax_sat, ax_ev = axes[0], axes[-1]
    xs, ys = _satisfaction_path(events)
    if xs:
        ax_sat.step(xs + [horizon if math.isnan(churned_at) else churned_at], ys + ys[-1:],
                    where="post", color=_COLOURS["purchase"], lw=2)
    ax_sat.set_ylim(0, 10)
    ax_sat.set_ylabel("satisfaction (0-10)")
    if label:
        ax_prog = axes[1]
        end = horizon if math.isnan(churned_at) else churned_at
        ax_prog.step(px + [end], py + py[-1:], where="post", color=_COLOURS["programme"], lw=2)
        ax_prog.set_ylabel(label)
    used = [lane for lane in _LANES if any(lane_of(e.event) == lane for e in events)]
    for i, lane in enumerate(used):
        t = [e.time for e in events if lane_of(e.event) == lane]
        ax_ev.scatter(t, [i] * len(t), color=_COLOURS[lane], s=36, zorder=3, label=lane)
    ax_ev.set_yticks(range(len(used)), used)
    ax_ev.set_ylim(-0.7, len(used) - 0.3)
    ax_ev.set_xlabel("day of the simulation (days)")
    for ax in axes:
        ax.axvline(horizon, color="black", ls=":", lw=1)
        if not math.isnan(churned_at):
            ax.axvspan(churned_at, horizon, color=_COLOURS["churn"], alpha=0.08, lw=0)
        ax.grid(axis="x", alpha=0.3)
    ax_ev.set_xlim(0, horizon * 1.01)
    fig.suptitle(f"Journey of customer {customer_id} in {scenario.name!r}"
                 + ("" if math.isnan(churned_at) else f" (left on day {churned_at:.0f})"))
    return fig
