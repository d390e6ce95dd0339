"""THE policy API: what a policy's hooks may read and call on ``ctx``.

A policy is written against :class:`Context` and nothing else: it never imports the engine and
never sees the engine's state. Every hook receives the run's context as ``ctx`` (the hooks and
their arguments: :class:`loopsim.registry.Hooks`). The Python engine passes
:class:`loopsim.engine.context.WorldContext`, an object with exactly these members (a test runs
every bundled scenario with a proxy that refuses any other attribute:
``tests/policies/test_context.py``). Times are in days, money in the scenario's currency.

``customer`` arguments are the engine's customer records. A policy may read their attributes
(stable: ``id``, ``segment``, ``purchases`` (count), ``rate`` (purchases/day), ``satisfaction``
(0-10), ``active``, ``status``, ``channel``, ``referred_by``, ``s_reward``, ``s_price``,
``s_service``, ``s_personalisation`` (sensitivities, 0-1)) and changes a customer only through
the context (``change_satisfaction``), so the engine's counts stay right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:   # for annotations only: policies never import the engine or the scenario
    from .engine.customer import Customer
    from .scenario import Scenario


@runtime_checkable
class Context(Protocol):
    """What a policy's hooks receive as ``ctx``: read the run, book money, draw random numbers,
    change satisfaction, schedule callbacks, record and trace. Nothing else is stable."""

    @property
    def now(self) -> float:
        """Current simulation time (days)."""

    @property
    def horizon(self) -> float:
        """The run's horizon (days): nothing happens at or after it."""

    @property
    def scenario(self) -> Scenario:
        """The :class:`~loopsim.scenario.Scenario` being run (frozen; read it in ``setup``)."""

    @property
    def by_id(self) -> Mapping[int, Customer]:
        """Customers by id (read only): every acquired customer, and prospects in the funnel."""

    @property
    def policies(self) -> Sequence[Any]:
        """The scenario's policy objects, in scenario order (for a policy that reads another
        policy's hook, e.g. points reading the tiers' ``earn_multiplier``)."""

    @property
    def hazard_process(self) -> bool:
        """True under time-based defection (``journey.churn.process = "hazard"``): a policy whose
        churn multiplier changes between purchases calls :meth:`refresh_churn`."""

    def post(self, kind: str, amount: float, customer: Customer | None = None) -> None:
        """Book ``amount`` (currency) now under ledger ``kind`` (``reward_cost``,
        ``programme_cost``, ``service_cost``, ``personalisation_cost``, ``fee_revenue``, ...);
        with a ``customer`` it also enters that customer's CLV."""

    def uniform(self, customer: Customer, stream: int = 0) -> float:
        """A uniform draw in (0, 1) from the customer's own policy stream ``stream`` (0-255; the
        built-in policies' streams are declared in :mod:`loopsim.rng`). Each (customer, stream)
        has its own counter: policies never shift another's draws (common random numbers)."""

    def change_satisfaction(self, customer: Customer, delta: float) -> None:
        """Move a customer's satisfaction (0-10 scale, clipped) by ``delta``."""

    def at(self, t: float, callback: Callable[[Any], None], arg: Any = None) -> None:
        """Call ``callback(arg)`` at day ``t`` (not before now); equal times run in order."""

    def schedule(self, delay: float, callback: Callable[..., None], *args: Any) -> None:
        """Call ``callback(*args)`` after ``delay`` days."""

    def record(self, column: str, value: float) -> None:
        """Record ``value`` in today's row of the timeline column ``column`` (call from ``on_day``)."""

    def trace(self, customer: Customer, event: str, detail: str = "") -> None:
        """Add a line to the customer's journey trace (a no-op unless the customer is traced)."""

    def refresh_churn(self, customer: Customer) -> None:
        """Re-evaluate the customer's defection hazard now: call after changing what a
        ``churn_multiplier`` returns between purchases (a no-op under the per-purchase process)."""


#: The names a policy may use on ``ctx``: the members of :class:`Context`.
CONTEXT_MEMBERS: frozenset[str] = frozenset(
    name for name in vars(Context) if not name.startswith("_"))
