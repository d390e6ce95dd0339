"""Notes printed under the command's tables: the retention vocabulary (docs/metrics.md)."""

from __future__ import annotations

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
