"""Punch card: N stamps earn a free item; the card then resets."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...scenario import PolicyParams, register_policy


class PunchCardParams(PolicyParams):
    """Parameters of a punch card (stamp card)."""

    type: Literal["punch_card"] = "punch_card"
    stamps_required: int = Field(10, ge=1, description="Stamps needed for a reward.")
    prefilled_stamps: int = Field(0, ge=0, description="Stamps already on a new card (illusory progress).")
    reward_value: float | None = Field(None, ge=0, description="Value of the free item (currency); "
                                       "default: the customer's own purchase at redemption.")
    operating_cost_per_day: float = Field(0.0, ge=0, description="Running the programme (currency/day).")


@register_policy
class PunchCard:
    """Every purchase earns a stamp; a full card pays for the next purchase (up to ``reward_value``)."""

    type_name: ClassVar[str] = "punch_card"
    kind: ClassVar[str] = "reward"
    Params: ClassVar[type[PunchCardParams]] = PunchCardParams

    def __init__(self, params: PunchCardParams):
        self.p = params
        self.stamps: dict[int, int] = {}
        self.redemptions = 0
        self.stamps_issued = 0

    def on_purchase(self, ctx, customer, purchase) -> None:
        p = self.p
        s = self.stamps.get(customer.id, p.prefilled_stamps)
        if s >= p.stamps_required:
            value = purchase.gross if p.reward_value is None else min(p.reward_value, purchase.gross)
            purchase.discount += value
            purchase.redeemed = True
            self.redemptions += 1
            s = p.prefilled_stamps
            ctx.trace(customer, "reward", f"redeemed a full card ({value:.2f} off)")
        else:
            s += 1
            self.stamps_issued += 1
        self.stamps[customer.id] = s

    def on_day(self, ctx, day: int) -> None:
        if self.p.operating_cost_per_day:
            ctx.post("programme_cost", self.p.operating_cost_per_day)

    def summary(self, ctx) -> dict[str, float]:
        return {"punch_card_redemptions": float(self.redemptions),
                "punch_card_stamps_issued": float(self.stamps_issued)}
