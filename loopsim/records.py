"""What a run records: the money ledger, transactions, service contacts and journey traces.

Records hold **undiscounted** money in the scenario's currency and times in days. Discounting is
done here only as a running total so that discounted metrics use exact event times; every
metric is computed in :mod:`loopsim.metrics` from these records, never from engine internals.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any

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

    def post(self, kind: str, t: float, amount: float) -> None:
        """Record ``amount`` (currency, >= 0) of ``kind`` at day ``t``."""
        self.total[kind] += amount
        self.discounted[kind] += amount * math.exp(-self.delta * t)
        self.daily[kind][min(int(t), self.days)] += amount


class TransactionLog:
    """Columnar transaction store (compact arrays: millions of rows stay small).

    The engine appends rows to plain Python lists (``cid``, ``t``, ``amount``; ``list.append`` is
    several times cheaper than ``array.append``, which parses its argument) and :meth:`flush` moves
    them into the compact arrays, once a simulated day and before :meth:`frame`. Discounts are
    sparse (most purchases have none): only the rows with a discount are kept.
    """

    def __init__(self) -> None:
        self.customer_id = array("q")
        self.time = array("d")
        self.amount = array("d")
        self.disc_row = array("q")     # rows with a non-zero discount ...
        self.disc_value = array("d")   # ... and their discounts
        self.cid: list[int] = []       # rows not yet flushed
        self.t: list[float] = []
        self.amt: list[float] = []

    def __len__(self) -> int:
        return len(self.time) + len(self.t)

    def flush(self) -> None:
        """Move the buffered rows into the arrays."""
        if self.t:
            self.customer_id.frombytes(memoryview(np.array(self.cid, dtype=np.int64)).cast("B"))
            self.time.frombytes(memoryview(np.array(self.t, dtype=np.float64)).cast("B"))
            self.amount.frombytes(memoryview(np.array(self.amt, dtype=np.float64)).cast("B"))
            self.cid.clear()
            self.t.clear()
            self.amt.clear()

    def frame(self) -> pd.DataFrame:
        """customer_id, time (days), amount (paid, currency), gross and discount (currency)."""
        self.flush()
        n = len(self.time)
        amount = np.frombuffer(self.amount, dtype=np.float64) if n else np.empty(0)
        disc = np.zeros(n)
        if len(self.disc_row):
            disc[np.frombuffer(self.disc_row, dtype=np.int64)] = np.frombuffer(self.disc_value, dtype=np.float64)
        cols = {
            "customer_id": np.frombuffer(self.customer_id, dtype=np.int64) if n else np.empty(0, np.int64),
            "time": np.frombuffer(self.time, dtype=np.float64) if n else np.empty(0),
            "amount": amount,
            "discount": disc,
            "gross": amount + disc,
        }
        return pd.DataFrame(cols, copy=False)


class ContactLog:
    """Service contacts: one row per contact that reached the desk.

    :meth:`add` buffers a row as a tuple (cheaper than appending to eight arrays); :meth:`flush`
    moves buffered rows into the compact column arrays every :attr:`CHUNK` rows and before
    :meth:`frame`.
    """

    OUTCOMES = ("served", "abandoned", "balked")
    CHUNK = 256      # small: the buffered rows are still in the CPU cache when flushed
    #: array typecodes of the columns after ``reason`` (none here; subclasses add columns)
    EXTRA: tuple[tuple[str, str], ...] = ()

    def __init__(self):
        self.customer_id = array("q")
        self.arrived = array("d")
        self.wait = array("d")
        self.handling = array("d")
        self.outcome = array("b")   # index into OUTCOMES
        self.resolved = array("b")
        self.priority = array("q")
        self.reason = []            # str per contact
        for name, code in self.EXTRA:
            setattr(self, name, array(code))
        self.rows: list[tuple] = []   # buffered rows

    def __len__(self) -> int:
        return len(self.arrived) + len(self.rows)

    def add(self, cid: int, arrived: float, wait: float, handling: float, outcome: int, resolved: bool,
            priority: int, reason: str) -> None:
        rows = self.rows
        rows.append((cid, arrived, wait, handling, outcome, 1 if resolved else 0, priority, reason))
        if len(rows) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        """Move the buffered rows into the column arrays."""
        rows = self.rows
        if not rows:
            return
        cols = list(zip(*rows, strict=True))
        self.rows = []
        names = ("customer_id", "arrived", "wait", "handling", "outcome", "resolved", "priority")
        dtypes = (np.int64, np.float64, np.float64, np.float64, np.int8, np.int8, np.int64)
        for name, dt, col in zip(names, dtypes, cols[:7], strict=True):
            getattr(self, name).frombytes(memoryview(np.array(col, dtype=dt)).cast("B"))
        self.reason.extend(cols[7])
        for (name, code), col in zip(self.EXTRA, cols[8:], strict=True):
            arr = getattr(self, name)
            arr.frombytes(memoryview(np.array(col, dtype=np.dtype(code))).cast("B"))

    def frame(self) -> pd.DataFrame:
        """One row per contact: customer_id, arrived, wait (days), handling (days), outcome, resolved."""
        self.flush()
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
    """One line of a customer's journey.

    ``state`` is what the customer looked like right after the event, when the tracer was bound
    to a world (:meth:`Tracer.bind`): ``satisfaction`` (0-10 scale) and the programme progress
    the scenario has (``stamps``, ``points``, ``tier``, ``member``). Satisfaction changes are
    events of their own (``event == "satisfaction"``) with ``before``, ``after`` and ``cause``.
    """

    time: float
    customer_id: int
    event: str
    detail: str = ""
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Tracer:
    """Collects journey events for chosen customers (``ids=None``: all ids below ``limit``).

    Bound to a world (``simulate`` does it), each event also records the customer's satisfaction
    and programme progress, and every satisfaction change becomes an event naming its cause (see
    :mod:`loopsim.tracing`). Unbound, it records the engine's lines only.
    """

    ids: set[int] | None = None
    limit: int = 500
    events: list[TraceEvent] = field(default_factory=list)
    probe: Any = field(default=None, repr=False)   # a loopsim.tracing.Probe once bound

    def wants(self, cid: int) -> bool:
        """Whether customer ``cid`` is traced."""
        return cid in self.ids if self.ids is not None else cid < self.limit

    def add(self, t: float, cid: int, event: str, detail: str = "") -> None:
        """Record ``event`` of customer ``cid`` at day ``t`` (ignored for untraced customers)."""
        if self.wants(cid):
            state = self.probe.before_event(t, cid, event) if self.probe is not None else {}
            self.events.append(TraceEvent(t, cid, event, detail, state))

    def bind(self, world: Any) -> None:
        """Read satisfaction and programme progress from ``world`` while it runs."""
        from .tracing.probe import Probe

        self.probe = Probe(self, world)

    def finish(self) -> None:
        """After the run: record satisfaction changes not yet attributed; drop the world."""
        if self.probe is not None:
            self.probe.finish()
            self.probe = None



#: the per-customer columns an engine hands over (arrays aligned on acquired customers, in order of
#: acquisition); ``channel`` and ``churn_reason`` are lists of strings ("" = none)
CUSTOMER_COLUMNS = ("id", "segment", "channel", "referred_by", "aware_at", "acquired_at", "churned_at",
                    "churn_reason", "purchases", "revenue", "reward_cost", "service_cost", "clv",
                    "satisfaction", "nps", "contacts", "winbacks", "rate", "p_drop", "hazard",
                    "s_reward", "s_price", "s_service", "s_personalisation")

#: the per-day counts an engine hands over (index = day; the market tick's snapshots first)
DAILY_COUNTS = ("active", "promoters", "detractors", "in_funnel", "new_prospects", "new_customers",
                "churned", "won_back", "purchases")


@dataclass
class RunRecords:
    """Everything one run recorded, engine-independent: what :func:`loopsim.result.build_result`
    reads (it never reads an engine's internals). Both engines produce one.

    Money is undiscounted currency (the ledger also keeps discounted totals), times are days.
    """

    scenario: Any
    horizon: float                             # days
    days: int                                  # ceil(horizon)
    customers: dict[str, Any]                  # CUSTOMER_COLUMNS -> arrays / lists
    transactions: pd.DataFrame
    contacts: pd.DataFrame
    ledger: Ledger
    daily: dict[str, np.ndarray]               # DAILY_COUNTS -> int arrays of length days
    series: dict[str, list[float]]             # policy-recorded timeline columns
    final_active: int
    final_class: list[int]                     # active detractors, passives, promoters at the end
    prospects: int
    funnel_entered: list[int]                  # per funnel stage
    referrals: int
    winback_attempts: int
    winbacks: int
    desk: dict[str, Any]                       # channel_stats, open_at_end, repeats, recoveries,
                                               # defections, unresolved (customers)
    policy_summaries: list[dict[str, float]] = field(default_factory=list)
    #: per policy, its columns of the customers table (name -> array in ``customers`` order),
    #: from a policy's ``customer_columns`` (e.g. the tiers' demotions)
    policy_columns: list[dict[str, Any]] = field(default_factory=list)
    trace_events: list[TraceEvent] = field(default_factory=list)
