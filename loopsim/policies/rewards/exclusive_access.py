"""Exclusive access: early-access sales and members-only events for eligible customers.

Every ``event_interval_days`` (first at ``first_event_day``) an event opens for
``event_duration_days``. Customers with at least ``min_purchases`` purchases are eligible. An
eligible customer's first purchase during an event counts as attending: it costs
``cost_per_attendee`` (``programme_cost`` attributed to the customer) and raises satisfaction by
``satisfaction_gain`` (points on 0-10, x ``2 s_reward``). Each event costs ``cost_per_event``.

Behaviour (off with ``behaviour.enabled = false``): during an event, and for
``anticipation_days`` before it, eligible customers' purchase rate is multiplied by
``1 + rate_uplift x 2 s_reward`` (the next purchase is pulled into the event). Non-monetary,
status-based rewards build attachment (Drèze & Nunes 2009, J. Consumer Research 35(6) on status;
Henderson, Beck & Palmatier 2011, J. Consumer Psychology 21(3) on preferential treatment);
the sizes are illustrative.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field

from ...registry import register_policy
from ._common import Programme, ProgrammeParams


class ExclusiveAccessParams(ProgrammeParams):
    """Parameters of exclusive-access events."""

    type: Literal["exclusive_access"] = "exclusive_access"
    min_purchases: int = Field(3, ge=0, description="Purchases needed to be eligible (count).")
    first_event_day: float = Field(30.0, ge=0, description="Day the first event opens (day).")
    event_interval_days: float = Field(90.0, gt=0, description="Days between event openings (days).")
    event_duration_days: float = Field(7.0, gt=0, description="How long an event is open (days).")
    anticipation_days: float = Field(7.0, ge=0, description="Days before an event in which eligible "
                                     "customers already speed up (days).")
    rate_uplift: float = Field(0.3, ge=0, description="Purchase-rate uplift during an event (share).")
    satisfaction_gain: float = Field(0.3, ge=0, description="Satisfaction gain of attending (points on 0-10).")
    cost_per_event: float = Field(500.0, ge=0, description="Cost of running one event (currency/event).")
    cost_per_attendee: float = Field(1.0, ge=0, description="Cost per attending customer (currency/attendee).")


@register_policy
class ExclusiveAccess(Programme):
    """Early-access sales and members-only events for eligible customers."""

    type_name: ClassVar[str] = "exclusive_access"
    Params: ClassVar[type[ExclusiveAccessParams]] = ExclusiveAccessParams

    def __init__(self, params: ExclusiveAccessParams):
        super().__init__(params)
        self.attended: dict[int, int] = {}    # customer -> last event index attended
        self.attendees = 0
        self.events = 0

    def _event(self, t: float) -> int:
        """Index of the event open at ``t`` or -1."""
        p = self.p
        if t < p.first_event_day:
            return -1
        k = math.floor((t - p.first_event_day) / p.event_interval_days)
        return k if t - (p.first_event_day + k * p.event_interval_days) < p.event_duration_days else -1

    def _soon(self, t: float) -> bool:
        p = self.p
        if self._event(t) >= 0:
            return True
        k = max(0, math.ceil((t - p.first_event_day) / p.event_interval_days))
        return p.first_event_day + k * p.event_interval_days - t <= p.anticipation_days

    def is_member(self, c) -> bool:
        return c.purchases >= self.p.min_purchases

    def on_purchase(self, ctx, c, purchase) -> None:
        if c.purchases + 1 == self.p.min_purchases and self.p.min_purchases > 0 and c.active:
            self.members += 1            # becomes eligible with this purchase
        if c.purchases < self.p.min_purchases:
            return
        k = self._event(ctx.now)
        if k < 0 or self.attended.get(c.id) == k:
            return
        self.attended[c.id] = k
        self.attendees += 1
        if self.p.cost_per_attendee:
            ctx.post("programme_cost", self.p.cost_per_attendee, c)
            self.operating_cost += self.p.cost_per_attendee
        if self.mech.on and self.p.satisfaction_gain:
            ctx.change_satisfaction(c, self.p.satisfaction_gain * self.mech.response(c))

    def purchase_rate_multiplier(self, ctx, c) -> float:
        if not self.mech.on or c.purchases < self.p.min_purchases or not self._soon(ctx.now):
            return 1.0
        return self.mech.uplift(c, self.p.rate_uplift)

    def on_day(self, ctx, day: int) -> None:
        super().on_day(ctx, day)
        p = self.p
        k = max(0, math.ceil((day - p.first_event_day) / p.event_interval_days))
        opens = p.first_event_day + k * p.event_interval_days
        if day <= opens < min(day + 1.0, ctx.horizon):      # an event opens today
            self.events += 1
            if p.cost_per_event:
                ctx.post("programme_cost", p.cost_per_event)
                self.operating_cost += p.cost_per_event

    def summary(self, ctx) -> dict[str, float]:
        out = {"exclusive_access_events": float(self.events),
               "exclusive_access_attendees": float(self.attendees)}
        out.update(self.common_summary("exclusive_access"))
        return out
