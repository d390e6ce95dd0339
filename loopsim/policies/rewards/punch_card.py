"""Punch card (stamp card): N stamps earn a free item; the card then resets.

Every purchase on a card that is not yet full earns one stamp; the purchase after the card is full
is free up to ``reward_value`` (the price reduction is booked as ``reward_cost``) and the customer
starts a new card with ``prefilled_stamps`` stamps. With the defaults, buy 10 get the 11th free
(the Kivetz, Urminsky & Zheng 2006 cafe card).

Behaviour (see :mod:`.behaviour`): goal gradient on the card's progress (perceived progress counts
pre-filled stamps when ``illusory_progress`` is on, and a pre-filled card lowers dropout), post-reward resetting, rewarded-behaviour
effect at each redemption, heavy-vs-light response.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ...registry import register_policy
from ._common import Programme, ProgrammeParams


class PunchCardParams(ProgrammeParams):
    """Parameters of a punch card (stamp card)."""

    type: Literal["punch_card"] = "punch_card"
    stamps_required: int = Field(10, ge=1, description="Stamps on a full card (stamps, including pre-filled).")
    prefilled_stamps: int = Field(0, ge=0, description="Stamps already on a new card (stamps; illusory progress).")
    reward_value: float | None = Field(None, ge=0, description="Value of the free item (currency); "
                                       "default: the customer's own purchase at redemption.")

    @model_validator(mode="after")
    def _check(self):
        if self.prefilled_stamps >= self.stamps_required:
            raise ValueError("prefilled_stamps must be below stamps_required")
        return self


@register_policy
class PunchCard(Programme):
    """Every purchase earns a stamp; a full card pays for the next purchase (up to ``reward_value``)."""

    type_name: ClassVar[str] = "punch_card"
    Params: ClassVar[type[PunchCardParams]] = PunchCardParams

    def __init__(self, params: PunchCardParams):
        super().__init__(params)
        self.stamps: dict[int, int] = {}
        self.redemptions = 0
        self.stamps_issued = 0
        self.cards_started = 0
        self.cards_completed = 0
        self.reward_value_total = 0.0
        # plain copies of the (frozen) parameters read at every purchase
        self._req = params.stamps_required
        self._pre = params.prefilled_stamps
        self._value = params.reward_value

    def on_acquire(self, ctx, c) -> None:
        super().on_acquire(ctx, c)
        self.cards_started += 1

    def on_purchase(self, ctx, customer, purchase) -> None:
        cid = customer.id
        s = self.stamps.get(cid, self._pre)
        if s >= self._req:
            # earlier policies' discounts count: a free item never takes the price below zero
            value = purchase.paid if self._value is None else min(self._value, purchase.paid)
            purchase.discount += value
            purchase.redeemed = True
            self.redemptions += 1
            self.reward_value_total += value
            s = self._pre
            self.cards_started += 1
            self.mech.redeemed(ctx, customer)
            ctx.trace(customer, "reward", f"redeemed a full card ({value:.2f} off)")
        else:
            s += 1
            self.stamps_issued += 1
            if s >= self._req:
                self.cards_completed += 1
        self.stamps[cid] = s

    def progress(self, c) -> float:
        """Progress towards the free item as the goal gradient sees it (in [0, 1])."""
        s = self.stamps.get(c.id, self._pre)
        return self.mech.progress(c, s / self._req, (s - self._pre) / (self._req - self._pre))

    def purchase_rate_multiplier(self, ctx, c) -> float:
        mech = self.mech
        if not mech.gradient_on:   # skip the progress look-up when nothing uses it
            return 1.0
        return mech.gradient(c, self.progress(c))

    def churn_multiplier(self, ctx, c) -> float:
        """Rewarded-behaviour effect, switching cost of the stamps collected, endowment of a
        pre-filled card."""
        m = self.mech.churn(ctx, c)
        s = self.stamps.get(c.id, self._pre)
        if s > self._pre:
            m *= self.mech.switching(c, (s - self._pre) / (self._req - self._pre))
        if self._pre:
            m *= self.mech.endowed(c)
        return m

    def summary(self, ctx) -> dict[str, float]:
        out = {"punch_card_redemptions": float(self.redemptions),
               "punch_card_stamps_issued": float(self.stamps_issued),
               "punch_card_cards_started": float(self.cards_started),
               "punch_card_cards_completed": float(self.cards_completed),
               "punch_card_completion_rate": self.cards_completed / self.cards_started
               if self.cards_started else float("nan"),
               "punch_card_reward_value": self.reward_value_total}
        out.update(self.common_summary("punch_card"))
        return out
