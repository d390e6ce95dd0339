"""Display units: how a metric is shown in tables and plots (service waits in minutes).

Stored data (summary.json, runs, tables, ``RunResult.summary``) keep days, with the unit in the
name (``mean_service_wait_days``); a table or plot shows ``mean_service_wait (min)`` instead.
"""

from __future__ import annotations

MINUTES_PER_DAY = 1440.0


def shown_name(metric: str) -> str:
    """The label of a metric in a table or plot (a wait in days is shown in minutes)."""
    if metric.endswith("_wait_days"):
        return metric[: -len("_days")] + " (min)"
    return metric


def shown_value(metric: str, value: float) -> float:
    """The value of a metric as shown in a table or plot (days -> minutes for waits)."""
    return value * MINUTES_PER_DAY if metric.endswith("_wait_days") else value
