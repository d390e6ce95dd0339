"""Finding a metric's declaration by its summary key: the engine's metrics, then the metrics the
registered policies declare (a ``metrics`` class attribute, or for the built-in policies that do
not carry one yet, :data:`~loopsim.metrics.policies.POLICY_METRICS`). Ranges, the lists of
metrics and the docs tables are all read from here."""

from __future__ import annotations

import math

from .builtin import BUILTIN
from .declare import Metric
from .policies import POLICY_METRICS

_EXACT: dict[str, Metric] = {m.name: m for m in BUILTIN if not m.is_pattern}
_PATTERNS: tuple[Metric, ...] = tuple(m for m in BUILTIN if m.is_pattern)

#: The contracted summary metrics, in display order (all present in every run).
CORE_METRICS: tuple[str, ...] = tuple(m.name for m in BUILTIN if m.core)
#: Built-in metrics (configured names aside) that are shares in [0, 1].
RATE_METRICS: tuple[str, ...] = tuple(
    m.name for ms in (BUILTIN, *POLICY_METRICS.values()) for m in ms
    if m.bounds == (0.0, 1.0) and not m.is_pattern)
#: Built-in metrics that can be negative: money net of costs, and ratios of it.
SIGNED_METRICS: tuple[str, ...] = tuple(m.name for m in BUILTIN if m.bounds[0] == -math.inf)
#: Core metrics that can never be negative (counts, money flows, waits).
NONNEGATIVE_METRICS: tuple[str, ...] = tuple(m.name for m in BUILTIN
                                             if m.core and m.bounds == (0.0, math.inf))
#: Name prefixes of the engine's parts' and the built-in policies' metrics. Kept for code that
#: still tells metrics apart by prefix (e.g. ``loopsim.explain`` on another branch); new code
#: asks the declarations (:func:`find_metric`, :func:`is_policy_metric`).
_BUILTIN_PREFIXES = ("funnel_", "service_", "points_", "punch_card_", "tier_", "tiers_",
                     "cashback_", "discount_", "membership_", "referral_", "exclusive_access_",
                     "streak_", "streaks_", "personalisation_")


def declared_metrics(policy: type) -> tuple[Metric, ...]:
    """The metrics a policy class declares: its ``metrics`` attribute, or for a built-in policy
    without one its entry in :data:`POLICY_METRICS`; none for a policy that declares nothing."""
    own = getattr(policy, "metrics", None)
    if own is not None:
        metrics = tuple(own)
        bad = [m for m in metrics if not isinstance(m, Metric)]
        if bad:
            raise TypeError(f"policy {getattr(policy, 'type_name', policy)!r}: metrics must be "
                            f"loopsim.Metric objects, not {type(bad[0]).__name__}")
        return metrics
    if _is_builtin_policy(policy):
        return POLICY_METRICS.get(getattr(policy, "type_name", ""), ())
    return ()


def _is_builtin_policy(policy: type) -> bool:
    return policy.__module__.startswith("loopsim.")


def policy_metric_table() -> list[tuple[str, type, Metric]]:
    """``(policy type, class, metric)`` for every metric every registered policy declares, by
    policy type name."""
    from ..scenario import policy_types

    return [(name, cls, m) for name, cls in policy_types().items() for m in declared_metrics(cls)]


def _engine_metric(name: str) -> Metric | None:
    """The engine's declaration of ``name`` (exact names first, then configured-name patterns)."""
    m = _EXACT.get(name)
    if m is not None:
        return m
    return next((p for p in _PATTERNS if p.matches(name)), None)


def _find(name: str) -> tuple[Metric, bool] | None:
    """The declaration of summary key ``name`` and whether loopsim itself reports it."""
    m = _engine_metric(name)
    if m is not None:
        return m, True
    exact, patterned = None, None
    for _type, cls, m in policy_metric_table():
        if m.name == name and exact is None:
            exact = (m, _is_builtin_policy(cls))
        elif patterned is None and m.is_pattern and m.matches(name):
            patterned = (m, _is_builtin_policy(cls))
    return exact or patterned


def is_policy_metric(name: str) -> bool:
    """Whether ``name`` is a policy's metric rather than the engine's: declared by a registered
    policy (built-in or custom), or declared by nothing (then it can only be a custom policy's)."""
    return _engine_metric(name) is None


def find_metric(name: str) -> Metric | None:
    """The declaration of the summary key ``name`` (an engine metric, or one a registered policy
    declares), or None for a metric nothing declares (e.g. a custom policy's undeclared one)."""
    found = _find(name)
    return found[0] if found else None


def is_builtin_metric(name: str) -> bool:
    """Whether ``name`` is a metric loopsim itself reports (not one of a custom policy's)."""
    found = _find(name)
    return found is not None and found[1]


def metric_bounds(name: str) -> tuple[float, float]:
    """The range a metric's value (and so its mean) can take, from its declaration: shares in
    [0, 1], NPS in [-100, 100], profit, CLV and LTV/CAC unbounded, every other built-in metric
    (counts, costs, waits) >= 0, a policy's declared metric as declared; a metric nothing declares
    is unbounded. Confidence intervals are intersected with it (which keeps their coverage: the
    true mean lies inside)."""
    m = find_metric(name)
    return m.bounds if m is not None else (-math.inf, math.inf)
