"""Computing the summary metrics of a run from its records (never engine internals).

Money: ``revenue`` is sales at list price; every price reduction a policy gives is a
``reward_cost`` (so a programme's cost is visible in one place), and

    gross_margin = revenue * gross_margin_rate
    profit = gross_margin + fee_revenue - reward_cost - acquisition_cost - service_cost
             - personalisation_cost - programme_cost - winback_cost - fixed_cost

``profit_discounted`` discounts every amount at its exact time with the scenario's annual rate.
Every metric's unit, range and meaning is declared once in :mod:`loopsim.metrics.builtin`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..records import COST_KINDS, Ledger


def _safe_div(a: float, b: float) -> float:
    return a / b if b else math.nan



def money_metrics(ledger: Ledger, margin_rate: float) -> dict[str, float]:
    """Revenue, margin, each cost kind, profit and discounted profit (currency)."""
    tot, disc = ledger.total, ledger.discounted
    out = {
        "revenue": tot["revenue"],
        "gross_margin": tot["revenue"] * margin_rate,
        "fee_revenue": tot["fee_revenue"],
    }
    for k in COST_KINDS:
        out[k] = tot[k]
    out["profit"] = out["gross_margin"] + out["fee_revenue"] - sum(tot[k] for k in COST_KINDS)
    out["profit_discounted"] = (disc["revenue"] * margin_rate + disc["fee_revenue"]
                                - sum(disc[k] for k in COST_KINDS))
    return out


def customer_metrics(customers: pd.DataFrame) -> dict[str, float]:
    """Counts, retention, repeat rate and mean CLV over acquired customers."""
    n = len(customers)
    active = int(customers["churned_at"].isna().sum()) if n else 0
    return {
        "customers_acquired": float(n),
        "active_at_end": float(active),
        "churned": float(n - active),
        "retention_rate": _safe_div(active, n),
        "purchases": float(customers["purchases"].sum()) if n else 0.0,
        "repeat_purchase_rate": _safe_div(int((customers["purchases"] >= 2).sum()), n) if n else math.nan,
        "clv_mean": float(customers["clv"].mean()) if n else math.nan,
    }


def nps(promoters: int, detractors: int, active: int) -> float:
    """Net promoter score (-100..100) among active customers; NaN with none active."""
    return 100.0 * (promoters - detractors) / active if active else math.nan


def _queue_stats(c: pd.DataFrame) -> dict[str, float]:
    n = len(c)
    queued = c[c["outcome"] != "balked"] if n else c
    served = c[c["outcome"] == "served"] if n else c
    return {
        "contacts": float(n),
        "mean_wait_days": float(queued["wait"].mean()) if len(queued) else math.nan,
        "p90_wait_days": float(np.quantile(queued["wait"], 0.9)) if len(queued) else math.nan,
        "abandonment_rate": _safe_div(int((c["outcome"] != "served").sum()), n) if n else math.nan,
        "resolution_rate": _safe_div(int(served["resolved"].sum()), len(served)) if len(served) else math.nan,
    }


def service_metrics(contacts: pd.DataFrame, warmup: float,
                    channels: list[tuple[str, float, float]]) -> dict[str, float]:
    """Waits (days), abandonment, resolution and utilisation of the service desk.

    Waits are times in queue of contacts that queued (not balked), counting contacts that arrived
    at or after ``warmup`` (days). ``abandonment`` = balked or hung up, over contacts;
    ``resolution`` = resolved at that contact, over served contacts. Utilisation is busy
    agent-days over on-duty agent-days over the whole run. ``channels``: ``(name, busy agent-days,
    on-duty agent-days)`` per channel with agents; with more than one channel in ``contacts`` the
    same metrics are also given per channel as ``service_<channel>_<metric>``.
    """
    c = contacts[contacts["arrived"] >= warmup] if len(contacts) else contacts
    q = _queue_stats(c)
    on_duty = sum(a for _, _, a in channels)
    util = min(1.0, sum(b for _, b, _ in channels) / on_duty) if on_duty else math.nan
    out = {
        "service_contacts": q["contacts"],
        "mean_service_wait_days": q["mean_wait_days"],
        "p90_service_wait_days": q["p90_wait_days"],
        "service_abandonment_rate": q["abandonment_rate"],
        "service_resolution_rate": q["resolution_rate"],
        "agent_utilisation": util,
    }
    names = list(c["channel"].cat.categories) if "channel" in c.columns else []
    if len(names) > 1:
        busy = {name: (b, a) for name, b, a in channels}
        for name in names:
            qc = _queue_stats(c[c["channel"] == name])
            for k, v in qc.items():
                out[f"service_{name}_{k}"] = v
            b, a = busy.get(name, (0.0, 0.0))
            out[f"service_{name}_utilisation"] = min(1.0, b / a) if a else math.nan
    return out
