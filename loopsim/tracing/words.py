"""One customer's journey in plain words, worded for the scenario it comes from.

Lines say only what the scenario has (no onboarding line without onboarding, no stamps without a
punch card), service waits are in minutes, satisfaction changes name their cause, and the last
line says whether the customer left before the horizon or was still a customer at it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..records import TraceEvent

#: satisfaction changes smaller than this (points on the 0-10 scale) are not listed
MIN_SATISFACTION_CHANGE = 0.05


def minutes(days: float) -> str:
    """A duration given in days, written in minutes (and hours when long)."""
    m = days * 1440.0
    if m < 1.0:
        return f"{m:.1f} min"
    if m < 120.0:
        return f"{m:.0f} min"
    return f"{m:,.0f} min ({m / 60:.1f} h)"


def progress_words(state: dict[str, Any]) -> str:
    """Programme progress in a few words: ``card 4/10 stamps; 230 points (reward at 500)``."""
    parts = []
    if "stamps" in state:
        parts.append(f"card {state['stamps']}/{state['stamps_required']} stamps")
    if "points" in state:
        parts.append(f"{state['points']:,.0f} points (reward at {state['points_threshold']:,.0f})")
    if "tier" in state:
        parts.append(f"tier {state['tier']}")
    if "member" in state:
        parts.append("member" if state["member"] else "not a member")
    return "; ".join(parts)


def contact_words(row: Any) -> str:
    """A service contact (a row of ``RunResult.contacts``) in words, waits in minutes."""
    wait = row["wait_days"] if "wait_days" in row else row["wait"]
    head = f"{row['reason']} contact ({row['channel']})"
    if row["outcome"] == "balked":
        return f"{head}: queue too long, gave up at once"
    if row["outcome"] == "abandoned":
        return f"{head}: hung up after waiting {minutes(wait)}"
    handling = row["handling_days"] if "handling_days" in row else row["handling"]
    return (f"{head}: waited {minutes(wait)}, {'resolved' if row['resolved'] else 'not resolved'} "
            f"in {minutes(handling)}")


def _detail(e: TraceEvent, scenario: Any, previous: dict[str, Any], contact: Any = None) -> str | None:
    """The words of one event (``None``: nothing worth a line)."""
    if e.event == "satisfaction":
        delta = e.state["after"] - e.state["before"]
        if abs(delta) < MIN_SATISFACTION_CHANGE:
            return None
        return f"{e.state['before']:.1f} -> {e.state['after']:.1f} ({delta:+.1f}): {e.detail}"
    if e.event == "service":
        # the engine's line has the wait in days, rounded; the contact's row has it exactly
        return e.detail if contact is None else contact_words(contact)
    if e.event == "acquired" and e.detail.endswith("(channel: initial)"):
        return "already a customer when the simulation starts"
    if e.event == "onboarded":
        ob = scenario.journey.onboarding
        return f"{e.detail} ({ob.duration_days:g} days after the first purchase)"
    text = e.detail
    progress = progress_words(e.state)
    if progress and (e.event in {"purchase", "reward", "tier", "points", "membership"}
                     or progress != progress_words(previous)):
        text += f"  [{progress}]"
    return text


def journey_lines(events: Sequence[TraceEvent], scenario: Any, contacts: Any = None) -> list[str]:
    """One line per event worth telling: ``day   12.50  purchase      purchase #2: 3.55 [...]``.

    ``contacts``: the customer's rows of ``RunResult.contacts`` in the order the desk logged them
    (each service event is logged together with its row), for exact waits in minutes."""
    lines = []
    previous: dict[str, Any] = {}
    service = [e for e in events if e.event == "service"]
    rows = [] if contacts is None else [r for _, r in contacts.iterrows()]
    by_event = {id(e): r for e, r in zip(service, rows, strict=False)} if len(rows) == len(service) else {}
    for e in sorted(events, key=lambda e: e.time):   # stable: same-day events keep their order
        text = _detail(e, scenario, previous, by_event.get(id(e)))
        if e.event != "satisfaction" and e.state:
            previous = e.state
        if text is not None:
            lines.append(f"day {e.time:7.2f}  {e.event:<13} {text}")
    return lines


def ending(row: Any, scenario: Any, last_state: dict[str, Any]) -> str:
    """The closing line from the customer's row of ``RunResult.customers`` (``None``: never bought)."""
    horizon = scenario.time.horizon_days
    if row is None:
        return f"never became a customer (the simulation ran to day {horizon:g})"
    cur = scenario.market.currency
    head = (f"{int(row['purchases'])} purchases, revenue {row['revenue']:,.2f} {cur}, "
            f"CLV {row['clv']:,.2f} {cur}, satisfaction {row['satisfaction']:.1f}")
    progress = progress_words(last_state)
    if progress:
        head += f", {progress}"
    if math.isnan(row["churned_at"]):
        return f"{head}; still a customer at the horizon (day {horizon:g})"
    reason = row.get("churn_reason") or ""
    why = {"competitor": ", to a competitor", "dropout": "", "lapsed": ""}.get(reason, f" ({reason})")
    return f"{head}; left on day {row['churned_at']:.1f}{why}, before the horizon (day {horizon:g})"
