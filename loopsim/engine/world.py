"""The SimPy world: market, funnel, purchases, satisfaction, churn, advocacy, win-back.

Design for speed (see ``docs/engine.md``): customers are not SimPy generator processes. Each
customer's next event is an entry ``(time, seq, customer, kind)`` in a day calendar (a list per
day, heapified when the day starts), run in time order by one SimPy process, the customer clock,
which hands control back to SimPy whenever a SimPy event (the daily market tick, policy timers)
is due first. The service desk's timers use the same calendar (:meth:`World.at`). Events beyond
the horizon are never scheduled.

Randomness is counter based per customer (:mod:`loopsim.rng`): purchase number *k* of customer *i*
uses draw *k* of that customer's purchase, churn and experience streams under every design.

The world is also the ``ctx`` object policies receive; its public methods and attributes (no
leading underscore) are the policy API documented in ``docs/policies.md``.
"""

from __future__ import annotations

import gc
import math
from heapq import heappop, heappush
from operator import itemgetter
from typing import Any

import numpy as np
import simpy
from scipy import special

from ..dists import scalar_ppf
from ..population import sample_traits
from ..records import ContactLog, Ledger, Tracer, TransactionLog
from ..rng import (
    _C1,
    _C2,
    _HALF32,
    _TWO32,
    GOLDEN,
    M64,
    Purpose,
    Streams,
    _mix_vec,
    customer_keys,
    uniform2,
)
from ..scenario import STAGES, Scenario, policy_types
from .customer import (
    ACTIVE,
    CHURNED,
    LOST,
    W_CHURN,
    W_DEFECT,
    W_FUNNEL,
    W_ONBOARDED,
    W_PURCHASE,
    W_WINBACK,
    Customer,
    Purchase,
)
from .defection import Defection

NORMAL = 1  # simpy.events.NORMAL priority
_exp = math.exp
_log = math.log
_inf = math.inf
_time_of = itemgetter(0)
_ONE = 1.0   # shared: exp(-0 * t) for every customer when nothing is discounted


def _gammaincinv(a: float, u: float) -> float:
    return float(special.gammaincinv(a, u))


def _base(purpose: int) -> int:
    """Offset that moves a customer's key to its ``purpose`` sub-stream (see rng docs)."""
    return (GOLDEN * (int(purpose) << 40)) & M64


B_PURCHASE = _base(Purpose.PURCHASE)
B_CHURN = _base(Purpose.CHURN)
B_EXPERIENCE = _base(Purpose.EXPERIENCE)
B_SERVICE = _base(Purpose.SERVICE)
B_FUNNEL = _base(Purpose.FUNNEL)
B_ADVOCACY = _base(Purpose.ADVOCACY)
B_INITIAL = _base(Purpose.INITIAL)


_CHURN_WORDS = {"dropout": "dropped out after this purchase", "lapsed": "lapsed (stopped buying)",
                "competitor": "switched to a competitor"}


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


class World(Defection):
    """One simulated run of a scenario. Use :func:`loopsim.simulate` rather than this class."""

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence = 0,
                 tracer: Tracer | None = None):
        sc = self.scenario = scenario
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.market_rng = self.streams.generator("market")
        self.horizon = float(sc.time.horizon_days)
        self.days = int(math.ceil(self.horizon))
        self.ledger = Ledger(self.days, sc.time.discount_rate_annual)
        self.delta = self.ledger.delta
        self._discounting = self.delta != 0.0
        self.tracer = tracer
        self.margin_rate = sc.economics.gross_margin_rate

        # policies, and the hooks they implement (the engine never imports a concrete policy)
        types = policy_types()
        self.policies = [types[p.type](p) for p in sc.policies]

        def hooks(name):
            return [getattr(p, name) for p in self.policies if callable(getattr(p, name, None))]

        self._h_setup = hooks("setup")
        self._h_acquire = hooks("on_acquire")
        self._h_purchase = hooks("on_purchase")
        self._h_rate = hooks("purchase_rate_multiplier")
        self._h_churn_mult = hooks("churn_multiplier")
        self._h_spend = hooks("spend_multiplier")
        self._h_conversion = hooks("conversion_multiplier")
        self._h_churn = hooks("on_churn")
        self._h_day = hooks("on_day")
        self._h_priority = hooks("service_priority")
        self._h_winback = hooks("winback_multiplier")
        self._h_reactivate = hooks("on_reactivate")
        self._h_referral = hooks("referral_rate_multiplier")   # (ctx) -> float, once a day

        self.tx = TransactionLog(with_discount=bool(self._h_purchase)) if sc.time.record_transactions else None
        self.contacts = ContactLog()
        self.customers: list[Customer] = []   # acquired, in order of acquisition
        self.by_id: dict[int, Customer] = {}
        self.next_id = 0
        self.n_active = 0
        self.n_class = [0, 0, 0]               # detractors, passives, promoters among active
        self.promoters = IndexedSet()
        self.track_promoters = sc.journey.advocacy.referrals_per_promoter_per_day > 0
        self.in_funnel = 0
        self.prospects_total = 0
        self.funnel_entered = [0] * len(STAGES)
        self.referrals = 0
        self.winback_attempts = 0
        self.winback_successes = 0

        # per-day counters (index = int(day))
        n = self.days + 1
        self.d_purchases = [0] * n
        self.d_new = [0] * n
        self.d_churned = [0] * n
        self.d_prospects = [0] * n
        self.snap_active: list[int] = []
        self.snap_promoters: list[int] = []
        self.snap_detractors: list[int] = []
        self.snap_funnel: list[int] = []
        self.series: dict[str, list[float]] = {}    # policy-recorded timeline columns

        # constants used on the hot path
        sat = sc.journey.satisfaction
        self._exp_fixed = sat.experience.is_fixed
        self._exp_value = float(sat.experience.mean) if self._exp_fixed else 0.0
        self._exp_ppf = scalar_ppf(sat.experience)
        self._lr = sat.learning_rate
        self._sat_effect = sat.churn_effect
        self._sat_ref = sat.reference
        self._prom_th = sat.promoter_threshold
        self._det_th = sat.detractor_threshold
        self._contact_p = sc.service.contact_probability + sc.service.complaint_probability
        self._comp_h = sc.market.competitor.hazard_per_day
        self._switch_share = sc.market.competitor.switch_share
        self._after_every = sc.population.dropout_timing == "after_every"
        self.hazard_process = sc.journey.churn.process == "hazard"   # see engine/defection.py
        self._hazard_scale = sc.journey.churn.hazard_multiplier
        self._noise = [scalar_ppf(s.spend.noise) for s in sc.population.segments]
        self._noise_fixed = [s.spend.noise.is_fixed for s in sc.population.segments]
        self._noise_val = [float(s.spend.noise.mean) for s in sc.population.segments]
        self._dwell = [scalar_ppf(sc.funnel.stage(s).dwell) for s in STAGES]
        self._conv = [sc.funnel.stage(s).conversion for s in STAGES]
        self._ref_entry = STAGES.index(sc.funnel.referral_entry_stage)
        self._cb = (self._on_wake,)
        self._sched = self.env.schedule
        # the day calendar of customer wake-ups (see _clock)
        # one list per day (index = int(t)); entries at or after the last day never run
        self._buckets: list[list | None] = [[] for _ in range(self.days)]
        self._cal: list = []       # today's entries scheduled during the day (a heap)
        self._cal_day = -1
        self._target = 0.0
        self._seq = 0
        # running totals for the hot path: [total, discounted] and per-day lists of the ledger
        self._rev = [0.0, 0.0]
        self._rew = [0.0, 0.0]
        self._rev_daily = self.ledger.daily["revenue"]
        self._rew_daily = self.ledger.daily["reward_cost"]
        self._P = Purchase()
        self._pol_ctr = 0

        from .service import ServiceDesk  # local: the desk needs a built world
        self.desk = ServiceDesk(self)

    # ------------------------------------------------------------------ public ctx API for policies
    @property
    def now(self) -> float:
        """Current simulation time (days)."""
        return self.env.now

    def post(self, kind: str, amount: float, customer: Customer | None = None) -> None:
        """Book money now. ``kind`` is a ledger kind (``reward_cost``, ``programme_cost``,
        ``personalisation_cost``, ``service_cost``, ``fee_revenue``, ...). Costs attributed to a
        ``customer`` also enter that customer's CLV (discounted to its acquisition)."""
        t = self.env.now
        self.ledger.post(kind, t, amount)
        if customer is not None:
            d = math.exp(-self.delta * t) / customer.acq_disc
            if kind == "fee_revenue":
                customer.clv += amount * d
            else:
                customer.clv -= amount * d
                if kind == "reward_cost":
                    customer.reward_cost += amount
                elif kind == "service_cost":
                    customer.service_cost += amount

    def uniform(self, customer: Customer, stream: int = 0) -> float:
        """A uniform draw from the customer's own policy stream ``stream`` (0-255).

        Each (customer, stream) has its own counter, so policies do not shift each other's draws
        or the engine's (common random numbers stay aligned across designs)."""
        if customer.pctr is None:
            customer.pctr = {}
        n = customer.pctr.get(stream, 0)
        customer.pctr[stream] = n + 1
        key = (customer.key + _base(Purpose.POLICY + stream)) & M64
        return uniform2(key, n)[0]

    def change_satisfaction(self, c: Customer, delta: float) -> None:
        """Move a customer's satisfaction (0-10 scale) and keep the NPS counts right."""
        s = c.satisfaction + delta
        s = 0.0 if s < 0.0 else (10.0 if s > 10.0 else s)
        c.satisfaction = s
        cls = 2 if s >= self._prom_th else (0 if s < self._det_th else 1)
        if cls != c.nps:
            self._reclass(c, cls)
        if self.hazard_process and c.status == ACTIVE:
            self._defection_refresh(c, self.env.now)

    def _reclass(self, c: Customer, cls: int) -> None:
        """The customer's NPS class changes to ``cls``: keep the counts right."""
        if c.status == ACTIVE:
            nc = self.n_class
            nc[c.nps] -= 1
            nc[cls] += 1
            if self.track_promoters:
                if cls == 2:
                    self.promoters.add(c.id)
                elif c.nps == 2:
                    self.promoters.discard(c.id)
        c.nps = cls

    def schedule(self, delay: float, callback, *args) -> None:
        """Call ``callback(*args)`` after ``delay`` days (for policy timers)."""
        ev = self.env.timeout(delay)
        ev.callbacks.append(lambda _e: callback(*args))

    def record(self, column: str, value: float) -> None:
        """Record a timeline value for today (e.g. a points liability); call from ``on_day``."""
        col = self.series.setdefault(column, [math.nan] * self.days)
        day = min(int(self.env.now), self.days - 1)
        col[day] = value

    def trace(self, c: Customer, event: str, detail: str = "") -> None:
        """Add a line to the customer's journey trace (no-op unless tracing)."""
        if self.tracer is not None:
            self.tracer.add(self.env.now, c.id, event, detail)

    def active_customers(self):
        """Iterate over active customers (O(number acquired): use sparingly, e.g. once a day)."""
        return (c for c in self.customers if c.status == ACTIVE)

    @property
    def mean_spend(self) -> float:
        from ..population import mean_spend

        return mean_spend(self.scenario.population)

    # ------------------------------------------------------------------ setup and run
    def run(self) -> World:
        # The cyclic garbage collector is paused during the run: the engine creates almost no
        # reference cycles, but every calendar tuple counts as a GC allocation, so with many
        # live customers the collector would traverse them all over and over (several % of
        # the run). Results do not depend on it.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            for h in self._h_setup:
                h(self)
            self._initial_cohort()
            self.env.process(self._daily())
            self._clock_gen = self._clock()
            self.env.process(self._clock_gen)
            self.env.run(until=self.horizon)
            self._finish_snapshots()
        finally:
            if gc_was_on:
                gc.enable()
        return self

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
            if not m.initial_first_purchase:
                self._acquire(c, 0.0, first_purchase=False)
                c.channel = "existing"
                u = uniform2((c.key + B_INITIAL) & M64, 0)
                self._schedule_next(c, 0.0, u[0], u[1], 1 << 31)
            elif m.initial_spread_days > 0:
                t0 = m.initial_spread_days * uniform2((c.key + B_INITIAL) & M64, 1)[0]
                self.by_id[c.id] = c
                self._wake(c, t0, W_FUNNEL)
                c.stage = len(STAGES)  # a wake at this stage means: first purchase now
            else:
                self._acquire(c, 0.0, first_purchase=True)

    def _existing_cohort(self, people: list[Customer]) -> None:
        """Existing customers at day 0 (no first purchase now): for each, in order, what
        ``_acquire(c, 0.0, first_purchase=False)`` and ``_schedule_next`` do, with the loop
        invariants hoisted and the first draws (``uniform2(key + B_INITIAL, 0)``) vectorised."""
        with np.errstate(over="ignore"):
            z = np.array([c.key for c in people], dtype=np.uint64) + np.uint64((B_INITIAL + GOLDEN) & M64)
            z = _mix_vec(z)
        u_next = ((z >> np.uint64(32)).astype(np.float64) * _TWO32 + _HALF32).tolist()
        u_haz = ((z & np.uint64(0xFFFFFFFF)).astype(np.float64) * _TWO32 + _HALF32).tolist()
        del z
        nc = self.n_class
        promoters = self.promoters if self.track_promoters else None
        customers = self.customers
        by_id = self.by_id
        d_new = self.d_new
        tracer = self.tracer
        h_acquire = self._h_acquire
        h_rate = self._h_rate
        comp_h = self._comp_h
        horizon = self.horizon
        buckets = self._buckets
        acq_disc = math.exp(-self.delta * 0.0)
        log = math.log
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
            d_new[0] += 1
            c.stage = 0
            if tracer is not None:
                tracer.add(0.0, c.id, "acquired", f"became a customer (channel: {c.channel or 'initial'})")
            for h in h_acquire:
                h(self, c)
            c.channel = "existing"
            # _schedule_next(c, 0.0, un, uh, 1 << 31)
            rate = c.rate
            for h in h_rate:
                rate *= h(self, c)
            if rate <= 0.0:
                dt = math.inf
            elif c.periodic:
                dt = 1.0 / rate
            else:
                dt = -log(un) / rate
            if self.hazard_process:
                self._defection_start(c, 0.0)
                self._defection_refresh(c, 0.0)
                tot = 0.0
            else:
                tot = c.hazard + comp_h * c.s_price
            if tot > 0.0:
                dtc = -log(uh) / tot
                if dtc < dt:
                    self._schedule_churn(c, 0.0, 0.0 + dtc, tot, 1 << 31)
                    continue
            tn = 0.0 + dt
            if tn < horizon:
                if tn < self._target or int(tn) <= self._cal_day:
                    c.wake = self._wake(c, tn, W_PURCHASE)
                else:   # _wake, inlined
                    c.wake = e = (tn, c, W_PURCHASE)
                    buckets[int(tn)].append(e)

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
                    lam_ref *= h(self)
                n_ref = int(rng.poisson(lam_ref))
            if room < n_aw + n_ref:
                n_aw = int(min(n_aw, room))
                n_ref = int(min(n_ref, room - n_aw))
            if n_aw + n_ref:
                self._arrivals(day, frac, n_aw, n_ref, mk_rate, lam_aw)
            for h in self._h_day:
                h(self, day)
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

    # ------------------------------------------------------------------ scheduling
    def _wake(self, c: Customer, t: float, kind: int):
        """Schedule customer ``c``'s event ``kind`` at day ``t``; returns its token.

        Wake-ups go into the day calendar (see :meth:`_clock`). One earlier than the time the
        clock is waiting for (possible only when scheduled from a SimPy callback, e.g. the daily
        tick) goes straight onto SimPy's queue as a :class:`_Wake`, so no event is ever processed
        late. The token (the calendar entry or the ``_Wake``) is what ``customer.wake`` holds for
        purchase and churn events; replacing or clearing it cancels.
        """
        if t < self._target:
            w = _Wake()
            w.callbacks = self._cb
            w.cust = c
            w.kind = kind
            self._sched(w, NORMAL, t - self.env.now)
            return w
        return self._push(t, c, kind)

    def _push(self, t: float, x, kind):
        """Put an entry for ``x`` (a customer, or a callback's argument) at day ``t`` in the
        calendar and return it. An entry for a later day is ``(t, x, kind)``, appended to that
        day's list: the lists are appended to in scheduling order, so a stable sort by time
        gives the order (time, scheduling order). An entry for the day being run is
        ``(t, seq, x, kind)`` on the day's heap (``seq`` breaks ties in scheduling order)."""
        d = int(t)
        if d <= self._cal_day:
            self._seq = seq = self._seq + 1
            e = (t, seq, x, kind)
            heappush(self._cal, e)
            return e
        e = (t, x, kind)
        if d < self.days:
            self._buckets[d].append(e)
        # else: at or after the horizon's last day boundary: would never run
        return e

    def at(self, t: float, callback, arg=None) -> None:
        """Call ``callback(arg)`` at day ``t`` (>= now) on the engine's event calendar.

        Cheaper than a SimPy timeout (no event object, no process switch); used by the service
        desk and available to policies. Callbacks at equal times run in scheduling order.
        """
        if t < self._target:
            ev = self.env.timeout(t - self.env.now)
            ev.callbacks.append(lambda _e: callback(arg))
            return
        self._push(t, arg, callback)

    def _clock(self):
        """The customer clock: a SimPy process that runs customers' wake-ups in time order.

        Customers' events live in per-day buckets (a list per day, sorted when the day starts)
        instead of as event objects on SimPy's global heap, which made every customer event pay
        for an object, a callback list and a deep heap. Before each wake-up the clock looks at
        the head of SimPy's queue; if a SimPy event (service desk, daily tick, policy timer) is
        due first or at the same time, the clock yields until the wake-up's time so SimPy
        processes it first. Otherwise it advances the environment's clock to the wake-up and
        runs it directly.
        """
        env = self.env
        q = env._queue          # SimPy's event queue (read only here)
        buckets = self._buckets
        timeout = env.timeout
        purchase = self._purchase
        dispatch = self._dispatch
        for day in range(self.days):
            if env.now < day:
                self._target = float(day)
                yield timeout(day - env.now)
            # the day's entries known at its start, sorted once by time (a stable sort on float
            # keys, several times cheaper than heap pops), merged with the entries scheduled for
            # the same day while it runs (a small heap): the order of one heap on (time, seq)
            cur = buckets[day]
            buckets[day] = None
            cur.sort(key=_time_of)    # stable: ties stay in scheduling order
            n = len(cur)
            i = 0
            side: list = []
            self._cal = side
            self._cal_day = day
            while True:
                # every entry in cur was scheduled before every entry in side: on equal times,
                # cur's comes first
                if side and (i >= n or side[0][0] < cur[i][0]):
                    e = side[0]
                    t = e[0]
                    if q and q[0][0] <= t:
                        self._target = t
                        yield timeout(t - env.now)
                        continue
                    heappop(side)
                    c = e[2]
                    kind = e[3]
                elif i < n:
                    e = cur[i]
                    t = e[0]
                    if q and q[0][0] <= t:
                        self._target = t
                        yield timeout(t - env.now)
                        continue
                    i += 1
                    c = e[1]
                    kind = e[2]
                else:
                    break
                self._target = t
                env._now = t   # safe: nothing on SimPy's queue is due before t (checked above)
                if kind == W_PURCHASE:
                    if c.wake is e:
                        c.wake = None
                        purchase(c, t)
                elif kind.__class__ is int:
                    dispatch(c, kind, t, e)
                else:
                    kind(c)          # a callback scheduled with at()
            cur = None
            if self.tx is not None:
                self.tx.flush()
            self._target = float(day + 1)

    def _on_wake(self, w: _Wake) -> None:
        """Callback of a wake-up that went through SimPy's queue."""
        self._dispatch(w.cust, w.kind, self.env.now, w)

    def _dispatch(self, c: Customer, kind: int, t: float, token) -> None:
        if kind in (W_PURCHASE, W_CHURN):
            if c.wake is not token:
                return                      # cancelled or replaced
            c.wake = None
            if kind == W_PURCHASE:
                self._purchase(c, t)
            else:
                self._churn(c, t, c.churn_reason or "lapsed")
        elif kind == W_FUNNEL:
            self._funnel_step(c, t)
        elif kind == W_WINBACK:
            self._winback(c, t)
        elif kind == W_ONBOARDED:
            self._onboarded(c, t)
        elif kind == W_DEFECT:
            self._defect(c, t, token)

    # ------------------------------------------------------------------ funnel
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
            p *= h(self, c, STAGES[stage])
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
            h(self, c)
        ob = self.scenario.journey.onboarding
        if ob.enabled and first_purchase:
            self._wake(c, t + ob.duration_days, W_ONBOARDED)
            if ob.contact_probability > 0:
                u = uniform2((c.key + B_EXPERIENCE) & M64, 1 << 30)[0]
                if u < ob.contact_probability:
                    self.desk.open(c, t, "onboarding")
        if first_purchase:
            self._purchase(c, t)

    def _onboarded(self, c: Customer, t: float) -> None:
        if c.status != ACTIVE:
            return
        ob = self.scenario.journey.onboarding
        u = uniform2((c.key + B_EXPERIENCE) & M64, (1 << 30) + 1)[0]
        ok = u < ob.success_probability
        self.change_satisfaction(c, ob.satisfaction_on_success if ok else ob.satisfaction_on_failure)
        if self.tracer is not None:
            self.tracer.add(t, c.id, "onboarded", "onboarding went well" if ok else "onboarding failed")

    def _purchase(self, c: Customer, t: float) -> None:
        # The hot path: runs once per purchase. Hashes are inlined (see rng.uniform2), and so are
        # the satisfaction update and the calendar push; attribute lookups are kept to a minimum.
        # Behaviour is documented in docs/model.md; the arithmetic (and its order) is the one of
        # the straightforward version, so results do not depend on these shortcuts.
        k = c.purchases
        key = c.key
        n1 = (k + 1) * GOLDEN
        z = (key + B_PURCHASE + n1) & M64
        z = ((z ^ (z >> 30)) * _C1) & M64
        z = ((z ^ (z >> 27)) * _C2) & M64
        z ^= z >> 31
        u_next = (z >> 32) * _TWO32 + _HALF32
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
            for h in hooks:
                gross *= h(self, c)
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
            for h in hooks:
                h(self, c, P)
            disc = P.discount
            rcost = P.reward_cost + disc
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
        if tx is not None:   # TransactionLog.add, inlined
            if disc:
                tx.disc_row.append(len(tx))
                tx.disc_value.append(disc)
            tx.cid.append(c.id)
            tx.t.append(t)
            tx.amt.append(gross - disc)
        if self.tracer is not None:
            self.tracer.add(t, c.id, "purchase",
                            f"purchase #{k + 1}: {gross:.2f}" + (f" (discount {disc:.2f})" if disc else ""))

        # experience -> satisfaction; service contact
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

        u_haz = None
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
                    mult *= h(self, c)
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

        # next event: a purchase, or churn if the churn clock rings first
        rate = c.rate
        hooks = self._h_rate
        if hooks:
            for h in hooks:
                rate *= h(self, c)
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

    def _schedule_next(self, c: Customer, t: float, u_next: float, u_haz: float | None,
                       n_churn: int) -> None:
        """Schedule the first event of a customer who has not bought yet in this run."""
        rate = c.rate
        for h in self._h_rate:
            rate *= h(self, c)
        if rate <= 0.0:
            dt = math.inf
        elif c.periodic:
            dt = 1.0 / rate
        else:
            dt = -math.log(u_next) / rate
        tot = c.hazard + self._comp_h * c.s_price
        if tot > 0.0:
            dtc = -math.log(u_haz) / tot
            if dtc < dt:
                self._schedule_churn(c, t, t + dtc, tot, n_churn)
                return
        if t + dt < self.horizon:
            c.wake = self._wake(c, t + dt, W_PURCHASE)

    def _schedule_churn(self, c: Customer, t: float, tn: float, tot: float, n: int) -> None:
        if tn < self.horizon:
            u_r = uniform2((c.key + B_CHURN) & M64, n)[0]
            c.churn_reason = "competitor" if u_r * tot < self._comp_h * c.s_price else "lapsed"
            c.wake = self._wake(c, tn, W_CHURN)

    def _churn(self, c: Customer, t: float, reason: str) -> None:
        if reason != "competitor" and self._switch_share > 0:
            u = uniform2((c.key + B_CHURN) & M64, (1 << 30) + c.winbacks)[0]
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
            h(self, c)
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
            p *= h(self, c)
        u = uniform2((c.key + B_ADVOCACY) & M64, c.winbacks + (c.purchases << 8))[0]
        if u >= p:
            if self.tracer is not None:
                self.tracer.add(t, c.id, "win-back", "a win-back offer was ignored")
            return
        self.winback_successes += 1
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
            h(self, c)
        self._purchase(c, t)

    def _release_customers(self) -> None:
        """Drop the world's references to its customers (after the run, once the result no
        longer needs them) so that they are freed: the customer list, ``by_id``, the calendar
        (entries and customers reference each other through ``wake``). The world cannot run
        or report on customers afterwards."""
        for c in self.customers:
            c.wake = None
        self.customers.clear()
        self.by_id.clear()
        self._buckets = []
        self._cal = []
        self._P.customer = None
        if getattr(self, "_clock_gen", None) is not None:
            self._clock_gen.close()

    def _finish_snapshots(self) -> None:
        led = self.ledger
        led.total["revenue"] += self._rev[0]
        led.discounted["revenue"] += self._rev[1]
        led.total["reward_cost"] += self._rew[0]
        led.discounted["reward_cost"] += self._rew[1]
        self._rev = [0.0, 0.0]
        self._rew = [0.0, 0.0]
        self.final_active = self.n_active
        self.final_class = list(self.n_class)

