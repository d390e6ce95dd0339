"""RunResult: what one simulation returns (the contract in DESIGN.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np
import pandas as pd

from . import metrics, survival
from .engine.customer import NPS_CLASSES
from .records import COST_KINDS, INCOME_KINDS, TraceEvent
from .scenario import STAGES, Scenario


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


def build_result(world, seed, elapsed: float, release: bool = False) -> RunResult:
    """Turn a finished :class:`~loopsim.engine.world.World`'s records into a :class:`RunResult`.

    ``release=True`` (used by :func:`loopsim.simulate`, which discards the world) lets the world
    drop its customer objects once the customers frame and the policies' summaries are built,
    so the other frames do not add to the peak memory of large runs."""
    sc: Scenario = world.scenario
    customers = _customers_frame(world)
    # policies' summaries may look at customers: compute them now, add them below in order
    policy_summaries = []
    for p in world.policies:
        fn = getattr(p, "summary", None)
        if callable(fn):
            policy_summaries.append(fn(world))
    if release:
        world._release_customers()
    transactions = world.tx.frame() if world.tx is not None else \
        pd.DataFrame({"customer_id": [], "time": [], "amount": [], "discount": [], "gross": []})
    contacts = world.contacts.frame()
    timeline = _timeline(world)
    summary = _summary(world, customers, contacts, policy_summaries)
    return RunResult(scenario=sc, seed=seed, summary=summary, customers=customers,
                     transactions=transactions, timeline=timeline, contacts=contacts,
                     trace_events=list(world.tracer.events) if world.tracer is not None else [],
                     elapsed_seconds=elapsed)


def _customers_frame(world) -> pd.DataFrame:
    """One row per acquired customer; tenure and event flag are ready for lifelines
    (``duration_col="tenure_days"``, ``event_col="churned"``)."""
    sc: Scenario = world.scenario
    horizon = world.horizon
    cs = world.customers
    seg_names = [s.name for s in sc.population.segments]
    n = len(cs)

    def col(attr, dtype=float):
        return np.fromiter(map(attrgetter(attr), cs), dtype=dtype, count=n)

    acquired = col("acquired_at")
    churned_at = col("churned_at")
    is_churned = ~np.isnan(churned_at)
    customers = pd.DataFrame({
        "customer_id": col("id", np.int64),
        "segment": pd.Categorical.from_codes(col("segment", np.int64), seg_names) if n
        else pd.Categorical([], categories=seg_names),
        "channel": pd.Series([c.channel for c in cs], dtype="object"),
        "referred_by": col("referred_by", np.int64),
        "aware_at": col("aware_at"),
        "acquired_at": acquired,
        "churned_at": churned_at,
        "churn_reason": pd.Series([c.churn_reason or None for c in cs], dtype="object"),
        "churned": is_churned,
        "tenure_days": np.where(is_churned, churned_at, horizon) - acquired,
        "purchases": col("purchases", np.int64),
        "revenue": col("revenue"),
        "reward_cost": col("reward_cost"),
        "service_cost": col("service_cost"),
        "clv": col("clv"),
        "satisfaction": col("satisfaction"),
        "nps_class": pd.Categorical.from_codes(col("nps", np.int64), NPS_CLASSES) if n
        else pd.Categorical([], categories=NPS_CLASSES),
        "service_contacts": col("contacts", np.int64),
        "winbacks": col("winbacks", np.int64),
        "purchase_rate": col("rate"),
        "dropout_probability": col("p_drop"),
        "churn_hazard": col("hazard"),
        "sens_reward": col("s_reward"),
        "sens_price": col("s_price"),
        "sens_service": col("s_service"),
        "sens_personalisation": col("s_personalisation"),
    }, copy=False)   # the columns are fresh arrays: no need to copy them again
    return customers


def _timeline(world) -> pd.DataFrame:
    """One row per day: counts, money by kind (currency), profit and policy-recorded columns."""
    days = world.days
    led = world.ledger
    tl = {
        "day": np.arange(days, dtype=np.int64),
        "active": np.asarray(world.snap_active[:days], dtype=np.int64),
        "promoters": np.asarray(world.snap_promoters[:days], dtype=np.int64),
        "detractors": np.asarray(world.snap_detractors[:days], dtype=np.int64),
        "in_funnel": np.asarray(world.snap_funnel[:days], dtype=np.int64),
        "new_prospects": np.asarray(world.d_prospects[:days], dtype=np.int64),
        "new_customers": np.asarray(world.d_new[:days], dtype=np.int64),
        "churned": np.asarray(world.d_churned[:days], dtype=np.int64),
        "won_back": np.asarray(world.d_won_back[:days], dtype=np.int64),
        "purchases": np.asarray(world.d_purchases[:days], dtype=np.int64),
    }
    m = world.scenario.economics.gross_margin_rate
    for k in (*INCOME_KINDS, *COST_KINDS):
        arr = np.asarray(led.daily[k][:days], dtype=float)
        arr[-1] += led.daily[k][days]  # events exactly at the horizon belong to the last day
        tl[k] = arr
    tl["gross_margin"] = tl["revenue"] * m
    tl["profit"] = tl["gross_margin"] + tl["fee_revenue"] - sum(tl[k] for k in COST_KINDS)
    tl["cumulative_profit"] = np.cumsum(tl["profit"])
    for name, values in world.series.items():
        tl[name] = np.asarray(values[:days], dtype=float)
    return pd.DataFrame(tl)


def _summary(world, customers: pd.DataFrame, contacts: pd.DataFrame,
             policy_summaries: list[dict[str, float]]) -> dict[str, float]:
    """The run's summary metrics: the core metrics first, in order, then the others."""
    sc: Scenario = world.scenario
    led = world.ledger
    m = sc.economics.gross_margin_rate
    n = len(customers)
    summary: dict[str, float] = {}
    summary.update(metrics.customer_metrics(customers))
    summary.update(metrics.money_metrics(led, m))
    summary["nps"] = metrics.nps(world.final_class[2], world.final_class[0], world.final_active)
    desk = world.desk
    summary.update(metrics.service_metrics(contacts, sc.service.warmup_days, desk.channel_stats(world.horizon)))
    summary["service_contacts_open_at_end"] = float(len(desk.in_flight))
    summary["service_repeat_contacts"] = float(desk.repeats)
    summary["service_recoveries"] = float(desk.recoveries)
    summary["service_defections"] = float(desk.defections)
    summary["customers_with_unresolved_problems"] = float(len(desk.unresolved))
    summary["points_liability"] = 0.0
    summary["prospects"] = float(world.prospects_total)
    for i, s in enumerate(STAGES):
        summary[f"funnel_{s}"] = float(world.funnel_entered[i])
    from_funnel = int((customers["channel"].isin(["marketing", "organic", "referral"])).sum()) if n else 0
    summary["funnel_conversion"] = metrics._safe_div(from_funnel, world.prospects_total) \
        if world.prospects_total else math.nan
    summary["referrals"] = float(world.referrals)
    summary["winback_attempts"] = float(world.winback_attempts)
    summary["winbacks"] = float(world.winback_successes)
    acq = summary["acquisition_cost"]
    new = from_funnel
    summary["cac"] = metrics._safe_div(acq, new) if new else math.nan
    summary["ltv_cac"] = summary["clv_mean"] / summary["cac"] if new and summary["cac"] > 0 else math.nan
    for ps in policy_summaries:
        for k, v in ps.items():
            summary[k] = summary.get(k, 0.0) + float(v) if k == "points_liability" else float(v)
    ordered = {k: float(summary[k]) for k in metrics.CORE_METRICS}
    ordered.update({k: float(v) for k, v in summary.items() if k not in ordered})
    return ordered
