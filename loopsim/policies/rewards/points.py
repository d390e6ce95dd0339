"""Points: earn per currency unit, redeem blocks of points for money off, optional expiry.

Ledger per customer. A purchase first redeems (if the balance reaches ``redemption_threshold`` and
the customer chooses to, with ``redeem_probability``): whole blocks of ``redemption_threshold``
points, each worth ``reward_value`` off this purchase, as many as fit in its list price (at least
one block; a reward never exceeds the list price). Then it earns ``earn_rate`` points per currency
unit paid (or of list price, ``earn_on``), times the segment's bonus multiplier and the earn
multipliers of other policies (e.g. a tier's ``earn_multiplier``). New customers get
``welcome_points``.

Retention tie: the unredeemed balance is a switching cost (``behaviour.switching_cost``): the churn
intensity falls with the balance's progress to the next reward, and rises again when points expire.

Expiry: ``none``; ``fixed``: each purchase's points expire ``expiry_days`` after they were earned
(oldest points are redeemed first); ``rolling``: the whole balance expires after ``expiry_days``
without a purchase. Expiry runs on the engine calendar (``ctx.at``), O(1) per purchase.

Accounting: ``points_earned = points_redeemed + points_expired + points_outstanding`` at every
moment. ``points_liability = points_outstanding x cost_per_point`` (default: the face value
``reward_value / redemption_threshold``), recorded daily as the timeline column
``points_liability`` and at the horizon in the summary. Redemptions are price reductions
(``reward_cost`` at face value, attributed to the customer). ``breakage_rate`` is
``points_expired / points_earned`` (realised breakage); ``points_breakage_expected`` adds the
outstanding points of churned customers, who will not come back to redeem them (barring win-back).
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar, Literal

from pydantic import Field

from ...registry import register_policy
from ...rng import S_POINTS_REDEEM as _S
from ._common import Programme, ProgrammeParams

_EPS = 1e-9


class PointsParams(ProgrammeParams):
    """Parameters of a points programme."""

    type: Literal["points"] = "points"
    earn_rate: float = Field(1.0, ge=0, description="Points per currency unit (points/currency).")
    earn_on: Literal["paid", "gross"] = Field("paid", description="Earn on the amount paid after earlier "
                                              "policies' discounts, or on the list price.")
    segment_multipliers: dict[str, float] = Field(default_factory=dict, description="Bonus earn multiplier "
                                                  "by segment name (ratio; missing segments: 1).")
    welcome_points: float = Field(0.0, ge=0, description="Points given at enrolment (points).")
    redemption_threshold: float = Field(500.0, gt=0, description="Points per reward block (points).")
    reward_value: float = Field(5.0, ge=0, description="Money off per block redeemed (currency/block).")
    redeem_probability: float = Field(1.0, ge=0, le=1, description="Chance the customer redeems at a "
                                      "purchase when the balance allows (probability).")
    expiry: Literal["none", "fixed", "rolling"] = Field("none", description="none; fixed: points expire "
                                                        "expiry_days after earning; rolling: the balance "
                                                        "expires after expiry_days without a purchase.")
    expiry_days: float = Field(365.0, gt=0, description="Expiry period (days).")
    cost_per_point: float | None = Field(None, ge=0, description="Liability value of one outstanding point "
                                         "(currency/point); default: face value reward_value/redemption_threshold.")


@register_policy
class Points(Programme):
    """Earn points per currency unit; redeem blocks of points as money off; optional expiry."""

    type_name: ClassVar[str] = "points"
    Params: ClassVar[type[PointsParams]] = PointsParams

    def __init__(self, params: PointsParams):
        super().__init__(params)
        p = params
        self.balance: dict[int, float] = {}
        self.batches: dict[int, deque] = {}        # fixed expiry: [expires_at, points] oldest first
        self.last_activity: dict[int, float] = {}  # rolling expiry
        self.earned = self.redeemed = self.expired = self.outstanding = 0.0
        self.redemptions = 0
        self.point_value = p.reward_value / p.redemption_threshold
        self.cost_per_point = self.point_value if p.cost_per_point is None else p.cost_per_point
        self.boosters: list = []
        self.seg_mult: list[float] = []

    def setup(self, ctx) -> None:
        super().setup(ctx)
        self.boosters = [q.earn_multiplier for q in ctx.policies
                         if q is not self and callable(getattr(q, "earn_multiplier", None))]
        self.seg_mult = [float(self.p.segment_multipliers.get(s.name, 1.0))
                         for s in ctx.scenario.population.segments]
        self.horizon = ctx.horizon
        self._ctx = ctx

    # ledger ---------------------------------------------------------------------------------
    def _earn(self, ctx, c, pts: float) -> None:
        if pts <= 0.0:
            return
        cid = c.id
        self.balance[cid] = self.balance.get(cid, 0.0) + pts
        self.earned += pts
        self.outstanding += pts
        if self.p.expiry == "fixed":
            t = ctx.now + self.p.expiry_days
            q = self.batches.get(cid)
            if q is None:
                q = self.batches[cid] = deque()
            q.append([t, pts])
            if t < self.horizon:
                ctx.at(t, self._expire_fixed, cid)

    def _take(self, cid: int, pts: float) -> None:
        """Remove ``pts`` from a balance (oldest batches first)."""
        self.balance[cid] -= pts
        q = self.batches.get(cid)
        while q and pts > _EPS:
            b = q[0]
            if b[1] <= pts + _EPS:
                pts -= b[1]
                q.popleft()
            else:
                b[1] -= pts
                pts = 0.0

    def _expire(self, ctx, cid: int, pts: float) -> None:
        if pts <= 0.0:
            return
        self.balance[cid] -= pts
        if self.balance[cid] < _EPS:
            self.balance[cid] = 0.0
        self.expired += pts
        self.outstanding -= pts
        c = ctx.by_id.get(cid)
        if c is not None:
            ctx.trace(c, "points", f"{pts:.0f} points expired")
            ctx.refresh_churn(c)      # the switching cost of the balance fell

    def _expire_fixed(self, cid: int) -> None:
        q = self.batches.get(cid)
        now = self._ctx.now
        pts = 0.0
        while q and q[0][0] <= now + _EPS:
            pts += q.popleft()[1]
        self._expire(self._ctx, cid, pts)

    def _expire_rolling(self, cid: int) -> None:
        now = self._ctx.now
        if now - self.last_activity.get(cid, -1e300) >= self.p.expiry_days - _EPS:
            self._expire(self._ctx, cid, self.balance.get(cid, 0.0))

    # hooks ----------------------------------------------------------------------------------
    def on_acquire(self, ctx, c) -> None:
        super().on_acquire(ctx, c)
        if c.id not in self.balance:
            self.balance[c.id] = 0.0
            self._earn(ctx, c, self.p.welcome_points)

    def on_purchase(self, ctx, c, purchase) -> None:
        p = self.p
        cid = c.id
        bal = self.balance.get(cid, 0.0)
        thr = p.redemption_threshold
        if bal >= thr - _EPS and p.reward_value > 0 and (
                p.redeem_probability >= 1.0 or ctx.uniform(c, _S) < p.redeem_probability):
            blocks = int((bal + _EPS) // thr)
            # the blocks that fit in the price, in floats first: a tiny reward_value makes the
            # quotient overflow an int
            blocks = int(min(blocks, max(1.0, purchase.paid // p.reward_value)))
            pts = blocks * thr
            value = min(blocks * p.reward_value, purchase.gross - purchase.discount)
            self._take(cid, pts)
            self.redeemed += pts
            self.outstanding -= pts
            self.redemptions += 1
            purchase.discount += value
            purchase.redeemed = True
            self.mech.redeemed(ctx, c)
            ctx.trace(c, "reward", f"redeemed {pts:.0f} points ({value:.2f} off)")
        base = purchase.gross if p.earn_on == "gross" else purchase.gross - purchase.discount
        mult = self.seg_mult[c.segment] if self.seg_mult else 1.0
        for b in self.boosters:
            mult *= b(ctx, c)
        self._earn(ctx, c, p.earn_rate * base * mult)
        if p.expiry == "rolling":
            t = ctx.now
            self.last_activity[cid] = t
            if t + p.expiry_days < self.horizon:
                ctx.at(t + p.expiry_days, self._expire_rolling, cid)

    def progress(self, c) -> float:
        real = self.balance.get(c.id, 0.0) / self.p.redemption_threshold
        return self.mech.progress(c, real, real)

    def purchase_rate_multiplier(self, ctx, c) -> float:
        if not self.mech.on:
            return 1.0
        return self.mech.gradient(c, self.progress(c))

    def churn_multiplier(self, ctx, c) -> float:
        """Rewarded-behaviour effect times the switching cost of the unredeemed balance."""
        m = self.mech.churn(ctx, c)
        bal = self.balance.get(c.id, 0.0)
        if bal > 0.0:
            m *= self.mech.switching(c, bal / self.p.redemption_threshold)
        return m

    def on_day(self, ctx, day: int) -> None:
        super().on_day(ctx, day)
        ctx.record("points_liability", self.outstanding * self.cost_per_point)
        ctx.record("points_outstanding", self.outstanding)
        # the ledger's flows to date (points): earned = redeemed + expired + outstanding every day
        ctx.record("points_earned_to_date", self.earned)
        ctx.record("points_redeemed_to_date", self.redeemed)
        ctx.record("points_expired_to_date", self.expired)

    def summary(self, ctx) -> dict[str, float]:
        churned_pts = sum(b for cid, b in self.balance.items()
                          if b > 0 and (c := ctx.by_id.get(cid)) is not None and not c.active)
        e = self.earned
        out = {
            "points_liability": self.outstanding * self.cost_per_point,
            "points_earned": e,
            "points_redeemed": self.redeemed,
            "points_expired": self.expired,
            "points_outstanding": self.outstanding,
            "points_redemptions": float(self.redemptions),
            "breakage_rate": self.expired / e if e > 0 else float("nan"),
            "points_breakage_expected": (self.expired + churned_pts) / e if e > 0 else float("nan"),
        }
        out.update(self.common_summary("points"))
        return out
