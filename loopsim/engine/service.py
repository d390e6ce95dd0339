"""The service desk: contacts queue for agents in one or more channels (SimPy resources).

Contacts arrive by time of day: a contact caused at ``t`` reaches the desk within 24 hours, at a
time drawn from the daily ``service.arrival_profile`` (the inverse of its cumulative rate,
:mod:`loopsim.engine.arrivals`); ``"round_the_clock"`` keeps it at ``t``.

Contacts arise from onboarding questions (``journey.onboarding.contact_probability``), product
problems (``service.contact_probability`` per purchase) and complaints after a bad experience
(``service.complaint_probability`` when the purchase's experience is below
``service.complaint_below``). A new contact is routed to a channel with probability proportional to
the channel's ``share`` (a repeat contact goes to the channel's ``escalate_to``, or the same one).

In a channel with agents, a contact balks if ``balk_queue_length`` contacts are already waiting,
otherwise waits for one of the channel's agents (priority from the policies'
``service_priority`` hook; lower is served first; FIFO within a priority; non-preemptive, the
semantics of :class:`simpy.PriorityResource`). With a
``patience`` distribution it hangs up (reneges) if not served in time. Service takes
``handling_time``; the problem is resolved with ``resolution_probability`` (first-contact
resolution). A channel with ``agents = 0`` is self-service: no queue, no agent, handled at once.

Opening hours and shifts change the number of agents on duty by time of day. An agent going off
duty finishes the contact in hand first (non-preemptive), and contacts arriving while the channel
is closed wait for opening (their patience, if any, keeps running).

Effects: waiting and the outcome move satisfaction, scaled by the customer's service sensitivity
(x ``2 * s_service``, so the mean customer of a Beta(2, 2) sensitivity feels the configured
amounts). An unresolved or abandoned contact is followed by a repeat contact with
``repeat_probability`` (up to ``max_attempts`` contacts per problem). Every problem still
unresolved multiplies the customer's churn intensity by ``unresolved_churn_multiplier``. With
``service_recovery`` a problem resolved at the first contact adds ``recovery_bonus`` satisfaction
(the service-recovery paradox: McCollough & Bharadwaj 1992; meta-analysis de Matos, Henrique &
Rossi 2007, J. Service Research 10(1): a positive effect on satisfaction, none on repurchase).

The desk is built by the world (:meth:`World._init_desk`) with what it needs: the run's
:class:`~loopsim.context.Context` (the same policy API policies get: time, calendar, money,
satisfaction, trace), its channels, the contact log it fills, the policies' ``service_priority``
hooks and the journey's churn (a customer who defects over a problem); the world asks it for its
churn-multiplier hook (:meth:`ServiceDesk.churn_hook`).

Agents are a counted pool per channel with a priority queue, and every timer (end of service,
patience, shift change, repeat contact) is a callback on the engine's event calendar
(``ctx.at``): a contact costs a few microseconds, where SimPy request/release events and
timeouts cost ten times more (see ``docs/engine.md``). No generator process per contact.
Configured as M/M/c (Poisson contacts, exponential
handling, no balking or patience) the mean wait in queue matches Erlang C; see
``tests/validation/test_erlang_c.py`` and ``docs/service.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappop, heappush
from typing import TYPE_CHECKING

from ..dists import scalar_ppf
from ..rng import (
    B_SERVICE,
    M64,
    SERVICE_ARRIVAL_DRAWS,
    SERVICE_DEFECTION_DRAWS,
    SERVICE_REPEAT_DRAWS,
    uniform,
    uniform2,
)
from ..scenario.service import hourly_weights
from ..units import MINUTES_PER_DAY
from .arrivals import profile_for
from .channels import Channel, ChannelContactLog, duty_profile
from .customer import ACTIVE, Customer

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["ABANDONED", "BALKED", "SERVED", "ServiceDesk", "duty_profile"]

SERVED, ABANDONED, BALKED = 0, 1, 2
#: reasons of contacts about a problem (eligible for the service-recovery effect)
PROBLEM_REASONS = ("product", "complaint")


class _Contact:
    __slots__ = ("desk", "ch", "c", "t", "u_handle", "u_resolve", "priority", "reason", "done",
                 "wait", "handling", "attempt", "patience", "counted", "seq")


class ServiceDesk:
    """Channels of agents (counted pools with priority queues); contacts handled with callbacks."""

    def __init__(self, ctx: Context, channels: list[Channel], contacts: ChannelContactLog, *,
                 priority: list[Callable[[Context, Customer], int]],
                 churn: Callable[[Customer, float, str], None], tracing: bool = False):
        """``ctx``: the run's policy API; ``channels``: from :func:`~.channels.build_channels`;
        ``contacts``: the log every contact's outcome goes to; ``priority``: the policies'
        ``service_priority`` hooks; ``churn(customer, t, reason)``: the journey's churn (a
        customer who defects over a problem left unresolved); ``tracing``: write trace lines."""
        self.ctx = ctx
        self.scenario = ctx.scenario
        self.horizon = ctx.horizon
        cfg = self.cfg = ctx.scenario.service
        self.channels = channels
        self.contacts = contacts
        self._priority = priority
        self._churn = churn
        self.tracing = tracing
        self.by_name = {ch.name: ch for ch in self.channels}
        tot = sum(ch.share for ch in self.channels)
        acc, self._cum = 0.0, []
        for ch in self.channels:
            acc += ch.share / tot
            self._cum.append(acc)
        self._repeat_delay = scalar_ppf(cfg.repeat_delay)
        self.profile = profile_for(hourly_weights(cfg.arrival_profile))   # None: round the clock
        # plain copies of the configuration read at every contact (pydantic attributes are slower)
        self._p_product = cfg.contact_probability
        self._complaint_below = cfg.complaint_below
        self._s_wait = cfg.satisfaction_per_wait_day
        self._s_resolved = cfg.satisfaction_resolved
        self._s_unresolved = cfg.satisfaction_unresolved
        self._recovery = cfg.service_recovery
        self._recovery_bonus = cfg.recovery_bonus
        self._p_defect = cfg.defection_probability
        self._base = B_SERVICE
        self.opened = 0           # contacts that arrived
        self.in_flight: dict[int, _Contact] = {}   # queued or in service (seq -> contact)
        self.unresolved: dict[int, int] = {}        # customer id -> problems left unresolved
        self.repeats = 0
        self.recoveries = 0
        self.defections = 0       # customers who defected over a problem left unresolved
        self._start_shifts()

    def churn_hook(self) -> Callable[[Context, Customer], float] | None:
        """The desk's ``churn_multiplier`` hook (unresolved problems), or None when the
        scenario's ``unresolved_churn_multiplier`` is 1 (no effect)."""
        return self.churn_multiplier if self.cfg.unresolved_churn_multiplier != 1.0 else None

    # ------------------------------------------------------------------ configuration
    def contacts_possible(self) -> bool:
        """Whether any contact can arise (product problems, complaints or onboarding)."""
        sc = self.scenario
        return (sc.service.contact_probability > 0 or sc.service.complaint_probability > 0
                or (sc.journey.onboarding.enabled and sc.journey.onboarding.contact_probability > 0))

    def agent_cost_per_day(self) -> float:
        """Cost of the agents (currency/day); zero when no contact can arise."""
        if not self.contacts_possible():
            return 0.0
        return sum(ch.cost_per_day for ch in self.channels)

    def channel_stats(self, horizon: float) -> list[tuple[str, float, float]]:
        """(name, busy agent-days, on-duty agent-days) per channel with agents."""
        return [(ch.name, ch.busy_time, ch.on_duty_days(horizon)) for ch in self.channels
                if not ch.self_service]

    # ------------------------------------------------------------------ shifts
    def _start_shifts(self) -> None:
        for ch in self.channels:
            if ch.self_service or len(ch.steps) == 1:
                continue
            self._set_duty(ch, ch.steps[0][1])
            self._next_step(ch, 0.0, 1)

    def _next_step(self, ch: Channel, day: float, i: int) -> None:
        if i >= len(ch.steps):
            day, i = day + 1.0, 0
        t = day + ch.steps[i][0]
        if t < self.horizon:
            self.ctx.at(t, self._step, (ch, day, i))

    def _step(self, arg) -> None:
        ch, day, i = arg
        self._set_duty(ch, ch.steps[i][1])
        self._next_step(ch, day, i + 1)

    def _set_duty(self, ch: Channel, on_duty: int) -> None:
        delta = on_duty - ch.on_duty
        ch.on_duty = on_duty
        if delta > 0:
            back = min(delta, ch.leaving)     # agents about to leave stay on instead
            ch.leaving -= back
            ch.free += delta - back
            now = self.ctx.now
            while ch.free > 0 and ch.waiting > 0:
                ch.free -= 1
                self._granted(self._next_waiting(ch), now)
        elif delta < 0:
            idle = min(-delta, ch.free)
            ch.free -= idle
            ch.leaving += -delta - idle

    @staticmethod
    def _next_waiting(ch: Channel) -> _Contact:
        queue = ch.queue
        while True:
            k = heappop(queue)[2]
            if not k.done:
                ch.waiting -= 1
                return k

    # ------------------------------------------------------------------ contacts
    def after_purchase(self, c: Customer, t: float, u: float, experience: float) -> None:
        """Called by the engine with the purchase's contact draw ``u`` < product + complaint
        probability: ``u`` below the product-problem probability opens a product contact, otherwise
        (a slice of width ``complaint_probability``) a complaint if the experience was poor."""
        if u < self._p_product:
            self.open(c, t, "product")
        elif experience < self._complaint_below:
            self.open(c, t, "complaint")

    def open(self, c: Customer, t: float, reason: str, attempt: int = 1, channel: int | None = None,
             counted: bool = False) -> None:
        """A contact from customer ``c`` has its cause now, at ``t`` (``attempt`` > 1: a repeat
        contact); it arrives at the desk at a time of day drawn from the arrival profile (within
        24 hours; at once with ``arrival_profile = "round_the_clock"``)."""
        ctx = self.ctx
        n = c.contacts
        key = (c.key + self._base) & M64
        arrive = t
        if self.profile is not None:
            arrive = self.profile.arrival(t, uniform(key, SERVICE_ARRIVAL_DRAWS + n))
            if arrive >= self.horizon:
                return      # would arrive after the end of the run: never seen by the desk
        c.contacts = n + 1
        u_handle, u_resolve = uniform2(key, 2 * n)
        u_patience, u_route = uniform2(key, 2 * n + 1)
        if channel is None:
            channel = 0
            if len(self.channels) > 1:
                cum = self._cum
                while channel < len(cum) - 1 and u_route >= cum[channel]:
                    channel += 1
        ch = self.channels[channel]
        k = _Contact()
        k.desk, k.ch, k.c, k.t, k.u_handle, k.u_resolve = self, ch, c, arrive, u_handle, u_resolve
        k.reason, k.done, k.attempt, k.counted = reason, False, attempt, counted
        k.patience = ch.patience(u_patience) if ch.patience is not None else math.inf
        if arrive > t:
            ctx.at(arrive, self._arrive, k)
        else:
            self._arrive(k)

    def _arrive(self, k: _Contact) -> None:
        """The contact reaches its channel: served at once (self-service, a free agent), balks,
        or queues (and hangs up when its patience runs out)."""
        ctx = self.ctx
        c, ch, t = k.c, k.ch, k.t
        self.opened += 1
        k.seq = self.opened
        prio = 0
        for h in self._priority:      # the customer's priority when they get in touch
            prio = min(prio, int(h(ctx, c)))
        k.priority = prio
        if ch.self_service:
            k.done = True
            k.wait = 0.0
            self.in_flight[k.seq] = k
            self._serve(k, t)
            return
        if ch.balk is not None and ch.waiting >= ch.balk:
            self.contacts.add(c.id, t, 0.0, 0.0, BALKED, False, prio, k.reason, ch.idx, k.attempt, k.patience)
            self._feel(c, self.cfg.satisfaction_abandoned)
            if self.tracing:
                ctx.trace(c, "service", f"{k.reason} contact ({ch.name}): queue too long, gave up at once")
            self._after_failure(k)
            return
        self.in_flight[k.seq] = k
        if ch.free > 0:
            ch.free -= 1
            self._granted(k, t)
            return
        heappush(ch.queue, (prio, k.seq, k))
        ch.waiting += 1
        if k.patience < math.inf:
            ctx.at(t + k.patience, self._renege, k)

    def _feel(self, c: Customer, delta: float) -> None:
        if c.status == ACTIVE and delta:
            self.ctx.change_satisfaction(c, delta * 2.0 * c.s_service)

    def _renege(self, k: _Contact) -> None:
        if k.done:
            return
        k.done = True
        k.ch.waiting -= 1    # its queue entry is skipped when reached
        del self.in_flight[k.seq]
        ctx = self.ctx
        now = ctx.now
        self.contacts.add(k.c.id, k.t, now - k.t, 0.0, ABANDONED, False, k.priority, k.reason,
                          k.ch.idx, k.attempt, k.patience)
        self._feel(k.c, self.cfg.satisfaction_abandoned + self.cfg.satisfaction_per_wait_day * (now - k.t))
        if self.tracing:
            ctx.trace(k.c, "service", f"{k.reason} contact ({k.ch.name}): hung up after waiting "
                      f"{(now - k.t) * MINUTES_PER_DAY:.0f} minutes")
        self._after_failure(k)

    def _granted(self, k: _Contact, now: float) -> None:
        k.done = True
        k.wait = now - k.t
        self._serve(k, now)

    def _serve(self, k: _Contact, now: float) -> None:
        k.handling = k.ch.handle(k.u_handle)
        if not k.ch.self_service:
            k.ch.busy_time += max(0.0, min(k.handling, self.horizon - now))
        self.ctx.at(now + k.handling, self._finished, k)

    def _finished(self, k: _Contact) -> None:
        ch = k.ch
        if not ch.self_service:
            if ch.leaving:
                ch.leaving -= 1          # the agent goes off duty
            elif ch.waiting:
                self._granted(self._next_waiting(ch), self.ctx.now)
            else:
                ch.free += 1
        del self.in_flight[k.seq]
        ctx = self.ctx
        c = k.c
        resolved = k.u_resolve < ch.p_resolve
        self.contacts.add(c.id, k.t, k.wait, k.handling, SERVED, resolved, k.priority, k.reason,
                          ch.idx, k.attempt, k.patience)
        if ch.cost_contact:
            ctx.post("service_cost", ch.cost_contact, c)
        delta = self._s_wait * k.wait
        if resolved:
            delta += self._s_resolved
            if k.counted:
                self._uncount(c.id)
            if self._recovery and k.attempt == 1 and k.reason in PROBLEM_REASONS:
                delta += self._recovery_bonus
                self.recoveries += 1
        else:
            delta += self._s_unresolved
        if delta and c.status == ACTIVE:   # _feel(c, delta), inlined
            ctx.change_satisfaction(c, delta * 2.0 * c.s_service)
        if self.tracing:
            ctx.trace(c, "service", f"{k.reason} contact ({k.ch.name}): waited {k.wait * MINUTES_PER_DAY:.0f} minutes, "
                      f"{'resolved' if resolved else 'not resolved'}")
        if not resolved:
            self._after_failure(k)

    # ------------------------------------------------------------------ unresolved problems
    def _uncount(self, cid: int) -> None:
        n = self.unresolved.get(cid, 0) - 1
        if n > 0:
            self.unresolved[cid] = n
        else:
            self.unresolved.pop(cid, None)

    def _after_failure(self, k: _Contact) -> None:
        """The contact ended without a resolution: count the problem, maybe schedule a repeat;
        without one the problem stays unresolved for good and the customer may defect."""
        c = k.c
        if not k.counted:
            self.unresolved[c.id] = self.unresolved.get(c.id, 0) + 1
            k.counted = True
            self.ctx.refresh_churn(c)   # the open problem raises the defection hazard now
        cfg = self.cfg
        if cfg.repeat_probability > 0 and k.attempt < cfg.max_attempts:
            u_rep, u_delay = uniform2((c.key + self._base) & M64, SERVICE_REPEAT_DRAWS + c.contacts)
            if u_rep < cfg.repeat_probability:
                delay = self._repeat_delay(u_delay)
                now = self.ctx.now
                if now + delay >= self.horizon:
                    return      # the problem is still open at the horizon
                nxt = k.ch.escalate if k.ch.escalate is not None else k.ch.idx
                self.repeats += 1
                self.ctx.at(now + delay, self._repeat, (c, k.reason, k.attempt + 1, nxt))
                return
        if self._p_defect > 0 and c.status == ACTIVE:
            u = uniform((c.key + self._base) & M64, SERVICE_DEFECTION_DRAWS + c.contacts)
            if u < self._p_defect:
                self.defections += 1
                self._churn(c, self.ctx.now, "service")

    def _repeat(self, arg) -> None:
        c, reason, attempt, channel = arg
        if c.status != ACTIVE:
            return
        self.open(c, self.ctx.now, reason, attempt, channel, counted=True)

    def churn_multiplier(self, ctx: Context, c: Customer) -> float:
        """Churn-intensity multiplier of a customer's unresolved problems (a hook)."""
        n = self.unresolved.get(c.id, 0)
        return self.cfg.unresolved_churn_multiplier ** n if n else 1.0
