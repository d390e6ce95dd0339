"""The customer journey (a mixin of :class:`World`): funnel, acquisition, onboarding, purchase
(experience, satisfaction, service contact, churn after a purchase, the next purchase), churn
and win-back. Behaviour is documented in ``docs/model.md``.

Randomness is counter based per customer (:mod:`loopsim.rng`): purchase number *k* of customer *i*
uses draw *k* of that customer's purchase, churn and experience streams under every design.
"""

from __future__ import annotations

import math
from heapq import heappush

from scipy import special

from ..rng import (
    _C1,
    _C2,
    _HALF32,
    _TWO32,
    B_ADVOCACY,
    B_CHURN,
    B_EXPERIENCE,
    B_FUNNEL,
    B_PURCHASE,
    CHURN_SWITCH_DRAWS,
    EXPERIENCE_ONBOARDING_DRAWS,
    GOLDEN,
    M64,
    WINBACK_PURCHASE_SHIFT,
    uniform2,
)
from ..scenario import STAGES
from .customer import (
    ACTIVE,
    CHURNED,
    LOST,
    W_CHURN,
    W_FUNNEL,
    W_ONBOARDED,
    W_PURCHASE,
    W_WINBACK,
    Customer,
)

_exp = math.exp
_log = math.log
_inf = math.inf
_ONE = 1.0   # shared: exp(-0 * t) for every customer when nothing is discounted


_CHURN_WORDS = {"dropout": "dropped out after this purchase", "lapsed": "lapsed (stopped buying)",
                "competitor": "switched to a competitor"}


def _gammaincinv(a: float, u: float) -> float:
    """Inverse of the regularised lower incomplete gamma function (a gamma quantile)."""
    return float(special.gammaincinv(a, u))


class Journey:
    """What happens to one customer: funnel stages, acquisition, purchases, churn, win-back."""

    def _enter_stage(self, c: Customer, t: float, stage: int) -> None:
        c.stage = stage
        self.funnel_entered[stage] += 1
        if self.tracer is not None:
            self.tracer.add(t, c.id, STAGES[stage], f"entered the {STAGES[stage]} stage ({c.channel})")
        u_dwell = uniform2((c.key + B_FUNNEL) & M64, stage)[0]
        tn = t + self._dwell[stage](u_dwell)
        if tn < self.horizon:
            self._wake(c, tn, W_FUNNEL)

    def _funnel_step(self, c: Customer, t: float) -> None:
        stage = c.stage
        if stage >= len(STAGES):   # initial cohort member whose first purchase is now
            self._acquire(c, t, first_purchase=True)
            return
        p = self._conv[stage]
        for h in self._h_conversion:
            p *= h(self.ctx, c, STAGES[stage])
        u = uniform2((c.key + B_FUNNEL) & M64, stage)[1]
        if u >= p:
            c.status = LOST
            self.in_funnel -= 1
            del self.by_id[c.id]
            if self.tracer is not None:
                self.tracer.add(t, c.id, "lost", f"dropped out of the funnel at {STAGES[stage]}")
            return
        if stage + 1 < len(STAGES):
            self._enter_stage(c, t, stage + 1)
        else:
            self.in_funnel -= 1
            self._acquire(c, t, first_purchase=True)

    # ------------------------------------------------------------------ the loop
    def _acquire(self, c: Customer, t: float, first_purchase: bool) -> None:
        c.status = ACTIVE
        c.acquired_at = t
        c.acq_disc = math.exp(-self.delta * t) if self._discounting else _ONE
        self.n_active += 1
        self.n_class[c.nps] += 1
        if self.track_promoters and c.nps == 2:
            self.promoters.add(c.id)
        self.customers.append(c)
        self.by_id[c.id] = c
        self.d_new[min(int(t), self.days)] += 1
        c.stage = 0 if (self._after_every or not first_purchase) else 1   # first purchase index eligible for dropout
        if self.hazard_process:
            self._defection_start(c, t)
        if self.tracer is not None:
            self.tracer.add(t, c.id, "acquired", f"became a customer (channel: {c.channel or 'initial'})")
        for h in self._h_acquire:
            h(self.ctx, c)
        ob = self.scenario.journey.onboarding
        if ob.enabled and first_purchase:
            self._wake(c, t + ob.duration_days, W_ONBOARDED)
            if ob.contact_probability > 0:
                u = uniform2((c.key + B_EXPERIENCE) & M64, EXPERIENCE_ONBOARDING_DRAWS)[0]
                if u < ob.contact_probability:
                    self.desk.open(c, t, "onboarding")
        if first_purchase:
            self._purchase(c, t)

    def _onboarded(self, c: Customer, t: float) -> None:
        if c.status != ACTIVE:
            return
        ob = self.scenario.journey.onboarding
        u = uniform2((c.key + B_EXPERIENCE) & M64, EXPERIENCE_ONBOARDING_DRAWS + 1)[0]
        ok = u < ob.success_probability
        self.change_satisfaction(c, ob.satisfaction_on_success if ok else ob.satisfaction_on_failure)
        if self.tracer is not None:
            self.tracer.add(t, c.id, "onboarded", "onboarding went well" if ok else "onboarding failed")

    # The purchase is the hot path (once per purchase), split in four steps. The counter-based
    # hash (rng.uniform2) stays inlined in them: calling uniform2 for each draw made the
    # benchmark run about 3% slower (3 paired runs of 30,000 customers, see docs/engine.md);
    # the arithmetic (and its order) is the one of rng.uniform2, so results do not depend on it.
    def _purchase(self, c: Customer, t: float) -> None:
        """Customer ``c`` buys at day ``t``: spend, rewards, books, experience, what comes next."""
        k = c.purchases
        key = c.key
        n1 = (k + 1) * GOLDEN
        z = (key + B_PURCHASE + n1) & M64     # uniform2(key + B_PURCHASE, k), inlined
        z = ((z ^ (z >> 30)) * _C1) & M64
        z = ((z ^ (z >> 27)) * _C2) & M64
        z ^= z >> 31
        if c.spend_shape > 0.0:
            gross = _gammaincinv(c.spend_shape, (z & 0xFFFFFFFF) * _TWO32 + _HALF32) / c.spend_scale
        else:
            seg = c.segment
            if self._noise_fixed[seg]:
                gross = c.spend_scale * self._noise_val[seg]
            else:
                gross = c.spend_scale * self._noise[seg]((z & 0xFFFFFFFF) * _TWO32 + _HALF32)
        hooks = self._h_spend
        if hooks:
            ctx = self.ctx
            for h in hooks:
                gross *= h(ctx, c)
        rcost = 0.0
        disc = 0.0
        hooks = self._h_purchase
        if hooks:
            P = self._P
            P.customer = c
            P.time = t
            P.gross = gross
            P.discount = 0.0
            P.reward_cost = 0.0
            P.index = k
            P.redeemed = False
            ctx = self.ctx
            for h in hooks:
                h(ctx, c, P)
            disc = P.discount
            rcost = P.reward_cost + disc
        self._book(c, t, k, gross, disc, rcost)
        self._experience(c, t, key, n1)
        self._next_event(c, t, k, (z >> 32) * _TWO32 + _HALF32)

    def _book(self, c: Customer, t: float, k: int, gross: float, disc: float, rcost: float) -> None:
        """Book purchase number ``k`` (``gross`` list price, ``disc`` discount and ``rcost``
        reward cost, currency): customer totals, CLV, ledger running totals, transaction log."""
        c.purchases = k + 1
        c.last_purchase_at = t
        c.revenue += gross
        d = _exp(-self.delta * t) if self._discounting else 1.0
        day = int(t)
        rev = self._rev
        rev[0] += gross
        rev[1] += gross * d
        self._rev_daily[day] += gross
        if rcost:
            rew = self._rew
            rew[0] += rcost
            rew[1] += rcost * d
            self._rew_daily[day] += rcost
            c.reward_cost += rcost
        c.clv += (gross * self.margin_rate - rcost) * d / c.acq_disc
        self.d_purchases[day] += 1
        tx = self.tx
        if tx is not None:   # appended straight to the log's buffers (see TransactionLog)
            if disc:
                tx.disc_row.append(len(tx))
                tx.disc_value.append(disc)
            tx.cid.append(c.id)
            tx.t.append(t)
            tx.amt.append(gross - disc)
        if self.tracer is not None:
            self.tracer.add(t, c.id, "purchase",
                            f"purchase #{k + 1}: {gross:.2f}" + (f" (discount {disc:.2f})" if disc else ""))

    def _experience(self, c: Customer, t: float, key: int, n1: int) -> None:
        """The purchase's experience moves satisfaction; it may open a service contact."""
        if self._exp_fixed:
            e = self._exp_value
            sat = c.satisfaction
            if sat != e:
                # change_satisfaction(c, lr * (e - sat)), inlined
                sat += self._lr * (e - sat)
                sat = 0.0 if sat < 0.0 else (10.0 if sat > 10.0 else sat)
                c.satisfaction = sat
                cls = 2 if sat >= self._prom_th else (0 if sat < self._det_th else 1)
                if cls != c.nps:
                    self._reclass(c, cls)
            if self._contact_p > 0.0:
                z = (key + B_EXPERIENCE + n1) & M64
                z = ((z ^ (z >> 30)) * _C1) & M64
                z = ((z ^ (z >> 27)) * _C2) & M64
                u_c = ((z ^ (z >> 31)) & 0xFFFFFFFF) * _TWO32 + _HALF32
                if u_c < self._contact_p:   # a product problem or a complaint (see service.py)
                    self.desk.after_purchase(c, t, u_c, e)
        else:
            z = (key + B_EXPERIENCE + n1) & M64
            z = ((z ^ (z >> 30)) * _C1) & M64
            z = ((z ^ (z >> 27)) * _C2) & M64
            z ^= z >> 31
            e = self._exp_ppf((z >> 32) * _TWO32 + _HALF32)
            self.change_satisfaction(c, self._lr * (e - c.satisfaction))
            u_c = (z & 0xFFFFFFFF) * _TWO32 + _HALF32
            if u_c < self._contact_p:
                self.desk.after_purchase(c, t, u_c, e)

    def _next_event(self, c: Customer, t: float, k: int, u_next: float) -> None:
        """After purchase number ``k``: dropout now, or the next purchase or churn, whichever
        comes first (``u_next``: the purchase draw for the time to the next purchase)."""
        u_haz = None
        key = c.key
        if self.hazard_process:   # time-based defection: its own clock (engine/defection.py)
            self._defection_refresh(c, t)
            tot = 0.0
        else:
            # per-purchase process: churn multiplier from satisfaction and policies
            mult = 1.0
            if self._sat_effect:
                mult = _exp(self._sat_effect * (self._sat_ref - c.satisfaction))
            hooks = self._h_churn_mult
            if hooks:
                for h in hooks:
                    mult *= h(self.ctx, c)
            if c.p_drop > 0.0 and k >= c.stage:
                z = (key + B_CHURN + (2 * k + 1) * GOLDEN) & M64
                z = ((z ^ (z >> 30)) * _C1) & M64
                z = ((z ^ (z >> 27)) * _C2) & M64
                z ^= z >> 31
                if (z >> 32) * _TWO32 + _HALF32 < c.p_drop * mult:
                    self._churn(c, t, "dropout")
                    return
                u_haz = (z & 0xFFFFFFFF) * _TWO32 + _HALF32
            # (without a competitor the price-sensitivity term is exactly 0: sensitivities are in [0, 1])
            tot = c.hazard * mult + self._comp_h * c.s_price if self._comp_h else c.hazard * mult
        rate = c.rate
        hooks = self._h_rate
        if hooks:
            for h in hooks:
                rate *= h(self.ctx, c)
        if rate <= 0.0:
            dt = _inf
        elif c.periodic:
            dt = 1.0 / rate
        else:
            dt = -_log(u_next) / rate
        if tot > 0.0:
            if u_haz is None:
                u_haz = uniform2((key + B_CHURN) & M64, 2 * k)[1]
            dtc = -_log(u_haz) / tot
            if dtc < dt:
                self._schedule_churn(c, t, t + dtc, tot, 2 * k + 1)
                return
        tn = t + dt
        if tn < self.horizon:
            if tn < self._target:
                c.wake = self._wake(c, tn, W_PURCHASE)
                return
            # _wake(c, tn, W_PURCHASE), inlined
            day = int(tn)
            if day <= self._cal_day:
                self._seq = seq = self._seq + 1
                c.wake = e = (tn, seq, c, W_PURCHASE)
                heappush(self._cal, e)
            else:
                c.wake = e = (tn, c, W_PURCHASE)
                self._buckets[day].append(e)

    def _schedule_churn(self, c: Customer, t: float, tn: float, tot: float, n: int) -> None:
        if tn < self.horizon:
            u_r = uniform2((c.key + B_CHURN) & M64, n)[0]
            c.churn_reason = "competitor" if u_r * tot < self._comp_h * c.s_price else "lapsed"
            c.wake = self._wake(c, tn, W_CHURN)

    def _churn(self, c: Customer, t: float, reason: str) -> None:
        if reason != "competitor" and self._switch_share > 0:
            u = uniform2((c.key + B_CHURN) & M64, CHURN_SWITCH_DRAWS + c.winbacks)[0]
            if u < self._switch_share:
                reason = "competitor"
        c.status = CHURNED
        c.churned_at = t
        c.churn_reason = reason
        c.wake = None    # cancels a pending purchase or churn wake-up
        c.dwake = None   # and a pending defection
        self.n_active -= 1
        self.n_class[c.nps] -= 1
        if self.track_promoters and c.nps == 2:
            self.promoters.discard(c.id)
        self.d_churned[min(int(t), self.days)] += 1
        if self.tracer is not None:
            self.tracer.add(t, c.id, "churned", _CHURN_WORDS.get(reason, reason))
        for h in self._h_churn:
            h(self.ctx, c)
        wb = self.scenario.journey.winback
        if wb.enabled and t + wb.delay_days < self.horizon:
            self._wake(c, t + wb.delay_days, W_WINBACK)

    def _winback(self, c: Customer, t: float) -> None:
        if c.status != CHURNED:
            return
        wb = self.scenario.journey.winback
        self.winback_attempts += 1
        self.post("winback_cost", wb.cost_per_attempt, c)
        p = wb.success_probability
        for h in self._h_winback:
            p *= h(self.ctx, c)
        u = uniform2((c.key + B_ADVOCACY) & M64, c.winbacks + (c.purchases << WINBACK_PURCHASE_SHIFT))[0]
        if u >= p:
            if self.tracer is not None:
                self.tracer.add(t, c.id, "win-back", "a win-back offer was ignored")
            return
        self.winback_successes += 1
        self.d_won_back[min(int(t), self.days)] += 1
        c.winbacks += 1
        c.status = ACTIVE
        c.churned_at = math.nan
        c.churn_reason = ""
        self.n_active += 1
        self.n_class[c.nps] += 1
        if self.track_promoters and c.nps == 2:
            self.promoters.add(c.id)
        if self.tracer is not None:
            self.tracer.add(t, c.id, "win-back", "came back after a win-back offer")
        if self.hazard_process:
            self._defection_start(c, t)
        for h in self._h_reactivate:
            h(self.ctx, c)
        self._purchase(c, t)

