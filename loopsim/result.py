"""RunResult: what one simulation returns (the contract in DESIGN.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import metrics, survival
from .engine.customer import NPS_CLASSES
from .records import COST_KINDS, DAILY_COUNTS, INCOME_KINDS, RunRecords, TraceEvent
from .scenario import Scenario


@dataclass
class RunResult:
    """The outcome of :func:`loopsim.simulate`.

    Attributes
    ----------
    summary:
        metric name -> value (every name in :data:`loopsim.metrics.CORE_METRICS`, plus more).
    customers:
        One row per acquired customer (see ``docs/metrics.md`` for the columns).
    transactions:
        One row per purchase: customer_id, time (days), amount (paid), discount, gross (currency).
    timeline:
        One row per day: active customers, promoters, funnel, purchases, money by kind, profit.
    contacts:
        One row per service contact.
    """

    scenario: Scenario
    seed: int | None
    summary: dict[str, float]
    customers: pd.DataFrame
    transactions: pd.DataFrame
    timeline: pd.DataFrame
    contacts: pd.DataFrame
    trace_events: list[TraceEvent] = field(default_factory=list, repr=False)
    elapsed_seconds: float = math.nan

    def retention_curve(self, step: float = 1.0, confidence: float = 0.95) -> pd.DataFrame:
        """Retention by tenure: the Kaplan-Meier share of customers still active ``tenure`` days
        after acquisition, every ``step`` days, customers active at the horizon censored; with a
        Greenwood ``confidence`` band. Columns: tenure (days), retention, ci_low, ci_high,
        at_risk, churned (see docs/metrics.md; not the same figure as ``retention_rate``)."""
        return survival.retention_curve(self.customers, self.scenario.time.horizon_days, step, confidence)

    def trace(self, customer_id: int) -> list[TraceEvent]:
        """The recorded journey of one customer (only when simulated with tracing)."""
        return [e for e in self.trace_events if e.customer_id == customer_id]


def build_result(records: RunRecords, seed, elapsed: float) -> RunResult:
    """Turn a run's :class:`~loopsim.records.RunRecords` (from either engine) into a
    :class:`RunResult`: the customers table, the timeline and the summary metrics."""
    customers = _customers_frame(records)
    summary = metrics.summarise(records, customers)
    return RunResult(scenario=records.scenario, seed=seed, summary=summary, customers=customers,
                     transactions=records.transactions, timeline=_timeline(records),
                     contacts=records.contacts, trace_events=records.trace_events,
                     elapsed_seconds=elapsed)


def _customers_frame(rec: RunRecords) -> pd.DataFrame:
    """One row per acquired customer; tenure and event flag are ready for lifelines
    (``duration_col="tenure_days"``, ``event_col="churned"``)."""
    sc: Scenario = rec.scenario
    col = rec.customers
    seg_names = [s.name for s in sc.population.segments]
    n = len(col["id"])
    acquired = col["acquired_at"]
    churned_at = col["churned_at"]
    is_churned = ~np.isnan(churned_at)
    customers = pd.DataFrame({
        "customer_id": col["id"],
        "segment": pd.Categorical.from_codes(col["segment"], seg_names) if n
        else pd.Categorical([], categories=seg_names),
        "channel": pd.Series(col["channel"], dtype="object"),
        "referred_by": col["referred_by"],
        "aware_at": col["aware_at"],
        "acquired_at": acquired,
        "churned_at": churned_at,
        "churn_reason": pd.Series([r or None for r in col["churn_reason"]], dtype="object"),
        "churned": is_churned,
        "tenure_days": np.where(is_churned, churned_at, rec.horizon) - acquired,
        "purchases": col["purchases"],
        "revenue": col["revenue"],
        "reward_cost": col["reward_cost"],
        "service_cost": col["service_cost"],
        "clv": col["clv"],
        "satisfaction": col["satisfaction"],
        "nps_class": pd.Categorical.from_codes(col["nps"], NPS_CLASSES) if n
        else pd.Categorical([], categories=NPS_CLASSES),
        "service_contacts": col["contacts"],
        "winbacks": col["winbacks"],
        "purchase_rate": col["rate"],
        "dropout_probability": col["p_drop"],
        "churn_hazard": col["hazard"],
        "sens_reward": col["s_reward"],
        "sens_price": col["s_price"],
        "sens_service": col["s_service"],
        "sens_personalisation": col["s_personalisation"],
    }, copy=False)   # the columns are fresh arrays: no need to copy them again
    for columns in rec.policy_columns:     # one policy per type: the names do not collide
        for name, values in columns.items():
            customers[name] = values
    return customers


def _timeline(rec: RunRecords) -> pd.DataFrame:
    """One row per day: counts, money by kind (currency), profit and policy-recorded columns."""
    days = rec.days
    led = rec.ledger
    tl = {"day": np.arange(days, dtype=np.int64)}
    tl.update({k: rec.daily[k] for k in DAILY_COUNTS})
    m = rec.scenario.economics.gross_margin_rate
    for k in (*INCOME_KINDS, *COST_KINDS):
        arr = np.asarray(led.daily[k][:days], dtype=float)
        arr[-1] += led.daily[k][days]  # events exactly at the horizon belong to the last day
        tl[k] = arr
    tl["gross_margin"] = tl["revenue"] * m
    tl["profit"] = tl["gross_margin"] + tl["fee_revenue"] - sum(tl[k] for k in COST_KINDS)
    tl["cumulative_profit"] = np.cumsum(tl["profit"])
    for name, values in rec.series.items():
        tl[name] = np.asarray(values[:days], dtype=float)
    return pd.DataFrame(tl)
