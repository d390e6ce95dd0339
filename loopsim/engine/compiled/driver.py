"""The compiled engine's driver: the market tick in Python between the kernel's days.

Per day, as the Python engine's ``Market._daily`` does at the day's start: snapshots, the day's
costs, arrivals of aware prospects and referrals (drawn from the same NumPy market stream, their
traits from :func:`loopsim.population.sample_traits`); then the kernel runs the day's events
(:func:`.loop.run_day`). Only this loop and the end-of-run collection are Python: a few hundred
calls per run, whatever the number of customers.
"""

from __future__ import annotations

import gc
import math

import numpy as np

from ...population import sample_traits
from ...resources import expected_prospects
from ...rng import Streams, customer_keys
from . import layout as L
from . import loop as K
from .logs import contact_log, tx_log
from .state import build

#: rooms the kernel keeps free before each event (entries, contacts, log rows): one event can
#: schedule a few entries, but a shift change can hand many waiting contacts to agents at once
_EV_ROOM, _K_ROOM, _ROW_ROOM = 256, 64, 64
#: people handed to the kernel at once (a cohort, a day's arrivals): the pools need room for one
#: chunk's entries, contacts and rows, not the whole cohort's (each call of an entry point on
#: ``[lo, m)`` then ``[m, hi)`` does what one call on ``[lo, hi)`` does)
CHUNK = 4096
#: people whose traits are sampled at once (bounds the sampling's temporary arrays)
TRAIT_CHUNK = 1 << 16
#: prospects the customers' pool reserves room for at most before the run (more grow it): room
#: costs address space only, but an address space beyond the machine's memory can be refused
PROSPECT_RESERVE = 1 << 20


class CompiledRun:
    """One run of a scenario on the compiled engine (use :func:`loopsim.simulate`)."""

    def __init__(self, sc, seed):
        self.sc = sc
        self.streams = Streams(seed)
        self.market_rng = self.streams.generator("market")
        self.horizon = float(sc.time.horizon_days)
        self.days = int(math.ceil(self.horizon))
        # every id the run is expected to hand out (prospects included), with a tenth to spare
        prospects = min(int(1.1 * expected_prospects(sc)), PROSPECT_RESERVE)
        self.a, self.channels, self.policies = build(sc, sc.market.initial_customers + prospects + CHUNK)
        self.tx, self.clog = tx_log(self.a), contact_log(self.a)
        self.next_id = 0
        self.prospects = 0
        self.referrals = 0
        self.snaps = {k: [] for k in ("active", "promoters", "detractors", "in_funnel")}
        self.d_prospects = np.zeros(self.days + 1, dtype=np.int64)
        self.series: dict[str, list[float]] = {}   # the policies' ctx.record columns
        self.S = self.a.pack()
        self.agent_cost = _agent_cost(sc, self.channels)
        #: policy timers and points batches one new customer may need at once
        self.timers = sum(getattr(p, "timers_per_customer", 0) for p in self.policies)
        self.batches = sum(getattr(p, "batches_per_customer", 0) for p in self.policies)

    # ------------------------------------------------------------------ people
    def _new_people(self, n: int) -> tuple[int, int]:
        """Customers ``next_id`` .. ``+ n`` with their traits (``Market._new_people``); traits are
        sampled :data:`TRAIT_CHUNK` at a time (each customer's from its own stream: the same
        values in any batches)."""
        lo_id, hi_id = self.next_id, self.next_id + n
        self.next_id = hi_id
        a = self.a
        if a.ensure("customers", hi_id):
            self.S = a.pack()
        for lo in range(lo_id, hi_id, TRAIT_CHUNK):
            self._traits(lo, min(lo + TRAIT_CHUNK, hi_id))
        return lo_id, hi_id

    def _traits(self, lo_id: int, hi_id: int) -> None:
        """Customers ``lo_id`` .. ``hi_id - 1``'s initial fields, keys and traits."""
        a = self.a
        a.fresh(lo_id, hi_id)
        ids = np.arange(lo_id, hi_id, dtype=np.int64)
        tr = sample_traits(self.sc.population, self.streams, ids)
        a["c_key"][lo_id:hi_id] = np.asarray(customer_keys(self.streams.root_key, ids, 0), dtype=np.uint64)
        for name, src in (("c_seg", tr.segment), ("c_rate", tr.rate), ("c_periodic", tr.periodic),
                          ("c_p_drop", tr.p_drop), ("c_hazard", tr.hazard), ("c_scale", tr.spend_scale),
                          ("c_shape", tr.spend_shape), ("c_s_reward", tr.s_reward),
                          ("c_s_price", tr.s_price), ("c_s_service", tr.s_service),
                          ("c_s_pers", tr.s_personalisation), ("c_sat", tr.satisfaction)):
            a[name][lo_id:hi_id] = src
        cf = a["cf"]
        sat = tr.satisfaction
        a["c_nps"][lo_id:hi_id] = np.where(sat >= cf[L.PROM_TH], 2, np.where(sat < cf[L.DET_TH], 0, 1))

    def _room(self, people: int = 0) -> None:
        """Make room in the pools for ``people`` (at most :data:`CHUNK`) new customers at once
        (each may schedule a few entries, buy once and open two contacts) without stopping:
        grow the calendar, contact and points pools, empty the logs' pools into their chunks.
        The entry pool's rows also hold the days' lists, in chunks of ``L.CHUNK`` entries: room
        for the chunks in use, one more per day and per entry the kernel may add before it
        checks again."""
        a, ctl = self.a, self.a["ctl"]
        entries = (4 + self.timers) * people
        chunks = int(ctl[L.BK_USED] - ctl[L.BK_FREE_N]) + self.days + 1 + _EV_ROOM + 1
        grew = a.ensure("events", max(int(ctl[L.EV_USED] - ctl[L.EV_FREE_N]) + entries + 2 * _EV_ROOM,
                                      L.CHUNK * chunks + entries))
        grew |= a.ensure("contacts", int(ctl[L.K_USED] - ctl[L.K_FREE_N]) + 2 * people + 2 * _K_ROOM)
        grew |= self.tx.make_room(people + 2 * _ROW_ROOM)
        grew |= self.clog.make_room(2 * people + 2 * _ROW_ROOM)
        grew |= a.ensure("batches", int(ctl[L.PB_LIVE]) + self.batches * people + 2 * _ROW_ROOM)
        if grew:
            self.S = a.pack()

    def _chunks(self, lo_id: int, hi_id: int):
        """``[lo, hi)`` ranges of :data:`CHUNK` people covering ``lo_id`` .. ``hi_id - 1``, with
        room made for each before it is handed to the kernel."""
        for lo in range(lo_id, hi_id, CHUNK):
            hi = min(lo + CHUNK, hi_id)
            self._room(hi - lo)
            yield lo, hi

    # ------------------------------------------------------------------ the run
    def run(self) -> CompiledRun:
        """Run the scenario to its horizon. The cyclic garbage collector is paused meanwhile, as in
        the Python engine: the loop allocates little, but a collection walks every live object."""
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if gc_was_on:
                gc.enable()

    def _run(self) -> CompiledRun:
        m = self.sc.market
        self._room()
        K.start(self.S)
        if m.initial_customers:
            lo_id, hi_id = self._new_people(m.initial_customers)
            for lo, hi in self._chunks(lo_id, hi_id):
                if m.initial_first_purchase:
                    K.initial_cohort(self.S, lo, hi, float(m.initial_spread_days))
                else:
                    K.existing_cohort(self.S, lo, hi)
        tick_seq = -1     # the day-0 tick (a process start, urgent) runs before any policy event
        simpy_class = any(p.schedules for p in self.policies)
        for day in range(self.days):
            code = K.GROW if simpy_class else K.DONE
            while code == K.GROW:
                self._room()
                code = K.before_tick(self.S, day, tick_seq, _EV_ROOM, _K_ROOM, _ROW_ROOM)
            self._tick(day)
            tick_seq = int(self.a["ctl"][L.SEQ])    # the next tick's timeout: created now
            code = K.GROW
            while code == K.GROW:
                self._room()
                code = K.run_day(self.S, day, _EV_ROOM, _K_ROOM, _ROW_ROOM)
            if code == K.END:
                break
        return self

    def _post(self, kind: int, t: float, amount: float) -> None:
        """``Ledger.post`` on the state's ledger arrays."""
        a = self.a
        a["led_total"][kind] += amount
        a["led_disc"][kind] += amount * math.exp(-a["cf"][L.DELTA] * t)
        a["LEDD"][kind, min(int(t), self.days)] += amount

    def _tick(self, day: int) -> None:
        """The market at the start of ``day`` (``Market._daily``'s loop body)."""
        sc, ctl = self.sc, self.a["ctl"]
        self.tick_day = day
        m, adv = sc.market, sc.journey.advocacy
        frac = min(1.0, self.horizon - day)
        for name, i in (("active", L.N_ACTIVE), ("promoters", L.NC2), ("detractors", L.NC0),
                        ("in_funnel", L.IN_FUNNEL)):
            self.snaps[name].append(int(ctl[i]))
        room = math.inf if m.market_size is None else m.market_size - self.prospects
        budget = m.marketing_budget_per_day
        if budget > 0 and room > 0:
            self._post(L.L_ACQ, day, budget * frac)
        if sc.economics.fixed_cost_per_day > 0:
            self._post(L.L_FIXED, day, sc.economics.fixed_cost_per_day * frac)
        if self.agent_cost > 0:
            self._post(L.L_SERVICE, day, self.agent_cost * frac)
        mk_rate = budget / m.cost_per_aware
        lam_aw = (mk_rate + m.organic_arrivals_per_day
                  + m.word_of_mouth_per_promoter_per_day * int(ctl[L.NC2])) * frac
        rng = self.market_rng
        n_aw = int(rng.poisson(lam_aw)) if lam_aw > 0 else 0
        n_ref = 0
        n_prom = int(ctl[L.PROM_N])
        if adv.referrals_per_promoter_per_day > 0 and n_prom:
            lam_ref = adv.referrals_per_promoter_per_day * n_prom * frac
            for pol in self.policies:
                lam_ref *= pol.referral_rate_multiplier()
            n_ref = int(rng.poisson(lam_ref))
        if room < n_aw + n_ref:
            n_aw = int(min(n_aw, room))
            n_ref = int(min(n_ref, room - n_aw))
        if n_aw + n_ref:
            self._arrivals(day, frac, n_aw, n_ref, mk_rate, lam_aw)
        for pol in self.policies:
            pol.on_day(self, day)

    def post_cost(self, amount: float, kind: int = L.L_PROGRAMME) -> None:
        """A policy's running cost now (``ctx.post("programme_cost", amount)`` in a tick; another
        ledger ``kind`` such as ``L.L_SERVICE``)."""
        self._post(kind, self.tick_day, amount)

    def record(self, column: str, value: float) -> None:
        """``ctx.record(column, value)`` in a tick: today's value of a policy's timeline column."""
        col = self.series.setdefault(column, [math.nan] * self.days)
        col[min(self.tick_day, self.days - 1)] = value

    def _arrivals(self, day: int, frac: float, n_aw: int, n_ref: int, mk_rate: float,
                  lam_aw: float) -> None:
        """``Market._arrivals``: new prospects' times, channels and referrers, then the funnel."""
        rng = self.market_rng
        lo_id, hi_id = self._new_people(n_aw + n_ref)
        n = hi_id - lo_id
        times = day + frac * rng.random(n)
        p_mk = mk_rate / lam_aw if lam_aw > 0 else 0.0
        chan_u = rng.random(n_aw)
        a = self.a
        stages = np.full(n, int(a["cf"][L.REF_ENTRY]), dtype=np.int64)
        stages[:n_aw] = 0
        a["c_channel"][lo_id:lo_id + n_aw] = np.where(chan_u < p_mk, L.CH_MARKETING, L.CH_ORGANIC)
        if n_ref:
            items = a["prom"][:int(a["ctl"][L.PROM_N])]
            a["c_referred_by"][lo_id + n_aw:hi_id] = items[rng.integers(0, len(items), n_ref)]
            a["c_channel"][lo_id + n_aw:hi_id] = L.CH_REFERRAL
            self.referrals += n_ref
        self.prospects += n
        self.d_prospects[day] += n
        for lo, hi in self._chunks(lo_id, hi_id):
            K.arrivals(self.S, lo, hi, times[lo - lo_id:hi - lo_id], stages[lo - lo_id:hi - lo_id])


def _agent_cost(sc, channels) -> float:
    """The agents' cost per day (``ServiceDesk.agent_cost_per_day``): zero when no contact can
    arise."""
    sv, ob = sc.service, sc.journey.onboarding
    possible = (sv.contact_probability > 0 or sv.complaint_probability > 0
                or (ob.enabled and ob.contact_probability > 0))
    return sum(ch.cost_per_day for ch in channels) if possible else 0.0
