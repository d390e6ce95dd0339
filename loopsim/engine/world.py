"""One run of a scenario: the :class:`World` wires the engine's rooms together.

Where things live (see ``docs/engine.md``):

- :mod:`.calendar`: the day calendar of wake-ups and its bridge to SimPy (``World.at``);
- :mod:`.market`: the initial cohort, the daily market tick and arrivals;
- :mod:`.journey`: funnel, acquisition, purchase, churn and win-back of one customer;
- :mod:`.defection`: the time-based defection process; :mod:`.service`: the service desk
  (given what it needs by :meth:`World._init_desk`);
- :mod:`.context`: the ``ctx`` policies receive (:class:`loopsim.context.Context`, the policy
  API), a thin adapter over this world's public methods below;
- this module: the world's state, its construction, ``run`` and the implementation of the
  policy API (``post``, ``uniform``, ``change_satisfaction``, ``schedule``, ``record``, ``trace``).

Policies never see the world itself: hooks get ``self.ctx``.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from ..dists import scalar_ppf
from ..records import Ledger, Tracer, TransactionLog
from ..rng import M64, MARKET_STREAM, Streams, policy_offset, uniform2
from ..scenario import STAGES, Scenario, policy_types
from .calendar import Calendar
from .channels import ChannelContactLog, build_channels
from .context import WorldContext
from .customer import ACTIVE, Customer, Purchase
from .defection import Defection
from .journey import Journey
from .market import IndexedSet, Market
from .service import ServiceDesk

__all__ = ["World"]


class World(Calendar, Market, Journey, Defection):
    """One simulated run of a scenario. Use :func:`loopsim.simulate` rather than this class."""

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence = 0,
                 tracer: Tracer | None = None):
        sc = self.scenario = scenario
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.market_rng = self.streams.generator(MARKET_STREAM)
        self.horizon = float(sc.time.horizon_days)
        self.days = int(math.ceil(self.horizon))
        self.ledger = Ledger(self.days, sc.time.discount_rate_annual)
        self.delta = self.ledger.delta
        self._discounting = self.delta != 0.0
        self.tracer = tracer
        self.margin_rate = sc.economics.gross_margin_rate
        self._init_policies()
        self.tx = TransactionLog() if sc.time.record_transactions else None
        self._init_state()
        self._init_constants()
        self._init_calendar()
        # running totals for the hot path: [total, discounted] and per-day lists of the ledger
        self._rev = [0.0, 0.0]
        self._rew = [0.0, 0.0]
        self._rev_daily = self.ledger.daily["revenue"]
        self._rew_daily = self.ledger.daily["reward_cost"]
        self._P = Purchase()
        self.ctx = WorldContext(self)   # what policies and the desk see of this world
        self._init_desk()

    def _init_desk(self) -> None:
        """The service desk, given what it needs: the policy API, its channels, the contact log
        it fills, the policies' priority hooks and the journey's churn; its churn-multiplier hook
        (unresolved problems) comes after the policies' ones."""
        channels = build_channels(self.scenario.service)
        self.contacts = ChannelContactLog([ch.name for ch in channels])
        self.desk = ServiceDesk(self.ctx, channels, self.contacts, priority=self._h_priority,
                                churn=self._churn, tracing=self.tracer is not None)
        hook = self.desk.churn_hook()
        if hook is not None:
            self._h_churn_mult.append(hook)

    def _init_policies(self) -> None:
        """The scenario's policies and the hooks they implement (the engine never imports a
        concrete policy)."""
        types = policy_types()
        self.policies = [types[p.type](p) for p in self.scenario.policies]

        def hooks(name: str) -> list[Callable[..., Any]]:
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

    def _init_state(self) -> None:
        """Customers, counts and the per-day counters (index = int(day)) of an empty world."""
        self.customers: list[Customer] = []   # acquired, in order of acquisition
        self.by_id: dict[int, Customer] = {}
        self.next_id = 0
        self.n_active = 0
        self.n_class = [0, 0, 0]               # detractors, passives, promoters among active
        self.promoters = IndexedSet()
        self.track_promoters = self.scenario.journey.advocacy.referrals_per_promoter_per_day > 0
        self.in_funnel = 0
        self.prospects_total = 0
        self.funnel_entered = [0] * len(STAGES)
        self.referrals = 0
        self.winback_attempts = 0
        self.winback_successes = 0
        n = self.days + 1
        self.d_purchases = [0] * n
        self.d_new = [0] * n
        self.d_churned = [0] * n
        self.d_won_back = [0] * n
        self.d_prospects = [0] * n
        self.snap_active: list[int] = []
        self.snap_promoters: list[int] = []
        self.snap_detractors: list[int] = []
        self.snap_funnel: list[int] = []
        self.series: dict[str, list[float]] = {}    # policy-recorded timeline columns

    def _init_constants(self) -> None:
        """Scenario values read on the hot path, looked up once."""
        sc = self.scenario
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

    # ------------------------------------------------------------------ the policy API (WorldContext)
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
        key = (customer.key + policy_offset(stream)) & M64
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

    def schedule(self, delay: float, callback: Callable[..., Any], *args: Any) -> None:
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
                h(self.ctx)
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

