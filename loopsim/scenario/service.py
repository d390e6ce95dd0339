"""Scenario sections for the service desk: channels, shifts, queueing behaviour."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    model_validator,
)

from ..dists import Distribution, Exponential
from .base import _check_nonneg, _Model


class Shift(_Model):
    """A shift of a service channel: ``agents`` on duty from ``start_hour`` to ``end_hour`` each day."""

    start_hour: float = Field(0.0, ge=0, le=24, description="Start of the shift (hour of day, 0-24).")
    end_hour: float = Field(24.0, ge=0, le=24, description="End of the shift (hour of day, 0-24; "
                            "an end before the start wraps past midnight).")
    agents: int = Field(1, ge=0, description="Agents on duty during the shift.")


class ServiceChannel(_Model):
    """One contact channel (e.g. self-service, chat, phone). A field left out (none) takes the value
    of the same field in ``[service]``, so channels are small diffs of the desk's defaults."""

    name: str = Field("desk", description="Channel name (used in the metrics, e.g. 'phone').")
    share: float = Field(1.0, ge=0, description="Routing weight: share of new contacts that start here "
                         "(weights are normalised over channels).")
    agents: int | None = Field(None, ge=0, description="Agents (SimPy resource capacity) while open; "
                               "0 = self-service (no queue, no agent).")
    handling_time: Distribution | None = Field(None, description="Days per contact.")
    patience: Distribution | Literal[False] | None = Field(
        None, description="Days a customer waits before giving up; false = waits forever.")
    balk_queue_length: int | None = Field(None, ge=0, description="Customers seeing this many waiting "
                                          "leave at once (none: inherit).")
    resolution_probability: float | None = Field(None, ge=0, le=1, description="First-contact "
                                                 "resolution probability.")
    cost_per_agent_day: float | None = Field(None, ge=0, description="Cost of one agent's working day "
                                             "(currency/agent/day, per shift worked).")
    cost_per_contact: float | None = Field(None, ge=0, description="Cost per handled contact (currency).")
    open_hour: float | None = Field(None, ge=0, le=24, description="Opening hour (hour of day, 0-24).")
    close_hour: float | None = Field(None, ge=0, le=24, description="Closing hour (hour of day, 0-24; "
                                     "a close before the open wraps past midnight).")
    shifts: tuple[Shift, ...] | None = Field(None, description="Agents on duty by time of day; "
                                             "overrides agents/open_hour/close_hour.")
    escalate_to: str | None = Field(None, description="Channel for a repeat contact after an unresolved "
                                    "one (none: the same channel).")

    @model_validator(mode="after")
    def _check(self):
        if self.handling_time is not None:
            _check_nonneg(self.handling_time, "handling_time")
        if self.patience not in (None, False):
            _check_nonneg(self.patience, "patience")
        return self


class Service(_Model):
    """The service desk: contacts queue FIFO (or by priority) for agents (SimPy resources).

    Without ``channels`` the desk is one channel described by the top-level fields; with
    ``[[service.channels]]`` each channel has its own agents, hours, handling time and costs, and
    the top-level fields are the defaults the channels inherit. See ``docs/service.md``."""

    contact_probability: float = Field(0.0, ge=0, le=1, description="Chance a purchase opens a "
                                       "product-problem contact.")
    complaint_probability: float = Field(0.0, ge=0, le=1, description="Chance a purchase whose experience "
                                         "is below complaint_below leads to a complaint contact.")
    complaint_below: float = Field(5.0, ge=0, le=10, description="Experience (0-10) below which a "
                                   "purchase may lead to a complaint.")
    agents: int = Field(1, ge=0, description="Agents (default channel; 0 = self-service, no queue).")
    handling_time: Distribution = Field(Exponential(mean=0.02), description="Days per contact.")
    patience: Distribution | None = Field(None, description="Days a caller waits before hanging up; "
                                          "none = waits forever.")
    balk_queue_length: int | None = Field(None, ge=0, description="Callers seeing this many waiting "
                                          "leave at once.")
    resolution_probability: float = Field(0.9, ge=0, le=1, description="First-contact resolution probability.")
    open_hour: float = Field(0.0, ge=0, le=24, description="Opening hour (hour of day, 0-24); contacts "
                             "arriving while closed queue until opening.")
    close_hour: float = Field(24.0, ge=0, le=24, description="Closing hour (hour of day, 0-24); agents "
                              "finish the contact in hand, then leave. A close before the open wraps "
                              "past midnight (open overnight, e.g. 20 to 8); equal hours: open all day.")
    channels: tuple[ServiceChannel, ...] = Field((), description="Contact channels (empty: one channel "
                                                 "from the top-level fields).")
    repeat_probability: float = Field(0.0, ge=0, le=1, description="Chance an unresolved (or abandoned) "
                                      "contact is followed by a repeat contact.")
    repeat_delay: Distribution = Field(Exponential(mean=1.0), description="Days until a repeat contact.")
    max_attempts: int = Field(3, ge=1, description="Contacts per problem at most (first + repeats).")
    satisfaction_resolved: float = Field(0.5, description="Satisfaction change when resolved (points on 0-10).")
    satisfaction_unresolved: float = Field(-2.0, description="Satisfaction change when not resolved (points).")
    satisfaction_per_wait_day: float = Field(-1.0, le=0, description="Satisfaction change per day waited.")
    satisfaction_abandoned: float = Field(-1.5, description="Satisfaction change on balking or hanging up (points).")
    service_recovery: bool = Field(False, description="Service-recovery effect: a problem resolved at the "
                                   "first contact adds recovery_bonus (McCollough & Bharadwaj 1992; "
                                   "de Matos et al. 2007 meta-analysis).")
    recovery_bonus: float = Field(0.5, ge=0, description="Extra satisfaction (points) of a recovered problem.")
    unresolved_churn_multiplier: float = Field(1.0, ge=1, description="Churn intensity multiplier per "
                                               "problem left unresolved (compounding).")
    cost_per_agent_day: float = Field(0.0, ge=0, description="Cost of one agent's day (currency/agent/day).")
    cost_per_contact: float = Field(0.0, ge=0, description="Cost per handled contact (currency).")
    warmup_days: float = Field(0.0, ge=0, description="Waits before this day are not in the metrics.")

    @model_validator(mode="after")
    def _check(self):
        _check_nonneg(self.handling_time, "handling_time")
        _check_nonneg(self.repeat_delay, "repeat_delay")
        if self.patience is not None:
            _check_nonneg(self.patience, "patience")
        names = [ch.name for ch in self.channels]
        if len(set(names)) != len(names):
            raise ValueError("service channel names must be unique")
        for ch in self.channels:
            if ch.escalate_to is not None and ch.escalate_to not in names:
                raise ValueError(f"channel {ch.name!r} escalates to unknown channel {ch.escalate_to!r}; "
                                 f"channels: {', '.join(names)}")
        if self.channels and sum(ch.share for ch in self.channels) <= 0:
            raise ValueError("at least one service channel needs share > 0")
        return self
