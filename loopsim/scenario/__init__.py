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

The package: ``base`` (shared bounds and checks), ``market``, ``journey``, ``service`` (the
sections), ``model`` (:class:`Scenario`), ``schema`` (walking the schema with raw data), ``load``
(files and ``extends``), ``overrides`` (dotted paths). The policy registry is :mod:`loopsim.registry`.
"""

from ..registry import POLICY_REGISTRY, Policy, PolicyParams, policy_types, register_policy
from .base import (
    MAX_ARRIVALS_PER_DAY,
    MAX_HORIZON_DAYS,
    MAX_INITIAL_CUSTOMERS,
    MAX_PER_PROMOTER_PER_DAY,
    SCHEMA_VERSION,
    STAGES,
)
from .journey import Advocacy, Funnel, Journey, Onboarding, Satisfaction, Stage, Winback
from .load import load_raw, load_scenario, loads_scenario, validate_scenario
from .market import Competitor, Economics, Market, Population, Segment, Sensitivities, Spend, Time
from .model import Scenario
from .overrides import parse_override
from .service import Service, ServiceChannel, Shift

__all__ = [
    "MAX_ARRIVALS_PER_DAY", "MAX_HORIZON_DAYS", "MAX_INITIAL_CUSTOMERS", "MAX_PER_PROMOTER_PER_DAY",
    "POLICY_REGISTRY", "SCHEMA_VERSION", "STAGES", "Advocacy", "Competitor", "Economics", "Funnel",
    "Journey", "Market", "Onboarding", "Policy", "PolicyParams", "Population", "Satisfaction",
    "Scenario", "Segment", "Sensitivities", "Service", "ServiceChannel", "Shift", "Spend", "Stage",
    "Time", "Winback", "load_raw", "load_scenario", "loads_scenario", "parse_override",
    "policy_types", "register_policy", "validate_scenario",
]
