"""The service desk: contacts queue for a limited number of agents (a SimPy resource).

A contact arrives, balks if the queue is at ``balk_queue_length``, otherwise requests an agent
(priority from policies' ``service_priority`` hook; lower is served first). With a ``patience``
distribution it hangs up (reneges) if not served in time. Service takes ``handling_time``; the
problem is resolved with ``resolution_probability``. Waiting and the outcome move satisfaction,
scaled by the customer's service sensitivity (x ``2 * s_service``, so the mean customer of a
Beta(2, 2) sensitivity feels the configured amounts).

Configured as M/M/c (Poisson contacts, exponential handling, no balking or patience) the mean wait
in queue matches Erlang C; see ``tests/validation/test_erlang_c.py``.
"""

from __future__ import annotations

import simpy

from ..dists import scalar_ppf
from ..rng import M64, uniform2
from .customer import ACTIVE, Customer

SERVED, ABANDONED, BALKED = 0, 1, 2


class _Contact:
    __slots__ = ("desk", "c", "t", "req", "u_handle", "u_resolve", "priority", "reason", "done",
                 "wait", "handling")

    def granted(self, _ev) -> None:
        self.desk._granted(self)

    def renege(self, _ev) -> None:
        self.desk._renege(self)

    def finished(self, _ev) -> None:
        self.desk._finished(self)


class ServiceDesk:
    """Agents as a :class:`simpy.PriorityResource`; contacts handled with callbacks, not processes."""

    def __init__(self, world):
        from .world import B_SERVICE

        self.world = world
        self.env: simpy.Environment = world.env
        cfg = self.cfg = world.scenario.service
        self.res = simpy.PriorityResource(self.env, capacity=cfg.agents)
        self._handle = scalar_ppf(cfg.handling_time)
        self._patience = scalar_ppf(cfg.patience) if cfg.patience is not None else None
        self._base = B_SERVICE
        self.busy_time = 0.0

    def open(self, c: Customer, t: float, reason: str) -> None:
        """A contact from customer ``c`` arrives now."""
        w = self.world
        cfg = self.cfg
        n = c.contacts
        c.contacts = n + 1
        key = (c.key + self._base) & M64
        u_handle, u_resolve = uniform2(key, 2 * n)
        u_patience = uniform2(key, 2 * n + 1)[0]
        prio = 0
        for h in w._h_priority:
            prio = min(prio, int(h(w, c)))
        if cfg.balk_queue_length is not None and len(self.res.queue) >= cfg.balk_queue_length:
            w.contacts.add(c.id, t, 0.0, 0.0, BALKED, False, prio, reason)
            self._feel(c, cfg.satisfaction_abandoned)
            w.trace(c, "service", f"{reason} contact: queue too long, gave up at once")
            return
        k = _Contact()
        k.desk, k.c, k.t, k.u_handle, k.u_resolve = self, c, t, u_handle, u_resolve
        k.priority, k.reason, k.done = prio, reason, False
        k.req = self.res.request(priority=prio)
        k.req.callbacks.append(k.granted)
        if self._patience is not None:
            timer = self.env.timeout(self._patience(u_patience))
            timer.callbacks.append(k.renege)

    def _feel(self, c: Customer, delta: float) -> None:
        if c.status == ACTIVE and delta:
            self.world.change_satisfaction(c, delta * 2.0 * c.s_service)

    def _renege(self, k: _Contact) -> None:
        if k.req.triggered or k.done:
            return
        k.req.cancel()
        k.done = True
        now = self.env.now
        w = self.world
        w.contacts.add(k.c.id, k.t, now - k.t, 0.0, ABANDONED, False, k.priority, k.reason)
        self._feel(k.c, self.cfg.satisfaction_abandoned + self.cfg.satisfaction_per_wait_day * (now - k.t))
        w.trace(k.c, "service", f"{k.reason} contact: hung up after waiting {now - k.t:.2f} days")

    def _granted(self, k: _Contact) -> None:
        k.done = True
        now = self.env.now
        k.wait = now - k.t
        k.handling = self._handle(k.u_handle)
        self.busy_time += max(0.0, min(k.handling, self.world.horizon - now))
        timer = self.env.timeout(k.handling)
        timer.callbacks.append(k.finished)

    def _finished(self, k: _Contact) -> None:
        self.res.release(k.req)
        w = self.world
        cfg = self.cfg
        p = cfg.resolution_probability
        resolved = k.u_resolve < p
        w.contacts.add(k.c.id, k.t, k.wait, k.handling, SERVED, resolved, k.priority, k.reason)
        if cfg.cost_per_contact:
            w.post("service_cost", cfg.cost_per_contact, k.c)
        self._feel(k.c, cfg.satisfaction_per_wait_day * k.wait
                   + (cfg.satisfaction_resolved if resolved else cfg.satisfaction_unresolved))
        w.trace(k.c, "service", f"{k.reason} contact: waited {k.wait:.2f} days, "
                f"{'resolved' if resolved else 'not resolved'}")
