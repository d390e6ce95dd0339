"""Personalisation: offers and recommendations matched (or not) to what a customer wants.

One policy type, ``personalisation``, with ``mode``:

* ``none``: no offers (only the platform cost, if any, is paid);
* ``segment``: every customer of a segment gets that segment's offer (``segment_offers``);
* ``individual``: the offer is the customer's own preferred category with probability
  ``accuracy * n / (n + history_half_purchases)`` after ``n`` purchases (accuracy grows with the
  history); otherwise a generic offer (neither relevant nor irrelevant);
* ``learning``: a Thompson-sampling bandit per segment (Beta(1, 1) priors on each offer's response
  rate; Thompson 1933, Chapelle & Li 2011) picks the offer and learns from observed responses.

Each customer has a latent preferred offer category in ``0 .. offers-1``: the segment's typical
one (``segment_offers``) with probability ``preference_concentration``, else uniform.

Every ``contact_interval_days`` a subscribed, active customer is contacted. A **relevant** offer
(the customer's category) raises, during ``offer_validity_days``, the purchase rate by
``rate_uplift`` and the basket by ``basket_uplift`` (both x ``2 s_personalisation``, so the mean
Beta(2, 2) customer feels the configured amount) and gives ``discount_rate`` off purchases in the
window. On-site recommendations raise funnel conversion by ``conversion_uplift`` x the running share
of relevant offers in the prospect's segment. Every contact adds fatigue (``+1``, ``+ irrelevant_fatigue``
more for an irrelevant offer; halving every ``fatigue_half_life_days``); a contact leads to an
unsubscribe with probability ``unsubscribe_per_fatigue x fatigue``. Irrelevant offers move
satisfaction by ``satisfaction_irrelevant``. Optional privacy backlash: an individually targeted
offer (modes individual, learning) triggers, with ``privacy_backlash_probability``, a satisfaction
drop ``privacy_satisfaction`` and an unsubscribe.

Costs: ``platform_cost_per_day`` and ``cost_per_contact`` are ``personalisation_cost``; offer
discounts are price reductions and so, like every discount, ``reward_cost`` (see docs/metrics.md).
With ``accuracy = 0`` an ``individual`` policy makes only generic offers, which have no effect, so the
run equals ``none`` except for the personalisation cost (tests/policies/test_personalisation.py).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from scipy import special

from ..registry import PolicyParams, register_policy
from ..rng import S_PERSONALISATION_CONTACT as _S_CONTACT
from ..rng import S_PERSONALISATION_FIRST_CONTACT as _S_FIRST
from ..rng import S_PERSONALISATION_PREFERENCE as _S_PREF
from ..rng import S_PERSONALISATION_THOMPSON as _S_TS

GENERIC = -1


class PersonalisationParams(PolicyParams):
    """Parameters of personalised offers (see docs/personalisation.md)."""

    type: Literal["personalisation"] = "personalisation"
    mode: Literal["none", "segment", "individual", "learning"] = Field("segment", description="How offers are chosen.")
    offers: int = Field(5, ge=1, description="Number of offer categories.")
    segment_offers: tuple[int, ...] = Field((), description="Typical (and, in segment mode, offered) category "
                                            "per segment, by segment order; default: segment index mod offers.")
    preference_concentration: float = Field(0.5, ge=0, le=1, description="Chance a customer's preferred "
                                            "category is the segment's typical one (else uniform).")
    accuracy: float = Field(0.8, ge=0, le=1, description="individual: top accuracy of matching a customer.")
    history_half_purchases: float = Field(2.0, ge=0, description="individual: purchases at which half the "
                                          "top accuracy is reached (0 = at once).")
    contact_interval_days: float = Field(14.0, gt=0, description="Days between offers to a customer.")
    offer_validity_days: float = Field(14.0, gt=0, description="Days a relevant offer's effects last.")
    rate_uplift: float = Field(0.15, ge=0, description="Purchase-rate increase of a relevant offer (share).")
    basket_uplift: float = Field(0.05, ge=0, description="Spend increase of a relevant offer (share).")
    conversion_uplift: float = Field(0.05, ge=0, description="Funnel conversion increase at full relevance (share).")
    discount_rate: float = Field(0.05, ge=0, le=1, description="Discount of a relevant offer (share of price).")
    response_relevant: float = Field(0.3, ge=0, le=1, description="learning: chance a relevant offer is "
                                     "responded to (clicked/redeemed), the observed signal.")
    response_irrelevant: float = Field(0.03, ge=0, le=1, description="learning: response chance of an irrelevant offer.")
    irrelevant_fatigue: float = Field(1.0, ge=0, description="Extra fatigue of an irrelevant offer.")
    fatigue_half_life_days: float = Field(30.0, gt=0, description="Days for fatigue to halve.")
    unsubscribe_per_fatigue: float = Field(0.01, ge=0, le=1, description="Unsubscribe chance per contact "
                                           "per unit of fatigue.")
    satisfaction_relevant: float = Field(0.1, description="Satisfaction change of a relevant offer (points).")
    satisfaction_irrelevant: float = Field(-0.1, description="Satisfaction change of an irrelevant offer (points).")
    privacy_backlash_probability: float = Field(0.0, ge=0, le=1, description="Chance an individually "
                                                "targeted offer feels intrusive.")
    privacy_satisfaction: float = Field(-1.0, description="Satisfaction change of a privacy backlash (points).")
    platform_cost_per_day: float = Field(0.0, ge=0, description="Platform fixed cost (currency/day).")
    cost_per_contact: float = Field(0.01, ge=0, description="Cost per offer sent (currency).")

    @model_validator(mode="after")
    def _check(self):
        if any(o < 0 or o >= self.offers for o in self.segment_offers):
            raise ValueError(f"segment_offers must lie in 0..{self.offers - 1}")
        return self


@register_policy
class Personalisation:
    """Offers by segment, by individual preference, or learnt by Thompson sampling."""

    type_name: ClassVar[str] = "personalisation"
    kind: ClassVar[str] = "personalisation"
    Params: ClassVar[type[PersonalisationParams]] = PersonalisationParams

    def __init__(self, params: PersonalisationParams):
        self.p = params
        self.pref: dict[int, int] = {}
        self.fatigue: dict[int, tuple[float, float]] = {}   # id -> (fatigue, time)
        self.until: dict[int, float] = {}                   # id -> end of a relevant offer's effect
        self.unsubscribed: set[int] = set()
        self.scheduled: set[int] = set()
        self.sent = self.relevant = self.irrelevant = self.unsubscribes = self.backlashes = 0
        self.day_sent = self.day_relevant = 0
        self.quality: dict[int, float] = {}                 # segment -> running relevant share
        self.ts: dict[tuple[int, int], list[float]] = {}    # (segment, offer) -> [alpha, beta]
        self._lam = math.log(2.0) / params.fatigue_half_life_days

    # ------------------------------------------------------------------ helpers
    def _typical(self, seg: int) -> int:
        so = self.p.segment_offers
        return so[seg] if seg < len(so) else seg % self.p.offers

    def _preference(self, ctx, c) -> int:
        k = self.pref.get(c.id)
        if k is None:
            u1 = ctx.uniform(c, _S_PREF)
            u2 = ctx.uniform(c, _S_PREF)
            k = self._typical(c.segment) if u1 < self.p.preference_concentration else \
                min(int(u2 * self.p.offers), self.p.offers - 1)
            self.pref[c.id] = k
        return k

    def _choose(self, ctx, c) -> tuple[int, bool]:
        """(offer, individually targeted?)"""
        p = self.p
        if p.mode == "segment":
            return self._typical(c.segment), False
        if p.mode == "individual":
            n = c.purchases
            acc = p.accuracy if p.history_half_purchases == 0 else p.accuracy * n / (n + p.history_half_purchases)
            if acc > 0 and ctx.uniform(c, _S_CONTACT) < acc:
                return self._preference(ctx, c), True
            return GENERIC, False
        # learning: Thompson sampling per segment
        best, best_x = 0, -1.0
        for k in range(p.offers):
            a, b = self.ts.get((c.segment, k), (1.0, 1.0))
            x = float(special.betaincinv(a, b, ctx.uniform(c, _S_TS)))
            if x > best_x:
                best, best_x = k, x
        return best, True

    # ------------------------------------------------------------------ hooks
    def on_acquire(self, ctx, c) -> None:
        if self.p.mode != "none":   # first offer at a uniform time within the first interval
            self._schedule(ctx, c, self.p.contact_interval_days * ctx.uniform(c, _S_FIRST))

    def on_reactivate(self, ctx, c) -> None:
        if self.p.mode != "none":
            self._schedule(ctx, c)

    def _schedule(self, ctx, c, delay: float | None = None) -> None:
        if c.id in self.scheduled or c.id in self.unsubscribed:
            return
        delay = self.p.contact_interval_days if delay is None else delay
        if ctx.now + delay >= ctx.scenario.time.horizon_days:
            return
        self.scheduled.add(c.id)
        ctx.schedule(delay, self._contact, ctx, c)

    def _contact(self, ctx, c) -> None:
        self.scheduled.discard(c.id)
        if not c.active or c.id in self.unsubscribed:
            return
        p = self.p
        now = ctx.now
        offer, targeted = self._choose(ctx, c)
        self.sent += 1
        self.day_sent += 1
        if p.cost_per_contact:
            ctx.post("personalisation_cost", p.cost_per_contact, c)
        f, t0 = self.fatigue.get(c.id, (0.0, now))
        f = f * math.exp(-self._lam * (now - t0)) + 1.0
        if offer != GENERIC:
            relevant = offer == self._preference(ctx, c)
            q = self.quality.get(c.segment, 0.0)
            self.quality[c.segment] = 0.95 * q + 0.05 * (1.0 if relevant else 0.0)
            if relevant:
                self.relevant += 1
                self.day_relevant += 1
                self.until[c.id] = now + p.offer_validity_days
                if p.satisfaction_relevant:
                    ctx.change_satisfaction(c, p.satisfaction_relevant * 2.0 * c.s_personalisation)
            else:
                self.irrelevant += 1
                f += p.irrelevant_fatigue
                if p.satisfaction_irrelevant:
                    ctx.change_satisfaction(c, p.satisfaction_irrelevant * 2.0 * c.s_personalisation)
            if p.mode == "learning":
                resp = ctx.uniform(c, _S_CONTACT) < (p.response_relevant if relevant else p.response_irrelevant)
                ab = self.ts.setdefault((c.segment, offer), [1.0, 1.0])
                ab[0 if resp else 1] += 1.0
            ctx.trace(c, "offer", f"offer {offer} ({'relevant' if relevant else 'not relevant'})")
        self.fatigue[c.id] = (f, now)
        if targeted and p.privacy_backlash_probability and ctx.uniform(c, _S_CONTACT) < p.privacy_backlash_probability:
            self.backlashes += 1
            ctx.change_satisfaction(c, p.privacy_satisfaction)
            self._unsubscribe(ctx, c, "privacy backlash")
            return
        if p.unsubscribe_per_fatigue and ctx.uniform(c, _S_CONTACT) < min(1.0, p.unsubscribe_per_fatigue * f):
            self._unsubscribe(ctx, c, "contact fatigue")
            return
        self._schedule(ctx, c)

    def _unsubscribe(self, ctx, c, why: str) -> None:
        self.unsubscribed.add(c.id)
        self.unsubscribes += 1
        self.until.pop(c.id, None)
        ctx.trace(c, "unsubscribed", why)

    def _boost(self, ctx, c) -> float:
        u = self.until.get(c.id)
        return 2.0 * c.s_personalisation if u is not None and ctx.now < u else 0.0

    def purchase_rate_multiplier(self, ctx, c) -> float:
        return 1.0 + self.p.rate_uplift * self._boost(ctx, c)

    def spend_multiplier(self, ctx, c) -> float:
        return 1.0 + self.p.basket_uplift * self._boost(ctx, c)

    def conversion_multiplier(self, ctx, c, stage) -> float:
        q = self.quality.get(c.segment, 0.0)
        return 1.0 + self.p.conversion_uplift * q * 2.0 * c.s_personalisation if q else 1.0

    def on_purchase(self, ctx, c, purchase) -> None:
        u = self.until.get(c.id)
        if self.p.discount_rate and u is not None and ctx.now < u:
            purchase.discount += self.p.discount_rate * (purchase.gross - purchase.discount)

    def on_day(self, ctx, day: int) -> None:
        if self.p.platform_cost_per_day:
            ctx.post("personalisation_cost", self.p.platform_cost_per_day)
        if self.p.mode != "none":
            ctx.record("personalisation_offers", float(self.day_sent))
            ctx.record("personalisation_relevant_offers", float(self.day_relevant))
        self.day_sent = self.day_relevant = 0

    def summary(self, ctx) -> dict[str, float]:
        return {
            "personalisation_offers": float(self.sent),
            "personalisation_relevant_share": self.relevant / self.sent if self.sent else math.nan,
            "personalisation_irrelevant_offers": float(self.irrelevant),
            "personalisation_unsubscribes": float(self.unsubscribes),
            "personalisation_privacy_backlashes": float(self.backlashes),
        }
