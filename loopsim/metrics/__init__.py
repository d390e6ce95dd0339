"""Metrics: every summary number of a run, declared once and computed from its records.

* :mod:`.declare` - :class:`Metric` (name, unit, bounds, better, doc);
* :mod:`.builtin` - the engine's metrics, each declared once (the contracted ones first);
* :mod:`.policies` - the built-in policies' metrics until each policy declares its own in a
  ``metrics`` class attribute;
* :mod:`.registry` - finding a declaration by summary key, ranges, and the derived lists;
* :mod:`.compute` - computing them from a run's records (never engine internals).

See ``docs/metrics.md`` for every metric, its unit and when it is NaN (the table there is
generated from the declarations: ``python -m loopsim.docgen metrics docs/metrics.md``).
"""

from __future__ import annotations

from .builtin import BUILTIN, COMPARE_METRICS
from .compute import _safe_div as _safe_div
from .compute import customer_metrics, money_metrics, nps, service_metrics
from .declare import Metric
from .policies import POLICY_METRICS
from .registry import _BUILTIN_PREFIXES as _BUILTIN_PREFIXES
from .registry import (
    CORE_METRICS,
    NONNEGATIVE_METRICS,
    RATE_METRICS,
    SIGNED_METRICS,
    declared_metrics,
    find_metric,
    is_builtin_metric,
    is_policy_metric,
    metric_bounds,
    policy_metric_table,
)
from .summary import summarise

__all__ = [
    "summarise",
    "BUILTIN",
    "COMPARE_METRICS",
    "CORE_METRICS",
    "NONNEGATIVE_METRICS",
    "POLICY_METRICS",
    "RATE_METRICS",
    "SIGNED_METRICS",
    "Metric",
    "customer_metrics",
    "declared_metrics",
    "find_metric",
    "is_builtin_metric",
    "is_policy_metric",
    "metric_bounds",
    "money_metrics",
    "nps",
    "policy_metric_table",
    "service_metrics",
]
