"""Tiers: status levels earned by spend or purchases over a qualification window.

Each customer's qualification window starts at acquisition and lasts ``window_days``; the metric
(``spend``: list-price spend, or ``purchases``) accumulates within the window. Reaching a higher
tier's threshold upgrades at once (airline style). At the end of each window the customer is
reviewed: it keeps a tier whose threshold the window's metric reached, otherwise it is demoted
(``demotion = "one_step"``: one tier down, or ``"to_qualified"``: straight to the tier the metric
qualifies for); then a new window starts. Reviews run on the engine calendar (``ctx.at``).

Benefits per tier: ``earn_multiplier`` (read by a ``points`` policy in the same scenario),
``discount_rate`` (price reduction on every purchase, ``reward_cost``), ``free_shipping_value``
(a cost the firm bears per purchase, ``reward_cost``), ``service_priority`` (lower is served first
at the service desk) and a per-member running cost ``cost_per_member_per_day``.

Behaviour: tier demotion aversion (members near the requalification threshold late in the window
accelerate), heavy-vs-light response; a tier upgrade counts as a reward for the
rewarded-behaviour effect. Retention ties on the churn intensity: status (by tier rank) and, after
a demotion, a raised intensity for ``demotion_effect_days`` (Wagner et al. 2009).

Records: per customer (columns of the customers table, :meth:`Tiers.customer_columns`) its
demotions (``tier_demotions``, summing to the summary's) and the first and last one while it was
a customer (``tier_first_demoted_at``, ``tier_last_demoted_at``, days; NaN: none). The review at
the end of a churned customer's open window can still demote it: that demotion is counted but
has no time there, as it changes nothing for someone who has left.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...registry import register_policy
from ._common import Programme, ProgrammeParams


class Tier(BaseModel):
    """One tier and its benefits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Tier name (used in metric names).")
    threshold: float = Field(0.0, ge=0, description="Qualification metric needed within a window "
                             "(currency of list-price spend, or purchases).")
    earn_multiplier: float = Field(1.0, ge=0, description="Points earn multiplier (ratio).")
    discount_rate: float = Field(0.0, ge=0, le=1, description="Discount on every purchase (share of list price).")
    free_shipping_value: float = Field(0.0, ge=0, description="Shipping cost borne per purchase (currency/purchase).")
    service_priority: int = Field(0, description="Service-desk priority (lower = served first).")
    cost_per_member_per_day: float = Field(0.0, ge=0, description="Running cost per member of this tier "
                                           "(currency/member/day).")


_DEFAULT_TIERS = (
    Tier(name="base", threshold=0.0),
    Tier(name="silver", threshold=300.0, earn_multiplier=1.25, discount_rate=0.02, service_priority=-1),
    Tier(name="gold", threshold=800.0, earn_multiplier=1.5, discount_rate=0.05, free_shipping_value=4.0,
         service_priority=-2, cost_per_member_per_day=0.01),
)


class TiersParams(ProgrammeParams):
    """Parameters of a tiered status programme."""

    type: Literal["tiers"] = "tiers"
    metric: Literal["spend", "purchases"] = Field("spend", description="Qualification metric: list-price "
                                                  "spend (currency) or purchases (count).")
    window_days: float = Field(365.0, gt=0, description="Qualification window from acquisition (days).")
    tiers: tuple[Tier, ...] = Field(_DEFAULT_TIERS, description="Tiers, lowest first; the first "
                                    "threshold must be 0.")
    demotion: Literal["one_step", "to_qualified"] = Field("one_step", description="At a failed review: "
                                                          "one tier down, or to the tier qualified for.")

    @model_validator(mode="after")
    def _check(self):
        th = [t.threshold for t in self.tiers]
        if not th or th[0] != 0:
            raise ValueError("tiers: the first (lowest) tier must have threshold 0")
        if any(b <= a for a, b in zip(th, th[1:], strict=False)):
            raise ValueError("tiers: thresholds must increase strictly")
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tiers: names must be unique")
        return self


@register_policy
class Tiers(Programme):
    """Status tiers by spend or purchases in a window, with benefits, requalification and demotion."""

    type_name: ClassVar[str] = "tiers"
    Params: ClassVar[type[TiersParams]] = TiersParams

    def __init__(self, params: TiersParams):
        super().__init__(params)
        self.tier: dict[int, int] = {}
        self.metric: dict[int, float] = {}
        self.window_end: dict[int, float] = {}
        self.counts = [0] * len(params.tiers)      # active customers per tier
        self.upgrades = 0
        self.demotions = 0
        #: customer id -> [demotions, first and last demotion while a customer (days)]
        self.demoted: dict[int, list] = {}
        self.requalified = 0
        self.benefit_cost = 0.0
        self.th = [t.threshold for t in params.tiers]

    def setup(self, ctx) -> None:
        super().setup(ctx)
        self.ctx = ctx
        self.horizon = ctx.horizon

    def _qualified(self, m: float) -> int:
        k = 0
        for i, t in enumerate(self.th):
            if m >= t - 1e-9:
                k = i
        return k

    def _start_window(self, ctx, c) -> None:
        end = ctx.now + self.p.window_days
        self.metric[c.id] = 0.0
        self.window_end[c.id] = end
        if end < self.horizon:
            ctx.at(end, self._review, c.id)

    def _review(self, cid: int) -> None:
        c = self.ctx.by_id.get(cid)
        if c is None or self.window_end.get(cid, -1.0) > self.ctx.now + 1e-9:
            return
        cur = self.tier[cid]
        q = self._qualified(self.metric[cid])
        new = cur
        if q >= cur:
            self.requalified += cur > 0
        else:
            new = cur - 1 if self.p.demotion == "one_step" else q
            self.demotions += 1
            self._record_demotion(cid, self.ctx.now, c.active)
            self.ctx.trace(c, "tier", f"demoted to {self.p.tiers[new].name}")
        self._set_tier(c, new)
        if new < cur:
            self.mech.demote(self.ctx, c)    # refreshes the hazard (status lost, demotion effect)
        if c.active:
            self._start_window(self.ctx, c)
        else:
            self.window_end.pop(cid, None)

    def _record_demotion(self, cid: int, t: float, active: bool) -> None:
        rec = self.demoted.setdefault(cid, [0, math.nan, math.nan])
        rec[0] += 1
        if active:
            if math.isnan(rec[1]):
                rec[1] = t
            rec[2] = t

    def _set_tier(self, c, new: int) -> None:
        cur = self.tier.get(c.id)
        if cur == new:
            return
        if c.active:
            if cur is not None:
                self.counts[cur] -= 1
            self.counts[new] += 1
        self.tier[c.id] = new

    def on_acquire(self, ctx, c) -> None:
        super().on_acquire(ctx, c)
        if c.id not in self.tier:
            self.tier[c.id] = 0
            self.counts[0] += 1
            self._start_window(ctx, c)
        else:  # pragma: no cover - re-acquisition does not happen in the engine
            self.counts[self.tier[c.id]] += 1

    def on_churn(self, ctx, c) -> None:
        super().on_churn(ctx, c)
        self.counts[self.tier[c.id]] -= 1

    def on_reactivate(self, ctx, c) -> None:
        super().on_reactivate(ctx, c)
        self.counts[self.tier[c.id]] += 1
        if self.window_end.get(c.id) is None or self.window_end[c.id] <= ctx.now:
            self._start_window(ctx, c)

    def on_purchase(self, ctx, c, purchase) -> None:
        cid = c.id
        k = self.tier[cid]
        t = self.p.tiers[k]
        if t.discount_rate:
            d = t.discount_rate * (purchase.gross - purchase.discount)
            purchase.discount += d
            self.benefit_cost += d
        if t.free_shipping_value:
            purchase.reward_cost += t.free_shipping_value
            self.benefit_cost += t.free_shipping_value
        m = self.metric.get(cid, 0.0) + (purchase.gross if self.p.metric == "spend" else 1.0)
        self.metric[cid] = m
        q = self._qualified(m)
        if q > k:
            self.upgrades += 1
            self._set_tier(c, q)
            self.mech.redeemed(ctx, c)
            ctx.trace(c, "tier", f"upgraded to {self.p.tiers[q].name}")

    def earn_multiplier(self, ctx, c) -> float:
        """Points earn multiplier of the customer's tier (read by a points policy)."""
        return self.p.tiers[self.tier.get(c.id, 0)].earn_multiplier

    def service_priority(self, ctx, c) -> int:
        return self.p.tiers[self.tier.get(c.id, 0)].service_priority

    def purchase_rate_multiplier(self, ctx, c) -> float:
        if not self.mech.on:
            return 1.0
        k = self.tier.get(c.id, 0)
        if k == 0:
            return 1.0
        th = self.th[k]
        return self.mech.demotion(c, th - self.metric.get(c.id, 0.0), th,
                                  self.window_end.get(c.id, ctx.now) - ctx.now)

    def churn_multiplier(self, ctx, c) -> float:
        """Rewarded-behaviour effect (upgrades), status tie of the tier, demotion effect."""
        m = self.mech.churn(ctx, c)
        k = self.tier.get(c.id, 0)
        if k:
            m *= self.mech.status_tie(c, k / (len(self.th) - 1))
        if self.mech.demoted_at:
            m *= self.mech.demotion_penalty(ctx, c)
        return m

    def on_day(self, ctx, day: int) -> None:
        super().on_day(ctx, day)
        frac = min(1.0, ctx.horizon - day)
        cost = sum(n * t.cost_per_member_per_day for n, t in zip(self.counts, self.p.tiers, strict=True)) * frac
        if cost:
            ctx.post("programme_cost", cost)
            self.operating_cost += cost
        for n, t in zip(self.counts, self.p.tiers, strict=True):
            ctx.record(f"tier_{t.name}", float(n))

    def customer_columns(self, ctx, ids: np.ndarray) -> dict[str, np.ndarray]:
        """Per customer of ``ids`` (the customers table's order): its demotions, the first and
        the last one while a customer (days; NaN: none)."""
        n = len(ids)
        count = np.zeros(n, dtype=np.int64)
        first = np.full(n, math.nan)
        last = np.full(n, math.nan)
        get = self.demoted.get
        for i, cid in enumerate(ids.tolist()):
            rec = get(cid)
            if rec is not None:
                count[i], first[i], last[i] = rec
        return {"tier_demotions": count, "tier_first_demoted_at": first, "tier_last_demoted_at": last}

    def summary(self, ctx) -> dict[str, float]:
        out = {f"tier_{t.name}_at_end": float(n) for n, t in zip(self.counts, self.p.tiers, strict=True)}
        out.update({"tier_upgrades": float(self.upgrades), "tier_demotions": float(self.demotions),
                    "tier_requalifications": float(self.requalified),
                    "tier_benefit_cost": self.benefit_cost})
        out.update(self.common_summary("tiers"))
        return out
