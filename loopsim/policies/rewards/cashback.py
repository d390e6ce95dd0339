"""Cash-back and discounts: money back (or off) on qualifying purchases.

Two policy types share one parameter set:

* ``discount``: a price reduction at the till (``purchase.discount``; the customer pays less);
* ``cashback``: the customer pays the list price and gets money back afterwards
  (``purchase.reward_cost``; the transaction amount stays at list price).

Both are ``reward_cost`` (attributed to the customer's CLV). The amount is ``percent`` of the
amount paid after earlier policies' discounts plus ``fixed`` (currency), capped at ``cap`` per
purchase and at the purchase's list price. Conditions: ``min_basket`` (list price, currency) and
``applies_to``: ``every`` purchase, the ``first`` purchase (a welcome offer) or the first purchase
after a win-back (``winback``); ``max_uses`` per customer.

Behaviour (scaled by price sensitivity ``2 s_price``): ``rate_uplift`` raises the purchase rate of
customers for whom the offer still applies (``every``: everyone; ``first``/``winback``: never,
since the offer is used up at once); ``conversion_uplift`` raises the last funnel stage's
conversion (``first``); ``winback_uplift`` raises the win-back success probability (``winback``).
All are off with ``behaviour.enabled = false``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...registry import register_policy
from ._common import Programme, ProgrammeParams


class CashbackParams(ProgrammeParams):
    """Parameters of a cash-back or discount offer."""

    type: Literal["cashback"] = "cashback"
    percent: float = Field(0.02, ge=0, le=1, description="Share of the amount paid (share, e.g. 0.02 = 2%).")
    fixed: float = Field(0.0, ge=0, description="Fixed amount per qualifying purchase (currency).")
    cap: float | None = Field(None, ge=0, description="Maximum per purchase (currency; none = no cap).")
    min_basket: float = Field(0.0, ge=0, description="Minimum list-price basket to qualify (currency).")
    applies_to: Literal["every", "first", "winback"] = Field("every", description="Which purchases qualify: "
                                                             "every, first (welcome) or first after win-back.")
    max_uses: int | None = Field(None, ge=1, description="Qualifying purchases per customer at most "
                                 "(count; none = unlimited).")
    rate_uplift: float = Field(0.03, ge=0, description="Purchase-rate uplift while the offer applies "
                                "(share, mean price-sensitivity customer).")
    conversion_uplift: float = Field(0.0, ge=0, description="Uplift of the purchase-stage conversion for "
                                     "a first-purchase offer (share).")
    winback_uplift: float = Field(0.0, ge=0, description="Uplift of the win-back success probability for "
                                  "a win-back offer (share).")


class DiscountParams(CashbackParams):
    """Parameters of a discount (a price reduction at the till)."""

    type: Literal["discount"] = "discount"  # type: ignore[assignment]
    percent: float = Field(0.05, ge=0, le=1, description="Share of the amount paid (share, e.g. 0.05 = 5%).")


@register_policy
class Cashback(Programme):
    """Money back on qualifying purchases (the customer pays list price)."""

    type_name: ClassVar[str] = "cashback"
    Params: ClassVar[type[CashbackParams]] = CashbackParams
    as_discount: ClassVar[bool] = False

    def __init__(self, params: CashbackParams):
        super().__init__(params)
        self.uses: dict[int, int] = {}
        self.pending: set[int] = set()    # win-back: eligible for the next purchase
        self.paid = 0.0
        self.count = 0

    def _eligible(self, c) -> bool:
        p = self.p
        if p.max_uses is not None and self.uses.get(c.id, 0) >= p.max_uses:
            return False
        if p.applies_to == "first":
            return c.purchases == 0
        if p.applies_to == "winback":
            return c.id in self.pending
        return True

    def on_reactivate(self, ctx, c) -> None:
        super().on_reactivate(ctx, c)
        if self.p.applies_to == "winback":
            self.pending.add(c.id)

    def on_purchase(self, ctx, c, purchase) -> None:
        p = self.p
        if not self._eligible(c):
            return
        self.pending.discard(c.id)
        if purchase.gross < p.min_basket:
            return
        paid = purchase.gross - purchase.discount
        amount = p.percent * paid + p.fixed
        if p.cap is not None:
            amount = min(amount, p.cap)
        amount = min(amount, paid)
        if amount <= 0:
            return
        if self.as_discount:
            purchase.discount += amount
        else:
            purchase.reward_cost += amount
        self.uses[c.id] = self.uses.get(c.id, 0) + 1
        self.paid += amount
        self.count += 1

    def purchase_rate_multiplier(self, ctx, c) -> float:
        p = self.p
        if not self.mech.on or p.applies_to != "every" or not p.rate_uplift:
            return 1.0
        if p.max_uses is not None and self.uses.get(c.id, 0) >= p.max_uses:
            return 1.0
        return self.mech.uplift(c, p.rate_uplift, c.s_price)

    def conversion_multiplier(self, ctx, c, stage: str) -> float:
        if not self.mech.on or self.p.applies_to != "first" or stage != "purchase":
            return 1.0
        return self.mech.uplift(c, self.p.conversion_uplift, c.s_price)

    def winback_multiplier(self, ctx, c) -> float:
        if not self.mech.on or self.p.applies_to != "winback":
            return 1.0
        return self.mech.uplift(c, self.p.winback_uplift, c.s_price)

    def summary(self, ctx) -> dict[str, float]:
        t = self.type_name
        out = {f"{t}_paid": self.paid, f"{t}_uses": float(self.count)}
        out.update(self.common_summary(t))
        return out


@register_policy
class Discount(Cashback):
    """A price reduction on qualifying purchases (the customer pays less)."""

    type_name: ClassVar[str] = "discount"
    Params: ClassVar[type[DiscountParams]] = DiscountParams
    as_discount: ClassVar[bool] = True
