"""The market (a mixin of :class:`World`): new people and their traits, the initial cohort, the
daily tick (costs of the day, arrivals of aware prospects and referrals) and the arrivals' entry
into the funnel."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..population import sample_traits
from ..rng import (
    _HALF32,
    _TWO32,
    B_INITIAL,
    CHURN_INITIAL_DRAW,
    GOLDEN,
    INITIAL_FIRST_EVENT_DRAW,
    INITIAL_SPREAD_DRAW,
    M64,
    _mix_vec,
    customer_keys,
    uniform2,
)
from ..scenario import STAGES
from .customer import ACTIVE, W_FUNNEL, W_PURCHASE, Customer


def _values(a: np.ndarray) -> list[float]:
    """``a.tolist()``, but one shared float object when all values are bitwise equal (a fixed
    trait): saves 24 bytes per customer and value, and the cache misses of reading them."""
    if len(a):
        bits = a.view(np.uint64)
        if (bits == bits[0]).all():
            return [float(a[0])] * len(a)
    return a.tolist()


class _Wake:
    """A wake-up put on SimPy's own queue (duck-types a triggered simpy Event); used only for the
    rare wake-up scheduled from a SimPy callback earlier than the customer clock's next step."""

    __slots__ = ("callbacks", "cust", "kind")
    _ok = True


class IndexedSet:
    """A set with O(1) add, remove and uniform random choice (for sampling promoters)."""

    def __init__(self):
        self.items: list[Any] = []
        self.pos: dict[Any, int] = {}

    def add(self, x) -> None:
        if x not in self.pos:
            self.pos[x] = len(self.items)
            self.items.append(x)

    def discard(self, x) -> None:
        i = self.pos.pop(x, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.pos[last] = i

    def __len__(self) -> int:
        return len(self.items)



class Market:
    """New customers and prospects: the initial cohort, the daily market tick and arrivals."""

    def _new_people(self, n: int) -> list[Customer]:
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        tr = sample_traits(self.scenario.population, self.streams, ids)
        keys = customer_keys(self.streams.root_key, ids, 0)
        sat = tr.satisfaction
        nps = np.where(sat >= self._prom_th, 2, np.where(sat < self._det_th, 0, 1))
        people = list(map(Customer, ids.tolist(), keys, tr.segment.tolist(), _values(tr.rate),
                          tr.periodic.tolist(), _values(tr.p_drop), _values(tr.hazard),
                          _values(tr.spend_scale), _values(tr.spend_shape), _values(tr.s_reward),
                          _values(tr.s_price), _values(tr.s_service), _values(tr.s_personalisation),
                          _values(sat), nps.tolist()))
        return people

    def _initial_cohort(self) -> None:
        m = self.scenario.market
        if m.initial_customers == 0:
            return
        people = self._new_people(m.initial_customers)
        if not m.initial_first_purchase:
            self._existing_cohort(people)
            return
        for c in people:
            c.channel = "initial"
            c.aware_at = 0.0
            if m.initial_spread_days > 0:
                t0 = m.initial_spread_days * uniform2((c.key + B_INITIAL) & M64, INITIAL_SPREAD_DRAW)[0]
                self.by_id[c.id] = c
                self._wake(c, t0, W_FUNNEL)
                c.stage = len(STAGES)  # a wake at this stage means: first purchase now
            else:
                self._acquire(c, 0.0, first_purchase=True)

    def _existing_cohort(self, people: list[Customer]) -> None:
        """Existing customers at day 0 (no first purchase now): for each, in order, what
        ``_acquire(c, 0.0, first_purchase=False)`` does, then the first purchase or churn, with
        the loop invariants hoisted and the first draws (``uniform2(key + B_INITIAL, INITIAL_FIRST_EVENT_DRAW)``)
        vectorised."""
        with np.errstate(over="ignore"):
            z = np.array([c.key for c in people], dtype=np.uint64) + np.uint64((B_INITIAL + (INITIAL_FIRST_EVENT_DRAW + 1) * GOLDEN) & M64)
            z = _mix_vec(z)
        u_next = ((z >> np.uint64(32)).astype(np.float64) * _TWO32 + _HALF32).tolist()
        u_haz = ((z & np.uint64(0xFFFFFFFF)).astype(np.float64) * _TWO32 + _HALF32).tolist()
        del z
        nc = self.n_class
        promoters = self.promoters if self.track_promoters else None
        customers = self.customers
        by_id = self.by_id
        tracer = self.tracer
        h_acquire = self._h_acquire
        ctx = self.ctx
        acq_disc = math.exp(-self.delta * 0.0)
        for c, un, uh in zip(people, u_next, u_haz, strict=True):
            c.channel = "initial"
            c.aware_at = 0.0
            # _acquire(c, 0.0, first_purchase=False)
            c.status = ACTIVE
            c.acquired_at = 0.0
            c.acq_disc = acq_disc
            self.n_active += 1
            nc[c.nps] += 1
            if promoters is not None and c.nps == 2:
                promoters.add(c.id)
            customers.append(c)
            by_id[c.id] = c
            self.d_new[0] += 1
            c.stage = 0
            if tracer is not None:
                tracer.add(0.0, c.id, "acquired", f"became a customer (channel: {c.channel or 'initial'})")
            for h in h_acquire:
                h(ctx, c)
            c.channel = "existing"
            self._first_event(c, un, uh)

    def _first_event(self, c: Customer, un: float, uh: float) -> None:
        """Schedule an existing customer's first purchase or churn at day 0 from its first
        draws ``un`` (time to purchase) and ``uh`` (time to churn)."""
        rate = c.rate
        for h in self._h_rate:
            rate *= h(self.ctx, c)
        if rate <= 0.0:
            dt = math.inf
        elif c.periodic:
            dt = 1.0 / rate
        else:
            dt = -math.log(un) / rate
        if self.hazard_process:
            self._defection_start(c, 0.0)
            self._defection_refresh(c, 0.0)
            tot = 0.0
        else:
            tot = c.hazard + self._comp_h * c.s_price
        if tot > 0.0:
            dtc = -math.log(uh) / tot
            if dtc < dt:
                self._schedule_churn(c, 0.0, 0.0 + dtc, tot, CHURN_INITIAL_DRAW)
                return
        tn = 0.0 + dt
        if tn < self.horizon:
            if tn < self._target or int(tn) <= self._cal_day:
                c.wake = self._wake(c, tn, W_PURCHASE)
            else:   # _wake, inlined
                c.wake = e = (tn, c, W_PURCHASE)
                self._buckets[int(tn)].append(e)

    def _daily(self):
        env = self.env
        m = self.scenario.market
        adv = self.scenario.journey.advocacy
        econ = self.scenario.economics
        rng = self.market_rng
        budget = m.marketing_budget_per_day
        mk_rate = budget / m.cost_per_aware
        agent_cost = self.desk.agent_cost_per_day()   # all channels' agents (0 if no contacts)
        for day in range(self.days):
            frac = min(1.0, self.horizon - day)   # last day may be partial
            self.snap_active.append(self.n_active)
            self.snap_promoters.append(self.n_class[2])
            self.snap_detractors.append(self.n_class[0])
            self.snap_funnel.append(self.in_funnel)
            room = math.inf if m.market_size is None else m.market_size - self.prospects_total
            if budget > 0 and room > 0:
                self.ledger.post("acquisition_cost", day, budget * frac)
            if econ.fixed_cost_per_day > 0:
                self.ledger.post("fixed_cost", day, econ.fixed_cost_per_day * frac)
            if agent_cost > 0:
                self.ledger.post("service_cost", day, agent_cost * frac)
            # arrivals of newly aware prospects during [day, day + 1)
            lam_aw = (mk_rate + m.organic_arrivals_per_day
                      + m.word_of_mouth_per_promoter_per_day * self.n_class[2]) * frac
            n_aw = int(rng.poisson(lam_aw)) if lam_aw > 0 else 0
            n_ref = 0
            if adv.referrals_per_promoter_per_day > 0 and len(self.promoters):
                lam_ref = adv.referrals_per_promoter_per_day * len(self.promoters) * frac
                for h in self._h_referral:
                    lam_ref *= h(self.ctx)
                n_ref = int(rng.poisson(lam_ref))
            if room < n_aw + n_ref:
                n_aw = int(min(n_aw, room))
                n_ref = int(min(n_ref, room - n_aw))
            if n_aw + n_ref:
                self._arrivals(day, frac, n_aw, n_ref, mk_rate, lam_aw)
            for h in self._h_day:
                h(self.ctx, day)
            yield env.timeout(frac)

    def _arrivals(self, day, frac, n_aw, n_ref, mk_rate, lam_aw):
        rng = self.market_rng
        people = self._new_people(n_aw + n_ref)
        times = day + frac * rng.random(len(people))
        p_mk = mk_rate / lam_aw if lam_aw > 0 else 0.0
        chan_u = rng.random(n_aw)
        referrers = []
        if n_ref:
            items = self.promoters.items
            referrers = [items[int(j)] for j in rng.integers(0, len(items), n_ref)]
        self.prospects_total += len(people)
        self.d_prospects[day] += len(people)
        for j, (c, t) in enumerate(zip(people, times.tolist(), strict=True)):
            c.aware_at = t
            if j < n_aw:
                c.channel = "marketing" if chan_u[j] < p_mk else "organic"
                stage = 0
            else:
                c.channel = "referral"
                c.referred_by = referrers[j - n_aw]
                self.referrals += 1
                stage = self._ref_entry
            self.by_id[c.id] = c
            self.in_funnel += 1
            self._enter_stage(c, t, stage)

