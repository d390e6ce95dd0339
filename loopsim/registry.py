"""The policy registry: policies are registered by the ``type`` name used in scenario files.

Concrete policies live in :mod:`loopsim.policies`; the scenario and the engine find them here.
Third-party policies come from plug-ins: installed packages that declare an entry point in the
``loopsim.policies`` group (loaded lazily, the first time :func:`policy_types` is called), or a
module imported explicitly with :func:`load_plugin` (``loopsim --plugin MODULE``). Scenario files
only ever name a registered ``type``; they never import code. See ``docs/howto_custom_policy.md``.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import sys
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from pydantic import (
    BaseModel,
    ConfigDict,
)

from .context import Context
from .errors import LoopsimError

if TYPE_CHECKING:
    import numpy as np

    from .engine.customer import Customer, Purchase

__all__ = ["Context", "Hooks", "Policy", "PolicyParams", "load_plugin", "policy_types",
           "register_policy"]

#: The entry-point group third-party packages declare their policies in.
ENTRY_POINT_GROUP = "loopsim.policies"
#: How to make a policy type from a plug-in known (used in "unknown policy type" messages).
PLUGIN_HINT = ("a policy from a plug-in: install its package (entry point group loopsim.policies) "
               "or load its module with `loopsim --plugin MODULE` (docs/howto_custom_policy.md)")


class Hooks(Protocol):
    """The engine's hooks, typed: a policy defines any of them (all optional), the engine calls
    those it defines (their order within a purchase: ``docs/policies.md``). ``ctx`` is the run's
    :class:`~loopsim.context.Context`; ``customer`` a customer record; multipliers are
    dimensionless (1 = no effect). :func:`register_policy` checks a policy's hooks against these
    signatures, and refuses a public ``on_*`` or ``*_multiplier`` method that is not one of them."""

    def setup(self, ctx: Context) -> None:
        """Once, before the run (read the scenario, keep ``ctx`` for timers)."""

    def on_acquire(self, ctx: Context, customer: Customer) -> None:
        """A prospect became a customer (or an existing customer at day 0)."""

    def on_purchase(self, ctx: Context, customer: Customer, purchase: Purchase) -> None:
        """Adjust a purchase before it is booked: ``purchase.gross`` (list price), add to
        ``purchase.discount`` or ``purchase.reward_cost`` (currency)."""

    def spend_multiplier(self, ctx: Context, customer: Customer) -> float:
        """Multiplies the gross spend of the purchase being made."""

    def purchase_rate_multiplier(self, ctx: Context, customer: Customer) -> float:
        """Multiplies the purchase rate when the next purchase is scheduled."""

    def churn_multiplier(self, ctx: Context, customer: Customer) -> float:
        """Multiplies the churn intensity (per purchase, or the defection hazard)."""

    def conversion_multiplier(self, ctx: Context, customer: Customer, stage: str) -> float:
        """Multiplies a prospect's conversion probability out of funnel ``stage``."""

    def winback_multiplier(self, ctx: Context, customer: Customer) -> float:
        """Multiplies the success probability of a win-back offer."""

    def referral_rate_multiplier(self, ctx: Context) -> float:
        """Multiplies the day's referral rate (once a day)."""

    def earn_multiplier(self, ctx: Context, customer: Customer) -> float:
        """Multiplies the points a customer earns (read by the ``points`` policy, e.g. a tier's
        earn boost)."""

    def service_priority(self, ctx: Context, customer: Customer) -> int:
        """The customer's priority at the service desk (lower is served first; the lowest of
        all policies' wins)."""

    def on_churn(self, ctx: Context, customer: Customer) -> None:
        """The customer churned."""

    def on_reactivate(self, ctx: Context, customer: Customer) -> None:
        """A churned customer came back (a win-back), before its purchase."""

    def on_day(self, ctx: Context, day: int) -> None:
        """At the start of each day ``day`` (0, 1, ...), after the market tick."""

    def summary(self, ctx: Context) -> dict[str, float]:
        """After the run: the policy's summary metrics (name -> value)."""

    def customer_columns(self, ctx: Context, ids: np.ndarray) -> dict[str, np.ndarray]:
        """After the run: the policy's columns of the customers table (name -> one value per
        customer of ``ids``, in that order; e.g. the tiers' demotions)."""


#: Every hook's parameters after ``self``, from :class:`Hooks` (the one source).
HOOK_PARAMS: dict[str, tuple[str, ...]] = {
    name: tuple(inspect.signature(fn).parameters)[1:]
    for name, fn in vars(Hooks).items() if not name.startswith("_") and callable(fn)}


@runtime_checkable
class Policy(Protocol):
    """What a policy is: a small class with a ``type_name``, a ``kind``, a ``Params`` model (a
    :class:`PolicyParams`) and any of the :class:`Hooks`; built with its validated parameters."""

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
    check_hooks(cls, name)
    if name in POLICY_REGISTRY and POLICY_REGISTRY[name] is not cls:
        raise ValueError(f"policy type {name!r} registered twice")
    POLICY_REGISTRY[name] = cls
    return cls


def _looks_like_hook(name: str) -> bool:
    return name.startswith("on_") or name.endswith("_multiplier")


def check_hooks(cls: type, type_name: str) -> None:
    """Refuse (TypeError, one line naming the policy and the hook) a policy whose public
    ``on_*`` / ``*_multiplier`` method is not a hook of :class:`Hooks`, or whose hook cannot be
    called with the hook's arguments (wrong arity, or not a method)."""
    who = f"policy {type_name!r} ({cls.__name__})"
    for attr in dir(cls):
        if attr.startswith("_"):
            continue
        params = HOOK_PARAMS.get(attr)
        if params is None:
            if _looks_like_hook(attr) and callable(getattr(cls, attr)):
                close = difflib.get_close_matches(attr, HOOK_PARAMS, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise TypeError(f"{who}: {attr} is not a hook{hint}; hooks: {', '.join(sorted(HOOK_PARAMS))}; "
                                "give a helper a leading underscore")
            continue
        raw = inspect.getattr_static(cls, attr)
        fn = getattr(cls, attr)
        # a plain function is called on an instance: it also takes self
        n = len(params) + (0 if isinstance(raw, (staticmethod, classmethod)) else 1)
        want = f"hook {attr} must take ({', '.join(params)})"
        if not callable(fn):
            raise TypeError(f"{who}: {want}, but it is not a method")
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue     # a builtin without a signature: cannot be checked here
        try:
            sig.bind(*range(n))
        except TypeError:
            shown = [p for p in sig.parameters if p != "self"] if n > len(params) else list(sig.parameters)
            raise TypeError(f"{who}: {want}, not ({', '.join(shown)})") from None


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
