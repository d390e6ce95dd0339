"""What a run records: the money ledger, transactions, service contacts and journey traces.

Records hold **undiscounted** money in the scenario's currency and times in days. Discounting is
done here only as a running total so that discounted metrics use exact event times; every
metric is computed in :mod:`loopsim.metrics` from these records, never from engine internals.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Money kinds in the ledger. Income kinds are added to profit, cost kinds subtracted.
INCOME_KINDS = ("revenue", "fee_revenue")
COST_KINDS = ("reward_cost", "acquisition_cost", "service_cost", "personalisation_cost",
              "programme_cost", "winback_cost", "fixed_cost")
LEDGER_KINDS = INCOME_KINDS + COST_KINDS


class Ledger:
    """Money by kind: totals, discounted totals and per-day sums.

    Parameters
    ----------
    days:
        Number of day buckets (``ceil(horizon)``).
    discount_rate_annual:
        Annual discount rate; the discount factor at day ``t`` is ``(1 + rate) ** (-t / 365)``.
    """

    def __init__(self, days: int, discount_rate_annual: float):
        self.days = days
        self.delta = math.log1p(discount_rate_annual) / 365.0
        self.total = dict.fromkeys(LEDGER_KINDS, 0.0)
        self.discounted = dict.fromkeys(LEDGER_KINDS, 0.0)
        self.daily = {k: [0.0] * (days + 1) for k in LEDGER_KINDS}

    def discount(self, t: float) -> float:
        """Discount factor at day ``t``."""
        return math.exp(-self.delta * t)

    def post(self, kind: str, t: float, amount: float) -> None:
        """Record ``amount`` (currency, >= 0) of ``kind`` at day ``t``."""
        self.total[kind] += amount
        self.discounted[kind] += amount * math.exp(-self.delta * t)
        self.daily[kind][min(int(t), self.days)] += amount


class TransactionLog:
    """Columnar transaction store (compact arrays: millions of rows stay small)."""

    def __init__(self, with_discount: bool):
        self.customer_id = array("q")
        self.time = array("d")
        self.amount = array("d")
        self.discount = array("d") if with_discount else None

    def __len__(self) -> int:
        return len(self.time)

    def frame(self) -> pd.DataFrame:
        """customer_id, time (days), amount (paid, currency), gross and discount (currency)."""
        amount = np.frombuffer(self.amount, dtype=np.float64) if len(self.amount) else np.empty(0)
        df = pd.DataFrame({
            "customer_id": np.frombuffer(self.customer_id, dtype=np.int64) if len(self.customer_id) else np.empty(0, np.int64),
            "time": np.frombuffer(self.time, dtype=np.float64) if len(self.time) else np.empty(0),
            "amount": amount,
        })
        disc = (np.frombuffer(self.discount, dtype=np.float64) if self.discount is not None and len(self.discount)
                else np.zeros(len(df)))
        df["discount"] = disc
        df["gross"] = amount + disc
        return df


class ContactLog:
    """Service contacts: one row per contact that reached the desk."""

    OUTCOMES = ("served", "abandoned", "balked")

    def __init__(self):
        self.customer_id = array("q")
        self.arrived = array("d")
        self.wait = array("d")
        self.handling = array("d")
        self.outcome = array("b")   # index into OUTCOMES
        self.resolved = array("b")
        self.priority = array("q")
        self.reason = []            # str per contact

    def __len__(self) -> int:
        return len(self.arrived)

    def add(self, cid: int, arrived: float, wait: float, handling: float, outcome: int, resolved: bool,
            priority: int, reason: str) -> None:
        self.customer_id.append(cid)
        self.arrived.append(arrived)
        self.wait.append(wait)
        self.handling.append(handling)
        self.outcome.append(outcome)
        self.resolved.append(1 if resolved else 0)
        self.priority.append(priority)
        self.reason.append(reason)

    def frame(self) -> pd.DataFrame:
        """One row per contact: customer_id, arrived, wait (days), handling (days), outcome, resolved."""
        return pd.DataFrame({
            "customer_id": np.asarray(self.customer_id, dtype=np.int64),
            "arrived": np.asarray(self.arrived, dtype=float),
            "wait": np.asarray(self.wait, dtype=float),
            "handling": np.asarray(self.handling, dtype=float),
            "outcome": pd.Categorical.from_codes(np.asarray(self.outcome, dtype=np.int8), self.OUTCOMES)
            if len(self.outcome) else pd.Categorical([], categories=self.OUTCOMES),
            "resolved": np.asarray(self.resolved, dtype=bool),
            "priority": np.asarray(self.priority, dtype=np.int64),
            "reason": pd.Series(self.reason, dtype="object"),
        })


@dataclass
class TraceEvent:
    """One line of a customer's journey."""

    time: float
    customer_id: int
    event: str
    detail: str = ""


@dataclass
class Tracer:
    """Collects journey events for chosen customers (``ids=None``: all ids below ``limit``)."""

    ids: set[int] | None = None
    limit: int = 500
    events: list[TraceEvent] = field(default_factory=list)

    def wants(self, cid: int) -> bool:
        return cid in self.ids if self.ids is not None else cid < self.limit

    def add(self, t: float, cid: int, event: str, detail: str = "") -> None:
        if self.wants(cid):
            self.events.append(TraceEvent(t, cid, event, detail))

    def for_customer(self, cid: int) -> list[TraceEvent]:
        return [e for e in self.events if e.customer_id == cid]
