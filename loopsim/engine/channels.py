"""Service channels: their configuration, agents on duty by time of day, and the contact log.

Used by :class:`loopsim.engine.service.ServiceDesk`; see ``docs/service.md``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..dists import scalar_ppf
from ..records import ContactLog


class ChannelContactLog(ContactLog):
    """:class:`~loopsim.records.ContactLog` plus the channel, the attempt number (1 = first contact
    about a problem) and the patience drawn (days; inf = would wait forever) of every contact."""

    EXTRA = (("channel", "b"), ("attempt", "q"), ("patience", "d"))

    def __init__(self, channels: list[str]):
        super().__init__()
        self.channel_names = list(channels)

    def add(self, cid, arrived, wait, handling, outcome, resolved, priority, reason,
            channel: int = 0, attempt: int = 1, patience: float = math.inf) -> None:
        rows = self.rows
        rows.append((cid, arrived, wait, handling, outcome, 1 if resolved else 0, priority, reason,
                     channel, attempt, patience))
        if len(rows) >= self.CHUNK:
            self.flush()

    def frame(self) -> pd.DataFrame:
        df = super().frame()
        codes = np.asarray(self.channel, dtype=np.int8)
        df["channel"] = (pd.Categorical.from_codes(codes, self.channel_names) if len(codes)
                         else pd.Categorical([], categories=self.channel_names))
        df["attempt"] = np.asarray(self.attempt, dtype=np.int64)
        df["patience"] = np.asarray(self.patience, dtype=float)
        return df


def duty_profile(shifts) -> list[tuple[float, int]]:
    """Agents on duty by time of day as steps ``[(start_fraction_of_day, agents), ...]`` from
    ``(start_hour, end_hour, agents)`` shifts; an end at or before the start wraps past midnight."""
    cuts = {0.0, 24.0}
    for s, e, _ in shifts:
        cuts.update((s % 24.0, e % 24.0))
    cuts = sorted(cuts)
    steps = []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        mid = 0.5 * (lo + hi)
        n = 0
        for s, e, a in shifts:
            if (s < e and s <= mid < e) or (s >= e and (mid >= s or mid < e)):
                n += a
        if not steps or steps[-1][1] != n:
            steps.append((lo / 24.0, n))
    return steps


class Channel:
    """A channel's resolved configuration (times in days, money in currency) and its state."""

    def __init__(self, idx, name, share, agents, handling, patience, balk, p_resolve, cost_agent_day,
                 cost_contact, shifts, escalate):
        self.idx = idx
        self.name = name
        self.share = share
        self.handle = scalar_ppf(handling)
        self.patience = scalar_ppf(patience) if patience not in (None, False) else None
        self.balk = balk
        self.p_resolve = p_resolve
        self.cost_contact = cost_contact
        self.escalate = escalate
        self.busy_time = 0.0
        self.self_service = agents == 0 and shifts is None
        self.steps = duty_profile(shifts) if shifts is not None else \
            ([(0.0, agents)] if agents else [(0.0, 0)])
        self.capacity = max(n for _, n in self.steps)
        if self.capacity == 0:
            self.self_service = True
        # paid agent-days per day: each agent of a shift costs one agent-day
        paid = sum(a for _, _, a in shifts) if shifts is not None else agents
        self.cost_per_day = cost_agent_day * paid
        self.on_duty = self.capacity   # agents on duty now
        self.free = self.capacity      # on duty and idle
        self.leaving = 0               # busy agents who go off duty when their contact ends
        self.queue: list = []          # heap of (priority, seq, contact); reneged ones skipped
        self.waiting = 0               # contacts in the queue still waiting

    def on_duty_days(self, horizon: float) -> float:
        """Agent-days on duty over [0, horizon]."""
        full, frac = divmod(horizon, 1.0)
        per_day = self._integral(1.0)
        return full * per_day + self._integral(frac)

    def _integral(self, x: float) -> float:
        tot = 0.0
        bounds = [s for s, _ in self.steps[1:]] + [1.0]
        for (s, n), e in zip(self.steps, bounds, strict=True):
            lo, hi = s, min(e, x)
            if hi > lo:
                tot += n * (hi - lo)
        return tot


def build_channels(cfg) -> list[Channel]:
    """The channels of a ``[service]`` section (one "desk" channel without ``channels``)."""

    def pick(v, default):
        return default if v is None else v

    def hours(ch_open, ch_close, agents):
        o, c = ch_open % 24.0, ch_close % 24.0
        if (ch_open, ch_close) in ((0.0, 24.0), (0.0, 0.0), (24.0, 24.0)) or o == c:
            return None
        return ((ch_open, ch_close, agents),)

    raw = cfg.channels
    if not raw:
        shifts = hours(cfg.open_hour, cfg.close_hour, cfg.agents)
        return [Channel(0, "desk", 1.0, cfg.agents, cfg.handling_time, cfg.patience,
                        cfg.balk_queue_length, cfg.resolution_probability, cfg.cost_per_agent_day,
                        cfg.cost_per_contact, shifts, None)]
    names = [ch.name for ch in raw]
    out = []
    for i, ch in enumerate(raw):
        agents = pick(ch.agents, cfg.agents)
        if ch.shifts is not None:
            shifts = tuple((s.start_hour, s.end_hour, s.agents) for s in ch.shifts)
        else:
            shifts = hours(pick(ch.open_hour, cfg.open_hour), pick(ch.close_hour, cfg.close_hour), agents)
        out.append(Channel(
            i, ch.name, ch.share, agents, pick(ch.handling_time, cfg.handling_time),
            cfg.patience if ch.patience is None else ch.patience,
            pick(ch.balk_queue_length, cfg.balk_queue_length),
            pick(ch.resolution_probability, cfg.resolution_probability),
            pick(ch.cost_per_agent_day, cfg.cost_per_agent_day), pick(ch.cost_per_contact, cfg.cost_per_contact),
            shifts, names.index(ch.escalate_to) if ch.escalate_to is not None else None))
    return out
