"""What a traced customer looks like at each event: satisfaction and programme progress.

A :class:`Probe` is attached to a running world by :meth:`loopsim.records.Tracer.bind`. It reads
state, it never changes it: a traced run gives the same results as an untraced one.

Satisfaction changes are recorded where they happen. Policies and the service desk change
satisfaction through ``ctx.change_satisfaction(c, delta)``, which has no ``cause`` argument (and
custom policies written against it must keep working), so the probe wraps that method on the
traced world and on its context (``world.ctx``, what policies and the desk hold) and names the cause after the code that called it: the engine's onboarding or
purchase experience, the service desk, or the policy. The purchase hot path updates satisfaction
inline when the experience is a fixed number; such a change is found at the customer's next event
(or at the end of the run) and attributed to the event before it.
"""

from __future__ import annotations

import sys
from typing import Any

#: engine functions that change satisfaction -> the cause shown in a trace
_ENGINE_CAUSES = {"_onboarded": "onboarding", "_experience": "experience of the purchase"}
#: policy modules (or helpers) that change satisfaction -> the cause shown in a trace
_POLICY_CAUSES = {
    "behaviour": "reward redeemed (rewarded-behaviour effect)",
    "exclusive_access": "exclusive access",
    "personalisation": "personalised offer",
}
#: satisfaction changes smaller than this (points on the 0-10 scale) are numerical noise
_EPS = 1e-9


def programme_state(policies: list[Any], cid: int) -> dict[str, Any]:
    """The programme progress of customer ``cid`` under the scenario's reward policies.

    Keys, present only for the programmes the scenario has: ``stamps`` and ``stamps_required``
    (punch card), ``points`` and ``points_threshold`` (points balance and the balance a
    reward needs), ``tier`` (tier name), ``member`` (paid membership, bool).
    """
    out: dict[str, Any] = {}
    for pol in policies:
        kind = getattr(pol, "type_name", "")
        p = getattr(pol, "p", None)
        if kind == "punch_card":
            out["stamps"] = int(pol.stamps.get(cid, p.prefilled_stamps))
            out["stamps_required"] = int(p.stamps_required)
        elif kind == "points":
            out["points"] = float(pol.balance.get(cid, 0.0))
            out["points_threshold"] = float(p.redemption_threshold)
        elif kind == "tiers" and cid in pol.tier:
            out["tier"] = p.tiers[pol.tier[cid]].name
        elif kind == "membership":
            out["member"] = cid in pol.member
    return out


def cause_of(frame: Any) -> str:
    """Name the cause of a satisfaction change from the frame of the code that made it."""
    module = frame.f_globals.get("__name__", "")
    func = frame.f_code.co_name
    leaf = module.rsplit(".", 1)[-1]
    if module.startswith("loopsim.engine"):
        if leaf == "service":
            return "service contact"
        return _ENGINE_CAUSES.get(func, func.strip("_").replace("_", " "))
    if leaf in _POLICY_CAUSES:
        return _POLICY_CAUSES[leaf]
    owner = frame.f_locals.get("self")
    name = getattr(owner, "type_name", None)
    return f"{name} policy" if name else (leaf.replace("_", " ") or "other")


class Probe:
    """Reads one world's customers for a :class:`~loopsim.records.Tracer` while the run goes on."""

    def __init__(self, tracer: Any, world: Any):
        self.tracer = tracer
        self.by_id: dict[int, Any] = world.by_id
        self.policies = list(world.policies)
        self.seen: dict[int, Any] = {}            # traced customers met so far
        self.sat: dict[int, float] = {}           # their satisfaction as last recorded
        self.last: dict[int, tuple[float, str]] = {}   # their last event: (day, name)
        self.world = world
        change = world.change_satisfaction        # the bound method, called by the wrapper
        self._change = change

        def traced_change(c: Any, delta: float) -> None:
            if not tracer.wants(c.id):
                change(c, delta)
                return
            self._settle(c)
            before = c.satisfaction
            change(c, delta)
            self._record(c, world.now, before, cause_of(sys._getframe(1)))

        # the engine calls it on the world (an instance attribute shadows the method), policies
        # and the desk on the context: the wrapper is called directly from either, so the frame
        # above it is the code that made the change
        world.change_satisfaction = traced_change
        world.ctx.change_satisfaction = traced_change

    def state(self, c: Any) -> dict[str, Any]:
        """Satisfaction (0-10) and programme progress of customer ``c`` now."""
        out: dict[str, Any] = {"satisfaction": float(c.satisfaction)}
        out.update(programme_state(self.policies, c.id))
        return out

    def before_event(self, t: float, cid: int, event: str) -> dict[str, Any]:
        """Called by the tracer as it records ``event``: the state to store with it."""
        c = self.by_id.get(cid) or self.seen.get(cid)
        if c is None or c.acquired_at != c.acquired_at:   # NaN: a prospect in the funnel,
            return {}                                     # no satisfaction or programme yet
        self.seen[cid] = c
        self._settle(c)
        self.sat[cid] = c.satisfaction
        self.last[cid] = (t, event)
        return self.state(c)

    def _settle(self, c: Any) -> None:
        """Record a change made where no wrapper sees it (the purchase hot path)."""
        known = self.sat.get(c.id)
        if known is not None and abs(c.satisfaction - known) > _EPS:
            t, event = self.last.get(c.id, (self.world.now, ""))
            cause = "experience of the purchase" if event == "purchase" else f"after {event}"
            self._record(c, t, known, cause)

    def _record(self, c: Any, t: float, before: float, cause: str) -> None:
        from ..records import TraceEvent

        self.seen[c.id] = c
        after = float(c.satisfaction)
        self.sat[c.id] = after
        if abs(after - before) <= _EPS:
            return
        state = self.state(c)
        state.update(before=float(before), after=after, cause=cause)
        self.tracer.events.append(TraceEvent(t, c.id, "satisfaction", cause, state))

    def finish(self) -> None:
        """Record the changes since each customer's last event; let go of the world."""
        for c in self.seen.values():
            self._settle(c)
        self.world.__dict__.pop("change_satisfaction", None)
        self.world.ctx.change_satisfaction = self._change
        self.world = None
        self.by_id = {}
        self.seen = {}
