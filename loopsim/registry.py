"""The policy registry: policies are registered by the ``type`` name used in scenario files.

Concrete policies live in :mod:`loopsim.policies`; the scenario and the engine find them here.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from pydantic import (
    BaseModel,
    ConfigDict,
)


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


class PolicyParams(BaseModel):
    """Base class of every policy's parameters (gives ``type``); frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

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
