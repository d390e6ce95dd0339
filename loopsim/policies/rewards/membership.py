"""Paid membership ("Prime"-like): a fee per billing period buys benefits.

A new customer joins with probability ``join_probability`` (scaled by ``2 s_reward`` when
``join_scales_with_sensitivity``; drawn from the policy's own random stream, so joining never
shifts the engine's draws). The fee is charged at joining and at each renewal, every
``billing_period_days``, as ``fee_revenue`` attributed to the member (it enters its CLV). At each
renewal the member cancels with ``cancel_probability``, or ``cancel_if_unused`` if it made no
purchase in the period that ended; a churned customer's membership ends at the next renewal
(no refund; its running cost stops at churn).

Benefits while a member: ``discount_rate`` off every purchase and ``free_shipping_value`` borne per
purchase (both ``reward_cost``); behaviour: ``rate_uplift`` on the purchase rate (members
concentrate their purchases with the programme they paid for: the sunk-cost effect, Arkes & Blumer
1985; an illustrative default, switch off with ``behaviour.enabled = false``) and, while a member,
the ``sunk_cost`` retention tie on the churn intensity (Bhattacharya 1998; docs/policies.md,
"Retention ties"). Running cost: ``cost_per_member_per_day`` (programme_cost).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...registry import register_policy
from ...rng import S_MEMBERSHIP_JOIN as _S
from ._common import Programme, ProgrammeParams


class MembershipParams(ProgrammeParams):
    """Parameters of a paid membership."""

    type: Literal["membership"] = "membership"
    fee: float = Field(8.0, ge=0, description="Fee per billing period (currency/period).")
    billing_period_days: float = Field(30.0, gt=0, description="Billing period (days).")
    join_probability: float = Field(0.2, ge=0, le=1, description="Chance a new customer joins (probability).")
    join_scales_with_sensitivity: bool = Field(True, description="Multiply join_probability by 2 s_reward.")
    cancel_probability: float = Field(0.05, ge=0, le=1, description="Chance a member cancels at a renewal "
                                      "(probability/period).")
    cancel_if_unused: float = Field(0.3, ge=0, le=1, description="Chance of cancelling at a renewal after a "
                                    "period without purchases (probability/period).")
    discount_rate: float = Field(0.0, ge=0, le=1, description="Members' discount (share of list price).")
    free_shipping_value: float = Field(4.0, ge=0, description="Shipping cost borne per member purchase "
                                       "(currency/purchase).")
    rate_uplift: float = Field(0.2, ge=0, description="Members' purchase-rate uplift (share, "
                                "mean-sensitivity customer).")


@register_policy
class Membership(Programme):
    """A paid programme: fee per period, benefits, renewal and cancellation."""

    type_name: ClassVar[str] = "membership"
    Params: ClassVar[type[MembershipParams]] = MembershipParams

    def __init__(self, params: MembershipParams):
        super().__init__(params)
        self.member: set[int] = set()
        self.used: set[int] = set()       # members who bought in the current period
        self.joined = 0
        self.cancelled = 0
        self.fees = 0.0
        self.benefit_cost = 0.0

    def setup(self, ctx) -> None:
        super().setup(ctx)
        self.ctx = ctx

    def is_member(self, c) -> bool:
        return c.id in self.member

    def _bill(self, ctx, c) -> None:
        p = self.p
        if p.fee:
            ctx.post("fee_revenue", p.fee, c)
            self.fees += p.fee
        t = ctx.now + p.billing_period_days
        if t < ctx.horizon:
            ctx.at(t, self._renew, c.id)

    def on_acquire(self, ctx, c) -> None:
        p = self.p
        prob = p.join_probability * (2.0 * c.s_reward if p.join_scales_with_sensitivity else 1.0)
        if c.id not in self.member and ctx.uniform(c, _S) < prob:
            self.member.add(c.id)
            self.joined += 1
            ctx.trace(c, "membership", "joined the paid membership")
            self._bill(ctx, c)
        super().on_acquire(ctx, c)

    def _renew(self, cid: int) -> None:
        ctx = self.ctx
        c = ctx.by_id.get(cid)
        if c is None or cid not in self.member:
            return
        p = self.p
        if not c.active:
            self.member.discard(cid)     # membership lapses; the member count dropped at churn
            self.cancelled += 1
            return
        prob = p.cancel_probability if cid in self.used else p.cancel_if_unused
        self.used.discard(cid)
        if ctx.uniform(c, _S) < prob:
            self.member.discard(cid)
            self.members -= 1
            self.cancelled += 1
            ctx.trace(c, "membership", "cancelled the paid membership")
            ctx.refresh_churn(c)         # the sunk-cost tie ends
            return
        self._bill(ctx, c)

    def on_purchase(self, ctx, c, purchase) -> None:
        if c.id not in self.member:
            return
        self.used.add(c.id)
        p = self.p
        if p.discount_rate:
            d = p.discount_rate * (purchase.gross - purchase.discount)
            purchase.discount += d
            self.benefit_cost += d
        if p.free_shipping_value:
            purchase.reward_cost += p.free_shipping_value
            self.benefit_cost += p.free_shipping_value

    def purchase_rate_multiplier(self, ctx, c) -> float:
        if c.id not in self.member:
            return 1.0
        return self.mech.uplift(c, self.p.rate_uplift)

    def churn_multiplier(self, ctx, c) -> float:
        """Rewarded-behaviour effect times, for a member, the sunk-cost tie of the fee."""
        m = self.mech.churn(ctx, c)
        if c.id in self.member:
            m *= self.mech.sunk(c)
        return m

    def on_day(self, ctx, day: int) -> None:
        super().on_day(ctx, day)
        ctx.record("members", float(self.members))

    def summary(self, ctx) -> dict[str, float]:
        out = {"membership_joined": float(self.joined), "membership_cancelled": float(self.cancelled),
               "membership_fee_revenue": self.fees, "membership_benefit_cost": self.benefit_cost}
        out.update(self.common_summary("membership"))
        return out
