"""Referral programme: rewards for the referrer and/or the referred new customer.

Referrals are made by promoters (``journey.advocacy.referrals_per_promoter_per_day``; the engine
attributes each referred prospect to its referrer). When a referred prospect makes its first
purchase, the referrer receives ``referrer_reward`` (``reward_cost`` attributed to the referrer's
CLV; at most ``max_rewards_per_referrer`` times) and the new customer gets ``referee_reward`` off
that first purchase (a price reduction, ``reward_cost``).

Behaviour (off with ``behaviour.enabled = false``): the programme multiplies the engine's referral
rate by ``1 + referral_rate_uplift`` (new engine hook ``referral_rate_multiplier``) and the referred
prospects' funnel conversions by ``1 + referee_conversion_uplift`` (a reward waiting for them).
Defaults are illustrative: a referral programme raised referrals in field studies (e.g. Schmitt,
Skiera & Van den Bulte 2011, J. Marketing 75(1), on the value of referred customers), but the size
is business specific.

**Fraud-free assumption**: every referral is a genuine new customer; no self-referrals, fake
accounts or reward farming are modelled, so costs are a lower bound where abuse is possible.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...registry import register_policy
from ._common import Programme, ProgrammeParams


class ReferralParams(ProgrammeParams):
    """Parameters of a referral programme."""

    type: Literal["referral"] = "referral"
    referrer_reward: float = Field(10.0, ge=0, description="Reward to the referrer per referred customer "
                                   "(currency).")
    referee_reward: float = Field(10.0, ge=0, description="Money off the referred customer's first purchase "
                                  "(currency).")
    max_rewards_per_referrer: int | None = Field(10, ge=0, description="Rewards one referrer can earn at most "
                                                 "(count; none = no cap).")
    referral_rate_uplift: float = Field(0.5, ge=0, description="Increase of promoters' referral rate "
                                        "(share, e.g. 0.5 = +50%).")
    referee_conversion_uplift: float = Field(0.1, ge=0, description="Increase of referred prospects' "
                                             "conversion at each funnel stage (share).")


@register_policy
class Referral(Programme):
    """Reward referrers and referred customers; more referrals."""

    type_name: ClassVar[str] = "referral"
    Params: ClassVar[type[ReferralParams]] = ReferralParams

    def __init__(self, params: ReferralParams):
        super().__init__(params)
        self.rewards: dict[int, int] = {}
        self.pending: set[int] = set()
        self.referred = 0
        self.referrer_paid = 0.0
        self.referee_paid = 0.0

    def referral_rate_multiplier(self, ctx) -> float:
        return 1.0 + self.p.referral_rate_uplift if self.mech.on else 1.0

    def conversion_multiplier(self, ctx, c, stage: str) -> float:
        if not self.mech.on or c.referred_by < 0:
            return 1.0
        return 1.0 + self.p.referee_conversion_uplift

    def on_acquire(self, ctx, c) -> None:
        super().on_acquire(ctx, c)
        if c.referred_by < 0 or c.channel != "referral":
            return
        self.referred += 1
        p = self.p
        if p.referee_reward > 0:
            self.pending.add(c.id)
        r = ctx.by_id.get(c.referred_by)
        n = self.rewards.get(c.referred_by, 0)
        if r is not None and p.referrer_reward > 0 and (p.max_rewards_per_referrer is None
                                                         or n < p.max_rewards_per_referrer):
            self.rewards[c.referred_by] = n + 1
            ctx.post("reward_cost", p.referrer_reward, r)
            self.referrer_paid += p.referrer_reward
            ctx.trace(r, "referral", f"earned {p.referrer_reward:.2f} for referring customer {c.id}")

    def on_purchase(self, ctx, c, purchase) -> None:
        if c.id in self.pending:
            self.pending.discard(c.id)
            v = min(self.p.referee_reward, purchase.gross - purchase.discount)
            if v > 0:
                purchase.discount += v
                self.referee_paid += v

    def summary(self, ctx) -> dict[str, float]:
        out = {"referral_customers": float(self.referred), "referral_referrer_rewards": self.referrer_paid,
               "referral_referee_rewards": self.referee_paid}
        out.update(self.common_summary("referral"))
        return out
