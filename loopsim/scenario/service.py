"""Scenario sections for the service desk: channels, shifts, queueing behaviour."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from ..dists import Distribution, Exponential
from .base import _check_nonneg, _Model

#: Hourly weights (hours 0-23) of the default daily contact profile, ``"contact_centre"``: nobody
#: gets in touch from 23:00 to 7:00 (customers sleep); contacts rise from 7:00 to a late-morning
#: peak, dip at lunch, peak again in the afternoon and fall through the evening. A stylised
#: version of the intraday arrival shape reported for inbound call centres by Gans, Koole &
#: Mandelbaum (2003, Manufacturing & Service Operations Management 5(2)) and Brown et al. (2005,
#: J. American Statistical Association 100(469)); not fitted to their data. 89% of contacts come
#: between 8:00 and 20:00.
CONTACT_CENTRE_HOURLY: tuple[float, ...] = (
    0, 0, 0, 0, 0, 0, 0, 2, 6, 9, 10, 10,      # 0:00-11:59
    8, 8, 9, 9, 8, 6, 5, 4, 4, 3, 2, 0,        # 12:00-23:59
)
ArrivalProfile = Literal["contact_centre", "round_the_clock"] | tuple[float, ...]


def hourly_weights(profile: ArrivalProfile) -> tuple[float, ...] | None:
    """The 24 hourly weights of an arrival profile; None for ``"round_the_clock"`` (a contact
    arrives the moment its cause happens)."""
    if profile == "round_the_clock":
        return None
    if profile == "contact_centre":
        return CONTACT_CENTRE_HOURLY
    return tuple(float(w) for w in profile)


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
    arrival_profile: ArrivalProfile = Field(
        "contact_centre", description="When contacts arrive by time of day: 24 hourly weights "
        "(hours 0-23; 0 = nobody gets in touch), 'contact_centre' (the default profile: none from "
        "23:00 to 7:00, peaks late morning and afternoon) or 'round_the_clock' (at the moment of "
        "the purchase, onboarding or repeat that causes the contact). A contact comes within 24 "
        "hours of its cause (docs/service.md).")
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
    defection_probability: float = Field(0.0, ge=0, le=1, description="Chance a customer whose "
                                         "problem is left unresolved for good (the last contact about "
                                         "it failed, no repeat follows) defects at once (churn reason "
                                         "'service'); 0 = off.")
    cost_per_agent_day: float = Field(0.0, ge=0, description="Cost of one agent's day (currency/agent/day).")
    cost_per_contact: float = Field(0.0, ge=0, description="Cost per handled contact (currency).")
    warmup_days: float = Field(0.0, ge=0, description="Waits before this day are not in the metrics.")

    @field_validator("arrival_profile", mode="before")
    @classmethod
    def _profile_name(cls, v):
        if isinstance(v, str) and v not in ("contact_centre", "round_the_clock"):
            raise ValueError(f"unknown arrival profile {v!r}; use 'contact_centre', 'round_the_clock' "
                             "or 24 hourly weights (hours 0-23)")
        return v

    @model_validator(mode="after")
    def _check(self):
        if isinstance(self.arrival_profile, tuple):
            w = self.arrival_profile
            if len(w) != 24 or min(w) < 0 or sum(w) <= 0:
                raise ValueError("arrival_profile must be 'contact_centre', 'round_the_clock' or 24 "
                                 f"hourly weights >= 0 (hours 0-23) with a positive sum (got {len(w)} "
                                 f"weights, sum {sum(w):g})")
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
