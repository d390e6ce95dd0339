"""Service policies: who is served first.

``tier_priority``: customers are put in tiers by their cumulative revenue (or purchases) so far;
higher tiers get a lower (earlier) queue priority at the service desk via the engine's
``service_priority`` hook (non-preemptive: a contact in service is never interrupted). A rewards
tier programme may implement ``service_priority`` itself; the desk takes the most urgent value any
policy gives.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from ..registry import PolicyParams, register_policy


class TierPriorityParams(PolicyParams):
    """Parameters of tier-based service priority."""

    type: Literal["tier_priority"] = "tier_priority"
    basis: Literal["revenue", "purchases"] = Field("revenue", description="What the tier thresholds "
                                                   "count: cumulative revenue (currency) or purchases.")
    thresholds: tuple[float, ...] = Field((250.0, 750.0), description="Ascending thresholds of tiers "
                                          "1, 2, ... (tier 0 below the first).")
    operating_cost_per_day: float = Field(0.0, ge=0, description="Running the priority routing "
                                          "(currency/day, booked as service_cost).")

    @field_validator("thresholds")
    @classmethod
    def _ascending(cls, v):
        if list(v) != sorted(v):
            raise ValueError("thresholds must be ascending")
        return v


@register_policy
class TierPriority:
    """Higher tiers queue ahead: priority = -tier (0 for the lowest tier)."""

    type_name: ClassVar[str] = "tier_priority"
    kind: ClassVar[str] = "service"
    Params: ClassVar[type[TierPriorityParams]] = TierPriorityParams

    def __init__(self, params: TierPriorityParams):
        self.p = params
        self.prioritised = 0

    def tier(self, c) -> int:
        x = c.revenue if self.p.basis == "revenue" else c.purchases
        n = 0
        for th in self.p.thresholds:
            if x >= th:
                n += 1
        return n

    def service_priority(self, ctx, c) -> int:
        t = self.tier(c)
        if t:
            self.prioritised += 1
        return -t

    def on_day(self, ctx, day: int) -> None:
        if self.p.operating_cost_per_day:
            ctx.post("service_cost", self.p.operating_cost_per_day)

    def summary(self, ctx) -> dict[str, float]:
        return {"tier_priority_contacts": float(self.prioritised)}
