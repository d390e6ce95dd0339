"""The summary of one run: every metric computed from its records (never engine internals)."""

from __future__ import annotations

import math

import pandas as pd

from ..records import RunRecords
from ..scenario import STAGES
from .compute import _safe_div, customer_metrics, money_metrics, nps, service_metrics
from .registry import CORE_METRICS


def summarise(rec: RunRecords, customers: pd.DataFrame) -> dict[str, float]:
    """The run's summary metrics: the core metrics first, in order, then the others.
    ``customers`` is the run's customers table (built from ``rec.customers``)."""
    sc = rec.scenario
    n = len(customers)
    summary: dict[str, float] = {}
    summary.update(customer_metrics(customers))
    summary.update(money_metrics(rec.ledger, sc.economics.gross_margin_rate))
    summary["nps"] = nps(rec.final_class[2], rec.final_class[0], rec.final_active)
    desk = rec.desk
    summary.update(service_metrics(rec.contacts, sc.service.warmup_days, desk["channel_stats"]))
    summary["service_contacts_open_at_end"] = float(desk["open_at_end"])
    summary["service_repeat_contacts"] = float(desk["repeats"])
    summary["service_recoveries"] = float(desk["recoveries"])
    summary["service_defections"] = float(desk["defections"])
    summary["customers_with_unresolved_problems"] = float(desk["unresolved"])
    summary["points_liability"] = 0.0
    summary["prospects"] = float(rec.prospects)
    for i, s in enumerate(STAGES):
        summary[f"funnel_{s}"] = float(rec.funnel_entered[i])
    from_funnel = int((customers["channel"].isin(["marketing", "organic", "referral"])).sum()) if n else 0
    summary["funnel_conversion"] = _safe_div(from_funnel, rec.prospects) if rec.prospects else math.nan
    summary["referrals"] = float(rec.referrals)
    summary["winback_attempts"] = float(rec.winback_attempts)
    summary["winbacks"] = float(rec.winbacks)
    acq = summary["acquisition_cost"]
    summary["cac"] = _safe_div(acq, from_funnel) if from_funnel else math.nan
    summary["ltv_cac"] = summary["clv_mean"] / summary["cac"] if from_funnel and summary["cac"] > 0 else math.nan
    for ps in rec.policy_summaries:
        for k, v in ps.items():
            summary[k] = summary.get(k, 0.0) + float(v) if k == "points_liability" else float(v)
    ordered = {k: float(summary[k]) for k in CORE_METRICS}
    ordered.update({k: float(v) for k, v in summary.items() if k not in ordered})
    return ordered
