"""The Python side of the compiled exclusive access (kernel: :mod:`.exclusive_access`): its
configuration for the kernel, the events' daily cost and its summary, as the Python policy
computes them."""

from __future__ import annotations

import math

from . import exclusive_access as EA
from . import programmes as P
from .policy_base import CompiledProgramme


class CompiledExclusiveAccess(CompiledProgramme):
    """Exclusive access: members are the eligible customers (the kernel counts them); the
    operating cost is one sum in ``S.PS`` that the kernel (attendees) and :meth:`on_day` (running
    and event costs) add to in time order, as the Python policy's ``operating_cost``."""

    code = P.EXCLUSIVE_ACCESS
    prefix = "exclusive_access"
    #: calendar entries one new customer may need at once: attending at its first purchase moves
    #: satisfaction, which reschedules the defection wake-up (hazard process)
    timers_per_customer = 1

    def config(self, sc) -> dict[int, float]:
        p = self.p
        out = super().config(sc)
        out.update({EA.MIN_PURCHASES: p.min_purchases, EA.FIRST_DAY: p.first_event_day,
                    EA.INTERVAL: p.event_interval_days, EA.DURATION: p.event_duration_days,
                    EA.ANTICIPATION: p.anticipation_days, EA.RATE_UPLIFT: p.rate_uplift,
                    EA.SAT_GAIN: p.satisfaction_gain, EA.COST_EVENT: p.cost_per_event,
                    EA.COST_ATTENDEE: p.cost_per_attendee})
        return out

    def on_day(self, run, day: int) -> None:
        """``ExclusiveAccess.on_day``: the running cost, then an event's cost on its opening day."""
        p, ps = self.p, run.a["PS"][self.j]
        self.operating_cost = float(ps[EA.S_OPERATING_COST])
        super().on_day(run, day)
        k = max(0, math.ceil((day - p.first_event_day) / p.event_interval_days))
        opens = p.first_event_day + k * p.event_interval_days
        if day <= opens < min(day + 1.0, run.horizon):      # an event opens today
            ps[EA.S_EVENTS] += 1
            if p.cost_per_event:
                run.post_cost(p.cost_per_event)
                self.operating_cost += p.cost_per_event
        ps[EA.S_OPERATING_COST] = self.operating_cost

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        self.operating_cost = float(ps[EA.S_OPERATING_COST])
        out = {"exclusive_access_events": float(ps[EA.S_EVENTS]),
               "exclusive_access_attendees": float(ps[EA.S_ATTENDEES])}
        out.update(super().summary(run))
        return out

