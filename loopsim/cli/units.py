"""How metrics are shown in the command's tables: service waits in minutes.

Stored data (summary.json, runs, tables) keep days, with the unit in the name
(``mean_service_wait_days``); a table shows ``mean_service_wait (min)`` instead.
"""

from __future__ import annotations

MINUTES_PER_DAY = 1440.0


def shown_name(metric: str) -> str:
    """The label of a metric in a table (a wait in days is shown in minutes)."""
    if metric.endswith("_wait_days"):
        return metric[: -len("_days")] + " (min)"
    return metric


def shown_value(metric: str, value: float) -> float:
    """The value of a metric as shown in a table (days -> minutes for waits)."""
    return value * MINUTES_PER_DAY if metric.endswith("_wait_days") else value


RETENTION_NOTE = ("retention_rate: share of the customers acquired during the run who are active "
                  "at the horizon (calendar time). Retention by tenure is the Kaplan-Meier curve "
                  "(customers active at the horizon censored; RunResult.retention_curve()); the "
                  "two differ (docs/metrics.md). Waits in minutes; stored in days.")


def tenure_note(curve, points: tuple[float, ...] = (90.0, 180.0, 365.0, 730.0)) -> str:
    """One line of the Kaplan-Meier retention at a few tenures (days), with 95% bands."""
    parts = []
    by_t = curve.set_index("tenure")
    for p in points:
        if p in by_t.index:
            r = by_t.loc[p]
            parts.append(f"{p:g} d {r['retention']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]")
    return "Kaplan-Meier retention by tenure (95% CI): " + ("; ".join(parts) if parts else "n/a")
