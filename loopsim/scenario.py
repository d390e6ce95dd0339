"""Scenario files: a frozen, validated description of one business and its loyalty-loop design.

A scenario is a TOML file (see ``docs/scenarios.md`` and ``scenarios/``). It is loaded into a
:class:`Scenario`, a frozen pydantic model; nothing in a scenario file is ever imported or executed.

* ``extends = "base.toml"`` loads the base first and deep-merges this file over it (tables merge
  key by key; arrays, including ``[[policies]]``, replace the base's array), so a design to compare
  is a small diff of a base.
* :meth:`Scenario.with_overrides` (and ``--set PATH=VALUE`` on the command line) change fields by
  dotted path and re-validate. Policies are addressed by index or by type:
  ``policies.0.stamps_required`` or ``policies.punch_card.stamps_required``; ``rewards.``,
  ``service.`` and ``personalisation.`` followed by a policy type are accepted as aliases.
* :attr:`Scenario.hash` is a stable provenance hash of the fully resolved scenario.

This module also holds the :class:`Policy` protocol and the policy registry (policies are
registered by the ``type`` name used in scenario files); concrete policies live in
:mod:`loopsim.policies`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .dists import DISTRIBUTIONS, Beta, Distribution, Exponential, Fixed, Normal, Uniform, _Dist
from .errors import ScenarioError

SCHEMA_VERSION = 1
#: Upper bounds no realistic study needs; larger values would exhaust memory (docs/engine.md: one
#: million customers take about 1.4 GB and 3 minutes per run).
MAX_HORIZON_DAYS = 365_000           # 1,000 years (theory checks with long-lived cohorts)
MAX_INITIAL_CUSTOMERS = 10_000_000   # about 14 GB of memory
MAX_ARRIVALS_PER_DAY = 1_000_000     # newly aware prospects a day, from marketing or organic
MAX_PER_PROMOTER_PER_DAY = 1_000     # word of mouth or referrals a day, per promoter
STAGES: tuple[str, ...] = ("awareness", "interest", "consideration", "intent", "evaluation", "purchase")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- distribution checks

def _check_nonneg(d: _Dist, what: str) -> _Dist:
    lo = _support_low(d)
    if lo < 0:
        raise ValueError(f"{what} must be >= 0; use fixed (value >= 0), gamma, exponential, "
                         "lognormal, erlang, beta, or uniform/normal with low >= 0")
    return d


def _check_prob(d: _Dist, what: str) -> _Dist:
    if isinstance(d, Beta):
        return d
    lo, hi = _support_low(d), _support_high(d)
    if lo < 0 or hi > 1:
        raise ValueError(f"{what} must lie in [0, 1]; use fixed (0 <= value <= 1), beta, "
                         "or uniform/normal bounded within [0, 1]")
    return d


def _support_low(d: _Dist) -> float:
    if isinstance(d, Fixed):
        return d.value
    if isinstance(d, Uniform | Normal):
        return d.low
    return 0.0


def _support_high(d: _Dist) -> float:
    if isinstance(d, Fixed):
        return d.value
    if isinstance(d, Uniform | Normal):
        return d.high
    if isinstance(d, Beta):
        return 1.0
    return math.inf


# --------------------------------------------------------------------------- sections

class Time(_Model):
    """Horizon and money-of-time settings."""

    horizon_days: float = Field(365.0, gt=0, le=MAX_HORIZON_DAYS, description="Simulated period "
                                "(days; at most 365,000 = 1,000 years).")
    discount_rate_annual: float = Field(0.10, ge=0, le=1,
                                        description="Annual discount rate for discounted metrics.")
    record_transactions: bool = Field(True, description="Keep the transaction table.")


class Competitor(_Model):
    """A competitor that poaches customers (an extra churn hazard, reason 'competitor')."""

    hazard_per_day: float = Field(0.0, ge=0, description="Poaching hazard (1/day) for a customer "
                                  "with price sensitivity 1; scales linearly with sensitivity.")
    switch_share: float = Field(0.0, ge=0, le=1, description="Share of other churners recorded "
                                "as switching to the competitor rather than lapsing.")


class Market(_Model):
    """Acquisition: marketing, organic and word-of-mouth arrivals, an optional initial cohort."""

    currency: str = "EUR"
    marketing_budget_per_day: float = Field(0.0, ge=0, description="Spend on marketing (currency/day).")
    cost_per_aware: float = Field(1.0, gt=0, description="Marketing cost of one aware prospect (currency).")
    organic_arrivals_per_day: float = Field(0.0, ge=0, le=MAX_ARRIVALS_PER_DAY, description="Prospects/day "
                                            "aware without spend (at most 1,000,000).")
    word_of_mouth_per_promoter_per_day: float = Field(
        0.0, ge=0, le=MAX_PER_PROMOTER_PER_DAY, description="Aware prospects/day created by each current "
        "promoter (unattributed; at most 1,000).")
    market_size: int | None = Field(None, ge=1, description="Cap on the number of prospects ever aware.")
    initial_customers: int = Field(0, ge=0, le=MAX_INITIAL_CUSTOMERS, description="Cohort of customers "
                                   "present at day 0 (at most 10,000,000: 1M customers take about "
                                   "1.4 GB of memory).")
    initial_first_purchase: bool = Field(
        True, description="true: the cohort makes its first purchase at day 0 (plus spread); "
        "false: they are existing customers whose next purchase comes after an inter-purchase time.")
    initial_spread_days: float = Field(0.0, ge=0, description="First purchases spread uniformly over "
                                       "[0, spread] days.")
    competitor: Competitor = Competitor()

    @model_validator(mode="after")
    def _check(self):
        if self.marketing_budget_per_day / self.cost_per_aware > MAX_ARRIVALS_PER_DAY:
            raise ValueError(f"marketing_budget_per_day / cost_per_aware (prospects made aware a day) must "
                             f"be at most {MAX_ARRIVALS_PER_DAY:,} (it is "
                             f"{self.marketing_budget_per_day / self.cost_per_aware:.6g})")
        return self


class Spend(_Model):
    """Spend per purchase (currency). ``gamma_gamma``: each customer has a rate nu ~ Gamma(q, gamma)
    and each purchase is Gamma(p, nu) (Fader, Hardie & Lee 2005); ``distribution``: each customer's
    mean spend is drawn from ``customer_mean`` and each purchase is that mean times ``noise``."""

    model: Literal["gamma_gamma", "distribution"] = "distribution"
    p: float | None = Field(None, gt=0)
    q: float | None = Field(None, gt=0)
    gamma: float | None = Field(None, gt=0)
    customer_mean: Distribution = Fixed(value=50.0)
    noise: Distribution = Fixed(value=1.0)

    @model_validator(mode="after")
    def _check(self):
        if self.model == "gamma_gamma":
            missing = [k for k in ("p", "q", "gamma") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"gamma_gamma spend needs p, q and gamma (missing: {', '.join(missing)})")
            if self.q <= 1:
                raise ValueError("gamma_gamma q must be > 1 for the mean spend to exist")
        return self

    @field_validator("customer_mean", "noise")
    @classmethod
    def _nonneg(cls, v, info):
        return _check_nonneg(v, info.field_name)

    @property
    def mean(self) -> float:
        """Population mean spend per purchase (currency)."""
        if self.model == "gamma_gamma":
            return self.p * self.gamma / (self.q - 1)
        return self.customer_mean.mean * self.noise.mean


class Sensitivities(_Model):
    """How strongly a customer responds (0 = not at all, 1 = fully) to each lever; policies scale
    their behavioural effects by these."""

    reward: Distribution = Beta(a=2, b=2)
    price: Distribution = Beta(a=2, b=2)
    service: Distribution = Beta(a=2, b=2)
    personalisation: Distribution = Beta(a=2, b=2)

    @field_validator("reward", "price", "service", "personalisation")
    @classmethod
    def _prob(cls, v, info):
        return _check_prob(v, info.field_name)


class Segment(_Model):
    """A customer segment; a population is a mixture of segments with shares."""

    name: str = "all"
    share: float = Field(1.0, gt=0, le=1)
    purchase_rate: Distribution = Field(Fixed(value=1.0), description="Purchases per time unit.")
    purchase_timing: Literal["poisson", "periodic"] = "poisson"
    dropout: Distribution = Field(Fixed(value=0.0), description="Probability of dropping out after a purchase.")
    churn_hazard: Distribution = Field(Fixed(value=0.0), description="Lifetime hazard per time unit.")
    spend: Spend = Spend()
    sensitivity: Sensitivities = Sensitivities()
    initial_satisfaction: Distribution = Field(Fixed(value=7.5), description="0-10 scale.")

    @field_validator("purchase_rate", "churn_hazard", "initial_satisfaction")
    @classmethod
    def _nonneg(cls, v, info):
        return _check_nonneg(v, info.field_name)

    @field_validator("dropout")
    @classmethod
    def _prob(cls, v, info):
        return _check_prob(v, info.field_name)


class Population(_Model):
    """Heterogeneous customers (see ``docs/model.md``)."""

    time_unit_days: float = Field(1.0, gt=0, description="Unit of purchase_rate and churn_hazard (days).")
    dropout_timing: Literal["after_repeat", "after_every"] = Field(
        "after_repeat", description="after_repeat: BG/NBD, dropout possible after each repeat purchase; "
        "after_every: also right after the first purchase (discrete-time contractual).")
    segments: tuple[Segment, ...] = (Segment(),)

    @field_validator("segments")
    @classmethod
    def _shares(cls, v):
        if not v:
            raise ValueError("at least one segment is required")
        total = sum(s.share for s in v)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares must sum to 1 (they sum to {total:g})")
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError("segment names must be unique")
        return v


class Stage(_Model):
    """One funnel stage: time spent in it, then the probability of moving on."""

    conversion: float = Field(0.5, ge=0, le=1, description="Probability of moving to the next stage.")
    dwell: Distribution = Field(Exponential(mean=1.0), description="Days spent in the stage.")

    @field_validator("dwell")
    @classmethod
    def _nonneg(cls, v, info):
        return _check_nonneg(v, info.field_name)


class Funnel(_Model):
    """The six pre-purchase stages; a prospect who fails a conversion is lost."""

    awareness: Stage = Stage(conversion=0.5, dwell=Exponential(mean=2.0))
    interest: Stage = Stage(conversion=0.5, dwell=Exponential(mean=2.0))
    consideration: Stage = Stage(conversion=0.6, dwell=Exponential(mean=3.0))
    intent: Stage = Stage(conversion=0.7, dwell=Exponential(mean=2.0))
    evaluation: Stage = Stage(conversion=0.8, dwell=Exponential(mean=1.0))
    purchase: Stage = Stage(conversion=0.9, dwell=Exponential(mean=0.5))
    referral_entry_stage: Literal["awareness", "interest", "consideration", "intent", "evaluation",
                                  "purchase"] = Field("consideration",
                                                      description="Where referred prospects enter.")

    def stage(self, name: str) -> Stage:
        return getattr(self, name)


class Onboarding(_Model):
    """Onboarding after the first purchase: success or failure moves satisfaction."""

    enabled: bool = False
    duration_days: float = Field(7.0, ge=0)
    success_probability: float = Field(0.9, ge=0, le=1)
    satisfaction_on_success: float = Field(0.5, description="Satisfaction change (points on 0-10).")
    satisfaction_on_failure: float = Field(-2.0, description="Satisfaction change (points on 0-10).")
    contact_probability: float = Field(0.0, ge=0, le=1, description="Chance of an onboarding "
                                       "question to the service desk.")


class Satisfaction(_Model):
    """Satisfaction (0-10, read as the NPS 'likelihood to recommend') and how it drives churn."""

    experience: Distribution = Field(Normal(mean=8.0, sd=1.5, low=0, high=10),
                                     description="Quality of each purchase experience (0-10).")
    learning_rate: float = Field(0.3, gt=0, le=1, description="Weight of a new experience.")
    churn_effect: float = Field(0.0, ge=0, description="Churn intensity multiplier per point below "
                                "reference: exp(churn_effect * (reference - satisfaction)).")
    reference: float = Field(7.0, ge=0, le=10)
    promoter_threshold: float = Field(9.0, ge=0, le=10)
    detractor_threshold: float = Field(7.0, ge=0, le=10)

    @model_validator(mode="after")
    def _check(self):
        if self.detractor_threshold > self.promoter_threshold:
            raise ValueError("detractor_threshold must be <= promoter_threshold")
        return self


class Advocacy(_Model):
    """Referrals by promoters (attributed to a referrer, so referral policies can reward them)."""

    referrals_per_promoter_per_day: float = Field(0.0, ge=0, le=MAX_PER_PROMOTER_PER_DAY,
                                                  description="Referrals/day by each promoter (at most 1,000).")


class Winback(_Model):
    """A win-back attempt some days after churn."""

    enabled: bool = False
    delay_days: float = Field(30.0, ge=0)
    success_probability: float = Field(0.1, ge=0, le=1)
    cost_per_attempt: float = Field(5.0, ge=0)


class Journey(_Model):
    """The post-purchase loop."""

    onboarding: Onboarding = Onboarding()
    satisfaction: Satisfaction = Satisfaction()
    advocacy: Advocacy = Advocacy()
    winback: Winback = Winback()


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


class Economics(_Model):
    """Money that is not tied to a policy."""

    gross_margin_rate: float = Field(0.3, ge=0, le=1, description="Margin share of list-price revenue.")
    fixed_cost_per_day: float = Field(0.0, ge=0, description="Overheads (currency/day).")


# --------------------------------------------------------------------------- policies

@runtime_checkable
class Policy(Protocol):
    """What a policy is: a small class with a ``Params`` model and any of the engine's hooks.

    The engine calls only the hooks a policy defines (see ``docs/policies.md`` for the full list and
    their order); all hooks are optional. The ones every policy may use:

    * ``setup(ctx)``: once, before the run; ``ctx`` is the engine's :class:`~loopsim.engine.Context`.
    * ``on_acquire(ctx, customer)``: a prospect made its first purchase.
    * ``on_purchase(ctx, customer, purchase)``: adjust a purchase (discounts, reward cost, points).
    * ``purchase_rate_multiplier(ctx, customer) -> float``, ``churn_multiplier(ctx, customer) -> float``,
      ``spend_multiplier(ctx, customer) -> float``, ``conversion_multiplier(ctx, stage) -> float``.
    * ``on_churn(ctx, customer)``, ``on_day(ctx, day)``, ``summary(ctx) -> dict[str, float]``.
    """

    type_name: ClassVar[str]
    kind: ClassVar[str]
    Params: ClassVar[type[BaseModel]]

    def __init__(self, params: BaseModel) -> None: ...


class PolicyParams(_Model):
    """Base class of every policy's parameters (gives ``type``)."""

    type: str


POLICY_REGISTRY: dict[str, type] = {}


def register_policy(cls: type) -> type:
    """Class decorator: make a policy available to scenario files under ``cls.type_name``."""
    name = cls.type_name
    if name in POLICY_REGISTRY and POLICY_REGISTRY[name] is not cls:
        raise ValueError(f"policy type {name!r} registered twice")
    POLICY_REGISTRY[name] = cls
    return cls


def policy_types() -> dict[str, type]:
    """Every registered policy type (importing the built-in policies first)."""
    from . import policies  # noqa: F401  (registers the built-ins)

    return dict(sorted(POLICY_REGISTRY.items()))


def _validate_policy(raw: Any, index: int) -> PolicyParams:
    if isinstance(raw, PolicyParams):
        return raw
    if not isinstance(raw, Mapping):
        raise ValueError(f"policies.{index}: must be a table with a 'type' key")
    registry = policy_types()
    t = raw.get("type")
    if t is None:
        raise ValueError(f"policies.{index}.type: missing; allowed: {', '.join(registry)}")
    if not isinstance(t, str) or t not in registry:
        hint = difflib.get_close_matches(str(t), registry, n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ValueError(f"policies.{index}.type: unknown policy type {t!r}{extra}; allowed: {', '.join(registry)}")
    try:
        return registry[t].Params.model_validate(dict(raw))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        parts, _ = _walk(err["loc"], raw, registry[t].Params)
        loc = ".".join(parts)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            table = _walk(err["loc"][:-1], raw, registry[t].Params)[1]
            allowed = _keys(table) if table is not None else []
            what = ".".join([t, *parts[:-1]])
            msg = f"unknown parameter of {what}" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif "input" in err and not isinstance(err["input"], dict | list) and err["type"] != "missing":
            msg = f"{msg} (got {err['input']!r})"
        raise ValueError(f"policies.{index}.{loc}: {msg}") from None


# --------------------------------------------------------------------------- schema walking
# The scenario models describe the raw (TOML) data; these helpers follow a path through both, so
# error messages can list a table's keys, --set can create a missing array from its default, and
# numbers can be checked before pydantic's lax coercion (true -> 1, "3" -> 3) hides them.

_POLICY = object()   # the item type of ``policies``: a policy's Params, chosen by its ``type``


def _members(ann: Any) -> list[Any]:
    """The alternatives of an annotation (Annotated, Optional and unions unwrapped)."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _members(typing.get_args(ann)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(ann) for m in _members(a)]
    return [ann]


def _model_for(ann: Any, node: Any) -> type[BaseModel] | None:
    """The model that validates the table ``node`` given as ``ann`` (a distribution by its
    ``dist``, a policy by its ``type``), or None."""
    if ann is _POLICY:
        t = node.get("type") if isinstance(node, Mapping) else None
        return getattr(policy_types().get(t), "Params", None) if isinstance(t, str) else None
    models = [m for m in _members(ann) if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) > 1 and all(issubclass(m, _Dist) for m in models):
        d = node.get("dist") if isinstance(node, Mapping) else None
        return next((m for m in models if m.model_fields["dist"].default == d), None)
    return models[0] if models else None


def _item_type(ann: Any) -> Any:
    """The item type of an array annotation (``tuple[X, ...]``, ``list[X]``), else None."""
    for m in _members(ann):
        origin, args = typing.get_origin(m), typing.get_args(m)
        if origin in (tuple, list) and args:
            return args[0]
    return None


def _field_type(model: type[BaseModel], key: Any) -> Any:
    """The annotation of ``model``'s field named (or aliased) ``key``, or None."""
    if model is Scenario and key == "policies":
        return tuple[_POLICY, ...]
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or k for k, f in model.model_fields.items()]


def _walk(loc, data: Any, model: type[BaseModel]) -> tuple[list[str], type[BaseModel] | None]:
    """Follow ``loc`` (a pydantic error location or a dotted path's parts) from ``model`` and the
    raw ``data``: the path without pydantic's union tags, and the model of the table it ends at."""
    ann: Any = model
    node: Any = data
    parts: list[str] = []
    for part in loc:
        part = str(part)
        if part.startswith(("function-", "tagged-union")):
            continue
        table = _model_for(ann, node)
        if table is not None and issubclass(table, _Dist) and part in DISTRIBUTIONS:
            continue   # the union tag of a distribution
        parts.append(part)
        if table is not None:
            ann = _field_type(table, part)
            node = node.get(part) if isinstance(node, Mapping) else None
        else:
            ann = _item_type(ann)
            i = int(part) if part.isdigit() else -1
            node = node[i] if isinstance(node, list | tuple) and 0 <= i < len(node) else None
    return parts, _model_for(ann, node)


def _field_error(path: str, msg: str) -> PydanticCustomError:
    return PydanticCustomError("loopsim_field", "{field}: {msg}", {"field": path, "msg": msg})


def _check_numbers(model: type[BaseModel], node: Mapping, path: str = "") -> None:
    """Refuse, in raw scenario data, NaN and infinities (except where a model's ``infinite_ok``
    allows one) anywhere, and booleans or strings where a field wants a number."""
    for key, value in node.items():
        _check_value(_field_type(model, key), value, f"{path}{key}", getattr(model, "infinite_ok", {}).get(key))


def _check_value(ann: Any, value: Any, path: str, inf_ok: float | None = None) -> None:
    if isinstance(value, Mapping):
        table = _model_for(ann, value)
        if table is not None:
            _check_numbers(table, value, path + ".")
        else:   # a mapping field (dict[str, X]) or an unknown table (pydantic names it)
            vt = next((typing.get_args(m)[1] for m in _members(ann)
                       if typing.get_origin(m) is dict and len(typing.get_args(m)) == 2), None)
            for k, v in value.items():
                _check_value(vt, v, f"{path}.{k}")
        return
    if isinstance(value, list | tuple):
        item = _item_type(ann)
        for i, v in enumerate(value):
            _check_value(item, v, f"{path}.{i}")
        return
    members = _members(ann) if ann is not None else []
    literals = [a for m in members if typing.get_origin(m) is typing.Literal for a in typing.get_args(m)]
    if any(m in (int, float) for m in members):
        if isinstance(value, bool) and bool not in members and not any(isinstance(a, bool) for a in literals):
            raise _field_error(path, f"must be a valid number, not a boolean (got {str(value).lower()})")
        if isinstance(value, str) and str not in members and value not in literals:
            raise _field_error(path, f"must be a valid number, not a string (got {value!r})")
    if isinstance(value, float) and not math.isfinite(value) and value != inf_ok:
        also = "" if inf_ok is None else f" or {inf_ok!r}"
        raise _field_error(path, f"must be a finite number{also} (got {value!r})")


# --------------------------------------------------------------------------- the scenario

class Scenario(_Model):
    """A complete, validated scenario. Build with :func:`load_scenario` or ``Scenario.model_validate``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = "unnamed"
    description: str = ""
    time: Time = Time()
    market: Market = Market()
    population: Population = Population()
    funnel: Funnel = Funnel()
    journey: Journey = Journey()
    service: Service = Service()
    economics: Economics = Economics()
    policies: tuple[Any, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _numbers(cls, data):
        if isinstance(data, Mapping):
            _check_numbers(cls, data)
        return data

    @field_validator("policies", mode="before")
    @classmethod
    def _policies(cls, v):
        if v is None:
            return ()
        if isinstance(v, Mapping):
            raise ValueError("must be an array of tables ([[policies]])")
        out = tuple(_validate_policy(p, i) for i, p in enumerate(v))
        seen: dict[str, int] = {}
        for i, p in enumerate(out):
            if p.type in seen:
                raise ValueError(f"duplicate policy type {p.type!r} (policies.{seen[p.type]} and "
                                 f"policies.{i}); at most one policy of each type is allowed "
                                 "(their metrics would collide)")
            seen[p.type] = i
        return out

    # -- convenience --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable dict (aliases used, so it round-trips through validation)."""
        return self.model_dump(mode="json", by_alias=True)

    @property
    def hash(self) -> str:
        """Stable provenance hash (16 hex digits) of the fully resolved scenario."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "--set") -> Scenario:
        """A validated copy with fields changed by dotted path, e.g. ``{"market.cost_per_aware": 3}``;
        ``source`` names where the overrides came from in error messages."""
        data = self.to_dict()
        for path, value in overrides.items():
            _set_path(data, path, value)
        return validate_scenario(data, source=source)

    def policy(self, type_name: str) -> PolicyParams | None:
        """The first policy of the given type, or None."""
        return next((p for p in self.policies if p.type == type_name), None)


# --------------------------------------------------------------------------- loading

def _deep_merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_toml(path: Path, shown: str | None = None) -> dict:
    shown = shown or str(path)
    if not path.exists():
        raise ScenarioError("file not found", source=shown)
    if path.is_dir():
        raise ScenarioError("is a directory, not a scenario file", source=shown)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"malformed TOML: {exc}", source=shown) from None
    except UnicodeDecodeError:
        raise ScenarioError("not a UTF-8 text file", source=shown) from None


def load_raw(path: str | Path, _stack: tuple[Path, ...] = ()) -> dict:
    """Read a scenario file and resolve ``extends`` (without validating)."""
    return _load(Path(path), str(path), _stack)[0]


Origins = dict[tuple[str, ...], tuple[str, ...]]


def _load(path: Path, shown: str, _stack: tuple[Path, ...] = ()) -> tuple[dict, Origins]:
    """:func:`load_raw`, and where each value came from: ``{key path: (file, the file extending
    it, ...)}`` for every value that is not a table (files as shown in messages)."""
    path = path.resolve()
    if path in _stack:
        chain = " -> ".join(p.name for p in (*_stack, path))
        raise ScenarioError(f"extends cycle: {chain}", source=str(_stack[-1]), field="extends")
    data = _read_toml(path, shown)
    if not data:
        # every field has a default, so an empty file would silently run the default model;
        # an empty file is far more often a mistake (a failed copy, the wrong path)
        raise ScenarioError("the file is empty; a scenario names at least its `name`, e.g. "
                            "name = \"my design\" (see scenarios/baseline.toml)", source=shown)
    parent = data.pop("extends", None)
    own: Origins = {k: (shown,) for k in _leaves(data)}
    if parent is None:
        return data, own
    if not isinstance(parent, str):
        raise ScenarioError(f"must be a file name (string), e.g. extends = \"base.toml\" (got {parent!r})",
                            source=shown, field="extends")
    if not parent.strip():
        raise ScenarioError("is empty; name the scenario file this one extends, e.g. extends = \"base.toml\"",
                            source=shown, field="extends")
    ppath = (path.parent / parent)
    if not ppath.exists():
        raise ScenarioError(f"extends {parent!r}: file not found ({ppath})", source=shown, field="extends")
    if ppath.is_dir():
        raise ScenarioError(f"{parent!r} is a directory ({ppath}), not a scenario file",
                            source=shown, field="extends")
    base, inherited = _load(ppath, os.path.normpath(os.path.join(os.path.dirname(shown), parent)),
                            (*_stack, path))
    origins = {k: (*v, shown) for k, v in inherited.items()
               if not any(_overlaps(k, mine) for mine in own)}
    origins.update(own)
    return _deep_merge(base, data), origins


def _leaves(data: Mapping, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for k, v in data.items():
        out += _leaves(v, (*prefix, k)) if isinstance(v, dict) else [(*prefix, k)]
    return out


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One path is (a prefix of) the other; a name in place of an array index matches any index."""
    return all(x == y or (x.isdigit() != y.isdigit()) for x, y in zip(a, b, strict=False))


def _blame(origins: Origins, field: str | None, top: str, overridden: list[tuple[str, ...]]) -> str:
    """The file a bad value came from: ``parent.toml (extended by top.toml)`` when every value at
    ``field`` was inherited from one base file, else ``top``."""
    if field is None:
        return top
    parts = tuple(field.split("."))
    if any(_overlaps(parts, o) for o in overridden):
        return top
    chains = {v for k, v in origins.items() if _overlaps(parts, k)}
    if len(chains) != 1:
        files = sorted({c[0] for c in chains} - {top})
        return f"{top} (with values from {', '.join(files)})" if files else top
    chain = chains.pop()
    return chain[0] if len(chain) == 1 else f"{chain[0]} (extended by {', extended by '.join(chain[1:])})"


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, resolve ``extends``, apply ``overrides`` (dotted paths) and validate a scenario file.

    Raises
    ------
    ScenarioError
        One line naming the file (the base file a bad value came from, for ``extends``), the
        field path and what is allowed.
    """
    data, origins = _load(Path(path), str(path))
    overridden = []
    for k, v in (overrides or {}).items():
        try:
            overridden.append(tuple(_set_path(data, k, v)))
        except ScenarioError as exc:
            raise ScenarioError(exc.message, source=str(path), field=exc.field) from None
    try:
        return validate_scenario(data, source=str(path))
    except ScenarioError as exc:
        source = _blame(origins, exc.field, str(path), overridden)
        if source == str(path):
            raise
        raise ScenarioError(exc.message, source=source, field=exc.field) from None


def loads_scenario(text: str, source: str = "<string>") -> Scenario:
    """Validate a scenario given as TOML text (``extends`` is not allowed here)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"malformed TOML: {exc}", source=source) from None
    if "extends" in data:
        raise ScenarioError("extends needs a file; use load_scenario", source=source, field="extends")
    return validate_scenario(data, source=source)


def validate_scenario(data: Mapping[str, Any], source: str | None = None) -> Scenario:
    """Validate a dict into a :class:`Scenario`, turning pydantic errors into one-line :class:`ScenarioError`."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ScenarioError(f"must be the integer {SCHEMA_VERSION}, e.g. schema_version = {SCHEMA_VERSION} "
                            f"(got {version!r})", source=source, field="schema_version")
    if version != SCHEMA_VERSION:
        raise ScenarioError(f"unsupported schema_version {version!r}; this loopsim reads {SCHEMA_VERSION}",
                            source=source, field="schema_version")
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise _to_scenario_error(exc, data, source) from None


def _to_scenario_error(exc: ValidationError, data: Mapping, source: str | None) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    # drop pydantic's union-member tags ("gamma", "function-after[...]") from the path
    clean, _ = _walk(err["loc"], data, Scenario)
    field = ".".join(clean) or None
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "loopsim_field":
        field, msg = err["ctx"]["field"], err["ctx"]["msg"]
    elif err["type"] == "extra_forbidden":
        allowed = _allowed_keys(err["loc"][:-1], data)
        msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    elif err["type"] == "union_tag_invalid":
        msg = f"unknown distribution; 'dist' must be one of: {', '.join(sorted(_dist_names()))}"
    elif err["type"] == "union_tag_not_found":
        msg = f"missing 'dist'; one of: {', '.join(sorted(_dist_names()))}"
    elif "input" in err and err["type"] not in ("missing",):
        got = err["input"]
        if not isinstance(got, dict | list):
            msg = f"{msg} (got {got!r})"
    # policy errors carry their own path inside the message
    if msg.startswith("policies."):
        field, _, msg = msg.partition(": ")
    n = len(exc.errors())
    if n > 1:
        msg += f" (and {n - 1} more problem{'s' if n > 2 else ''})"
    return ScenarioError(msg, source=source, field=field)


def _dist_names():
    from .dists import DISTRIBUTIONS

    return DISTRIBUTIONS


def _allowed_keys(loc, data: Mapping) -> list[str]:
    table = _walk(loc, data, Scenario)[1]
    return _keys(table) if table is not None else []


_ALIASES = ("rewards", "service", "personalisation")


def _set_path(data: dict, path: str, value: Any) -> list[str]:
    """Set ``value`` at the dotted ``path`` of raw scenario data; returns the path's parts (policy
    aliases resolved)."""
    parts = path.split(".")
    if not path or any(p == "" for p in parts):
        raise ScenarioError("empty path segment; use dotted paths like market.cost_per_aware", field=path)
    if parts[0] in _ALIASES and len(parts) >= 3 and parts[1] in POLICY_REGISTRY | policy_types():
        parts = ["policies", *parts[1:]]
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_list_index(node, part, parts[:i])]
        else:
            if part not in node or not isinstance(node[part], dict | list):
                if part in node:
                    raise ScenarioError(f"{part!r} is a value, not a table", field=path)
                node[part] = _missing(parts[:i + 1], data)
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[_list_index(node, last, parts[:-1])] = value
    else:
        node[last] = value
    return parts


def _missing(loc: list[str], data: dict) -> dict | list:
    """A table or array on an override's path that the data leaves out: an array starts as its
    default (``population.segments.0.x`` changes the default segment), a table empty."""
    owner = _walk(loc[:-1], data, Scenario)[1]
    ann = _field_type(owner, loc[-1]) if owner is not None else None
    if ann is None or _item_type(ann) is None:
        return {}
    f = next((f for k, f in owner.model_fields.items() if loc[-1] in (k, f.alias)), None)
    default = f.get_default(call_default_factory=True) if f is not None and owner is not Scenario else None
    if not default:
        return []
    return TypeAdapter(f.annotation).dump_python(default, mode="json", by_alias=True)


def _list_index(node: list, part: str, where: list[str]) -> int:
    if part.isdigit():
        idx = int(part)
        if idx >= len(node):
            n = len(node)
            which = "none" if n == 0 else f"{n}: use 0" + (f" to {n - 1}" if n > 1 else "")
            raise ScenarioError(f"index {idx} out of range (there are {which})", field=".".join([*where, part]))
        return idx
    matches = [i for i, item in enumerate(node) if isinstance(item, dict) and
               (item.get("type") == part or item.get("name") == part)]
    if not matches:
        raise ScenarioError(f"no entry with type or name {part!r}", field=".".join([*where, part]))
    if len(matches) > 1:
        raise ScenarioError(f"{part!r} matches {len(matches)} entries; use an index", field=".".join([*where, part]))
    return matches[0]


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``PATH=VALUE`` from the command line; VALUE is read as a TOML value, else a string."""
    if "=" not in text:
        raise ScenarioError(f"--set needs PATH=VALUE (got {text!r})")
    path, _, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value
