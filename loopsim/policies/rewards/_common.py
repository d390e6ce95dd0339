"""What every reward policy shares: operating costs, member counting and the behaviour switches."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ...registry import PolicyParams
from .behaviour import Behaviour, Mechanisms


class ProgrammeParams(PolicyParams):
    """Parameters every reward policy has: operating costs and behavioural mechanisms."""

    operating_cost_per_day: float = Field(0.0, ge=0, description="Fixed cost of running the programme "
                                          "(currency/day, programme_cost).")
    cost_per_member_per_day: float = Field(0.0, ge=0, description="Running cost per active member "
                                           "(currency/member/day, programme_cost).")
    behaviour: Behaviour = Field(Behaviour(), description="Behavioural mechanisms (see docs/policies.md).")


class Programme:
    """Base of the reward policies: counts active members and books the daily operating cost.

    Subclasses decide who is a member (``is_member``; by default every acquired customer) and call
    ``super()`` in the hooks they override."""

    kind: ClassVar[str] = "reward"

    def __init__(self, params: ProgrammeParams):
        self.p = params
        self.mech = Mechanisms(params.behaviour)
        self.members = 0              # active members
        self.member_days = 0.0
        self.operating_cost = 0.0

    # membership bookkeeping ---------------------------------------------------------------
    def is_member(self, c) -> bool:
        return True

    def setup(self, ctx) -> None:
        self.mech.setup(ctx)

    def on_acquire(self, ctx, c) -> None:
        if self.is_member(c):
            self.members += 1

    def on_churn(self, ctx, c) -> None:
        if self.is_member(c):
            self.members -= 1

    def on_reactivate(self, ctx, c) -> None:
        if self.is_member(c):
            self.members += 1

    def on_day(self, ctx, day: int) -> None:
        p = self.p
        frac = min(1.0, ctx.horizon - day)
        cost = (p.operating_cost_per_day + p.cost_per_member_per_day * self.members) * frac
        self.member_days += self.members * frac
        if cost:
            ctx.post("programme_cost", cost)
            self.operating_cost += cost

    def churn_multiplier(self, ctx, c) -> float:
        return self.mech.churn(ctx, c)

    def common_summary(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_members_at_end": float(self.members),
                f"{prefix}_operating_cost": float(self.operating_cost)}
