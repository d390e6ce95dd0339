"""Streaks: gamified badges and bonuses for buying in consecutive periods.

Time is cut into periods of ``period_days`` from each customer's acquisition. A customer who buys
in consecutive periods builds a streak (periods in a row with at least one purchase); a period
without a purchase resets it. Every ``bonus_every`` periods of streak the customer earns a badge
and ``bonus_value`` (``reward_cost`` at the purchase that completes the milestone, attributed to
the customer).

Behaviour (off with ``behaviour.enabled = false``): the purchase rate is multiplied by
``1 + streak_strength x 2 s_reward x min(streak, bonus_every) / bonus_every`` (the customer
protects a growing streak; a goal-gradient reading of the next badge) and a badge counts as a
reward for the rewarded-behaviour effect. Gamification has, on average, positive but
context-dependent effects (Hamari, Koivisto & Sarsa 2014, HICSS review); the strength is illustrative.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...registry import register_policy
from ._common import Programme, ProgrammeParams


class StreaksParams(ProgrammeParams):
    """Parameters of streak bonuses."""

    type: Literal["streaks"] = "streaks"
    period_days: float = Field(30.0, gt=0, description="Length of a streak period (days).")
    bonus_every: int = Field(3, ge=1, description="Streak length that earns a badge and bonus (periods).")
    bonus_value: float = Field(5.0, ge=0, description="Bonus per badge (currency).")
    streak_strength: float = Field(0.15, ge=0, description="Rate uplift at a full streak (share, "
                                   "mean-sensitivity customer).")


@register_policy
class Streaks(Programme):
    """Badges and bonuses for purchases in consecutive periods."""

    type_name: ClassVar[str] = "streaks"
    Params: ClassVar[type[StreaksParams]] = StreaksParams

    def __init__(self, params: StreaksParams):
        super().__init__(params)
        self.streak: dict[int, int] = {}
        self.last_period: dict[int, int] = {}
        self.badges = 0
        self.paid = 0.0
        self.longest = 0

    def _period(self, c, t: float) -> int:
        return int((t - c.acquired_at) // self.p.period_days)

    def _current(self, c, t: float) -> int:
        """The streak as it stands at ``t`` (0 if the last purchase was more than a period ago)."""
        last = self.last_period.get(c.id)
        if last is None or self._period(c, t) - last > 1:
            return 0
        return self.streak.get(c.id, 0)

    def on_purchase(self, ctx, c, purchase) -> None:
        t = ctx.now
        k = self._period(c, t)
        last = self.last_period.get(c.id)
        if last == k:
            return
        s = self.streak.get(c.id, 0) + 1 if last == k - 1 else 1
        self.streak[c.id] = s
        self.last_period[c.id] = k
        self.longest = max(self.longest, s)
        if s % self.p.bonus_every == 0:
            self.badges += 1
            if self.p.bonus_value:
                purchase.reward_cost += self.p.bonus_value
                self.paid += self.p.bonus_value
            self.mech.redeemed(ctx, c)
            ctx.trace(c, "streak", f"{s}-period streak badge")

    def purchase_rate_multiplier(self, ctx, c) -> float:
        if not self.mech.on or not self.p.streak_strength:
            return 1.0
        s = self._current(c, ctx.now)
        if s <= 0:
            return 1.0
        n = self.p.bonus_every
        return self.mech.uplift(c, self.p.streak_strength * min(s, n) / n)

    def summary(self, ctx) -> dict[str, float]:
        out = {"streak_badges": float(self.badges), "streak_bonus_paid": self.paid,
               "streak_longest": float(self.longest)}
        out.update(self.common_summary("streaks"))
        return out
