"""The policy registry: policies are registered by the ``type`` name used in scenario files.

Concrete policies live in :mod:`loopsim.policies`; the scenario and the engine find them here.
Third-party policies come from plug-ins: installed packages that declare an entry point in the
``loopsim.policies`` group (loaded lazily, the first time :func:`policy_types` is called), or a
module imported explicitly with :func:`load_plugin` (``loopsim --plugin MODULE``). Scenario files
only ever name a registered ``type``; they never import code. See ``docs/howto_custom_policy.md``.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import (
    BaseModel,
    ConfigDict,
)

from .errors import LoopsimError

#: The entry-point group third-party packages declare their policies in.
ENTRY_POINT_GROUP = "loopsim.policies"
#: How to make a policy type from a plug-in known (used in "unknown policy type" messages).
PLUGIN_HINT = ("a policy from a plug-in: install its package (entry point group loopsim.policies) "
               "or load its module with `loopsim --plugin MODULE` (docs/howto_custom_policy.md)")


@runtime_checkable
class Context(Protocol):
    """What a policy's hooks receive as ``ctx``: the engine's narrow API (times in days, money
    in the scenario's currency). Only what is listed here is stable for third-party policies.

    ``customer`` arguments are the engine's customer objects; stable attributes: ``id``,
    ``purchases`` (count), ``satisfaction`` (0-10), ``status``, ``s_reward``, ``s_price``,
    ``s_service``, ``s_personalisation`` (sensitivities, 0-1).
    """

    scenario: Any              #: the :class:`~loopsim.scenario.Scenario` being run
    horizon: float             #: the run's horizon (days)
    by_id: dict[int, Any]      #: acquired customers by id

    @property
    def now(self) -> float:
        """Current simulation time (days)."""

    def post(self, kind: str, amount: float, customer: Any = None) -> None:
        """Book money now: ``kind`` is a ledger kind (``reward_cost``, ``programme_cost``,
        ``service_cost``, ``personalisation_cost``, ``fee_revenue``); with a ``customer`` it
        also enters that customer's CLV."""

    def uniform(self, customer: Any, stream: int = 0) -> float:
        """A uniform draw in [0, 1) from the customer's own policy stream ``stream`` (0-255);
        policies never share or shift another's draws (common random numbers hold)."""

    def change_satisfaction(self, customer: Any, delta: float) -> None:
        """Move a customer's satisfaction (0-10 scale) by ``delta``."""

    def at(self, t: float, callback: Callable[[Any], None], arg: Any = None) -> None:
        """Call ``callback(arg)`` at day ``t`` (not before now)."""

    def schedule(self, delay: float, callback: Callable[..., None], *args: Any) -> None:
        """Call ``callback(*args)`` after ``delay`` days."""

    def record(self, column: str, value: float) -> None:
        """Record a value in today's row of the timeline (call from ``on_day``)."""

    def trace(self, customer: Any, event: str, detail: str = "") -> None:
        """Add a line to the customer's journey trace (no-op unless tracing)."""


@runtime_checkable
class Policy(Protocol):
    """What a policy is: a small class with a ``Params`` model and any of the engine's hooks.

    The engine calls only the hooks a policy defines (see ``docs/policies.md`` for the full list and
    their order); all hooks are optional. The ones every policy may use (``ctx`` is a
    :class:`Context`):

    * ``setup(ctx)``: once, before the run.
    * ``on_acquire(ctx, customer)``: a prospect made its first purchase.
    * ``on_purchase(ctx, customer, purchase)``: adjust a purchase (``purchase.gross`` list price,
      add to ``purchase.discount`` or ``purchase.reward_cost``; currency).
    * ``purchase_rate_multiplier(ctx, customer) -> float``, ``churn_multiplier(ctx, customer) -> float``,
      ``spend_multiplier(ctx, customer) -> float``, ``conversion_multiplier(ctx, customer, stage) -> float``.
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
    name = getattr(cls, "type_name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__}: a policy needs a type_name (str), the `type` scenario files use")
    params = getattr(cls, "Params", None)
    if not (isinstance(params, type) and issubclass(params, PolicyParams)):
        raise TypeError(f"{cls.__name__}: a policy needs Params, a subclass of loopsim.PolicyParams")
    if name in POLICY_REGISTRY and POLICY_REGISTRY[name] is not cls:
        raise ValueError(f"policy type {name!r} registered twice")
    POLICY_REGISTRY[name] = cls
    return cls


#: Modules loaded with :func:`load_plugin`, ``os.pathsep``-separated: worker processes inherit
#: the environment and load them too (a scenario reaches them as data, not as classes).
PLUGINS_ENV = "LOOPSIM_PLUGINS"
_plugins_loaded = False


def policy_types() -> dict[str, type]:
    """Every registered policy type: the built-ins, then installed plug-ins (entry points in the
    ``loopsim.policies`` group) and the modules named in ``LOOPSIM_PLUGINS`` (loaded on the first
    call), and modules loaded with :func:`load_plugin`."""
    from . import policies  # noqa: F401  (registers the built-ins)

    global _plugins_loaded
    if not _plugins_loaded:
        _load_entry_points()
        for module in filter(None, os.environ.get(PLUGINS_ENV, "").split(os.pathsep)):
            load_plugin(module, origin=PLUGINS_ENV)
        _plugins_loaded = True
    return dict(sorted(POLICY_REGISTRY.items()))


def _load_entry_points() -> None:
    """Import every ``loopsim.policies`` entry point; one that fails is named in one line."""
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        where = f"plug-in {ep.name!r} ({ep.value}"
        where += f", from package {ep.dist.name})" if getattr(ep, "dist", None) else ")"
        try:
            obj = ep.load()
        except Exception as exc:   # a plug-in's import can fail in any way: name it, one line
            raise LoopsimError(f"{where}: cannot be loaded: {_one_line(exc)}; fix or uninstall "
                               "the package") from None
        if isinstance(obj, type) and obj not in POLICY_REGISTRY.values():
            try:
                register_policy(obj)
            except (TypeError, ValueError) as exc:
                raise LoopsimError(f"{where}: {exc}") from None


def load_plugin(module: str, origin: str = "--plugin") -> None:
    """Import ``module`` (a dotted module name, importable or in the current folder), whose
    :func:`register_policy` classes become available to scenarios, here and in worker processes
    started later (through ``LOOPSIM_PLUGINS``); one line naming ``origin`` if it fails."""
    if not module or not all(p.isidentifier() for p in module.split(".")):
        raise LoopsimError(f"{origin} {module!r}: not a module name (a dotted Python name such as "
                           "my_policies or mypkg.policies)")
    cwd = os.getcwd()
    if cwd not in sys.path:
        # like `python -m`: a module beside the user's files; last, so it never shadows a package
        sys.path.append(cwd)
    try:
        importlib.import_module(module)
    except Exception as exc:   # the plug-in's own code may raise anything: name it, one line
        raise LoopsimError(f"{origin} {module}: cannot be imported: {_one_line(exc)}") from None
    loaded = list(filter(None, os.environ.get(PLUGINS_ENV, "").split(os.pathsep)))
    if module not in loaded:
        os.environ[PLUGINS_ENV] = os.pathsep.join([*loaded, module])


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
