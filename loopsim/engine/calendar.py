"""The day calendar of customer wake-ups and its bridge to SimPy (a mixin of :class:`World`).

Customers are not SimPy generator processes. Each customer's next event is an entry
``(time, customer, kind)`` in a day calendar (a list per day, sorted when the day starts), run in
time order by one SimPy process, the customer clock (:meth:`Calendar._clock`), which hands
control back to SimPy whenever a SimPy event (the daily market tick, policy timers) is due first.
The service desk's timers use the same calendar (:meth:`Calendar.at`). Events beyond the horizon
are never scheduled. Why this is fast: ``docs/engine.md``.
"""

from __future__ import annotations

from heapq import heappop, heappush
from operator import itemgetter

from .customer import W_CHURN, W_DEFECT, W_FUNNEL, W_ONBOARDED, W_PURCHASE, W_WINBACK, Customer

NORMAL = 1  # simpy.events.NORMAL priority
_time_of = itemgetter(0)


class _Wake:
    """A wake-up put on SimPy's own queue (duck-types a triggered simpy Event); used only for the
    rare wake-up scheduled from a SimPy callback earlier than the customer clock's next step."""

    __slots__ = ("callbacks", "cust", "kind")
    _ok = True



class Calendar:
    """Scheduling of customer wake-ups and engine callbacks; the customer clock.

    Expects the world's ``env``, ``days``, ``tx`` and the journey's handlers (``_purchase``,
    ``_churn``, ``_funnel_step``, ``_winback``, ``_onboarded``, ``_defect``)."""

    def _init_calendar(self) -> None:
        """The empty calendar: one list per day (index = int(t)); entries at or after the last
        day never run."""
        self._cb = (self._on_wake,)
        self._sched = self.env.schedule
        self._buckets: list[list | None] = [[] for _ in range(self.days)]
        self._cal: list = []       # today's entries scheduled during the day (a heap)
        self._cal_day = -1
        self._target = 0.0         # the time the clock waits for (see _wake)
        self._seq = 0

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
        for day in range(self.days):
            if env.now < day:
                self._target = float(day)
                yield env.timeout(day - env.now)
            yield from self._run_day(day)
            if self.tx is not None:
                self.tx.flush()
            self._target = float(day + 1)

    def _run_day(self, day: int):
        """Run day ``day``'s wake-ups in order (part of :meth:`_clock`; yields to SimPy).

        The day's entries known at its start are sorted once by time (a stable sort on float
        keys, several times cheaper than heap pops) and merged with the entries scheduled for
        the same day while it runs (a small heap): the order of one heap on (time, seq)."""
        env = self.env
        q = env._queue          # SimPy's event queue (read only here)
        timeout = env.timeout
        purchase = self._purchase
        dispatch = self._dispatch
        cur = self._buckets[day]
        self._buckets[day] = None
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
