"""What a finished :class:`~loopsim.engine.world.World` hands over: its :class:`RunRecords`."""

from __future__ import annotations

from operator import attrgetter

import numpy as np
import pandas as pd

from ..records import CUSTOMER_COLUMNS, RunRecords

_EMPTY_TX = {"customer_id": np.empty(0, np.int64), "time": np.empty(0), "amount": np.empty(0),
             "discount": np.empty(0), "gross": np.empty(0)}
_STR_COLUMNS = ("channel", "churn_reason")
_INT_COLUMNS = ("id", "segment", "referred_by", "purchases", "nps", "contacts", "winbacks")


def customer_columns(customers: list) -> dict:
    """The :data:`CUSTOMER_COLUMNS` of a list of customer objects."""
    n = len(customers)
    out: dict = {}
    for name in CUSTOMER_COLUMNS:
        if name in _STR_COLUMNS:
            out[name] = [getattr(c, name) for c in customers]
        else:
            dtype = np.int64 if name in _INT_COLUMNS else float
            out[name] = np.fromiter(map(attrgetter(name), customers), dtype=dtype, count=n)
    return out


def collect(world, release: bool = False) -> RunRecords:
    """The records of a finished world. ``release=True`` lets the world drop its customers as
    soon as their columns and the policies' summaries are taken (lower peak memory)."""
    customers = customer_columns(world.customers)
    # policies' summaries may look at customers: take them before the customers are released
    summaries = [p.summary(world.ctx) for p in world.policies if callable(getattr(p, "summary", None))]
    columns = [p.customer_columns(world.ctx, customers["id"]) for p in world.policies
               if callable(getattr(p, "customer_columns", None))]
    if release:
        world._release_customers()
    days = world.days
    daily = {"active": world.snap_active, "promoters": world.snap_promoters,
             "detractors": world.snap_detractors, "in_funnel": world.snap_funnel,
             "new_prospects": world.d_prospects, "new_customers": world.d_new,
             "churned": world.d_churned, "won_back": world.d_won_back, "purchases": world.d_purchases}
    desk = world.desk
    return RunRecords(
        scenario=world.scenario, horizon=world.horizon, days=days, customers=customers,
        transactions=world.tx.frame() if world.tx is not None else pd.DataFrame(_EMPTY_TX),
        contacts=world.contacts.frame(), ledger=world.ledger,
        daily={k: np.asarray(v[:days], dtype=np.int64) for k, v in daily.items()},
        series=world.series, final_active=world.final_active, final_class=list(world.final_class),
        prospects=world.prospects_total, funnel_entered=list(world.funnel_entered),
        referrals=world.referrals, winback_attempts=world.winback_attempts,
        winbacks=world.winback_successes,
        desk={"channel_stats": desk.channel_stats(world.horizon), "open_at_end": len(desk.in_flight),
              "repeats": desk.repeats, "recoveries": desk.recoveries, "defections": desk.defections,
              "unresolved": len(desk.unresolved)},
        policy_summaries=summaries, policy_columns=columns,
        trace_events=list(world.tracer.events) if world.tracer is not None else [])
