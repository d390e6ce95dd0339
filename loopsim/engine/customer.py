"""The customer (and prospect) record the engine moves through the loyalty loop."""

from __future__ import annotations

import math

PROSPECT, ACTIVE, CHURNED, LOST = 0, 1, 2, 3
STATUS_NAMES = ("prospect", "active", "churned", "lost")
NPS_CLASSES = ("detractor", "passive", "promoter")

# what a customer's pending wake-up is for
W_FUNNEL, W_PURCHASE, W_CHURN, W_WINBACK, W_ONBOARDED, W_DEFECT = range(6)


class Customer:
    """One person, from first awareness to churn.

    Policies may read every attribute and change ``satisfaction`` only through
    ``ctx.change_satisfaction`` (so NPS counts stay right). Rates are per day, money in currency.
    """

    # the slots read or written at every purchase come first (they share cache lines)
    __slots__ = (
        "key", "purchases", "spend_shape", "spend_scale", "segment", "last_purchase_at",
        "revenue", "clv", "acq_disc", "satisfaction", "p_drop", "stage", "rate", "periodic",
        "hazard", "s_price", "wake", "id", "s_reward", "nps", "status",
        "channel", "referred_by", "s_service", "s_personalisation",
        "aware_at", "acquired_at", "churned_at", "churn_reason",
        "reward_cost", "service_cost", "contacts", "winbacks", "pctr",
        # time-based defection (journey.churn.process = "hazard", see engine/defection.py):
        # hazard now (1/day), cumulative hazard still to go before defecting, since when, wake-up
        "dh", "dleft", "dref", "dwake",
    )

    def __init__(self, cid: int, key: int, segment: int = 0, rate: float = 0.0, periodic: bool = False,
                 p_drop: float = 0.0, hazard: float = 0.0, spend_scale: float = 0.0,
                 spend_shape: float = 0.0, s_reward: float = 0.5, s_price: float = 0.5,
                 s_service: float = 0.5, s_personalisation: float = 0.5, satisfaction: float = 7.5,
                 nps: int = 1):
        self.id = cid
        self.key = key
        self.segment = segment
        self.rate = rate
        self.periodic = periodic
        self.p_drop = p_drop
        self.hazard = hazard
        self.spend_scale = spend_scale
        self.spend_shape = spend_shape
        self.s_reward = s_reward
        self.s_price = s_price
        self.s_service = s_service
        self.s_personalisation = s_personalisation
        self.satisfaction = satisfaction
        self.nps = nps
        self.status = PROSPECT
        self.stage = 0
        self.channel = ""
        self.referred_by = -1
        self.aware_at = math.nan
        self.acquired_at = math.nan
        self.acq_disc = 1.0
        self.churned_at = math.nan
        self.churn_reason = ""
        self.last_purchase_at = math.nan
        self.purchases = 0
        self.revenue = 0.0
        self.clv = 0.0
        self.reward_cost = 0.0
        self.service_cost = 0.0
        self.contacts = 0
        self.winbacks = 0
        self.wake = None
        self.pctr = None
        self.dh = -1.0
        self.dleft = 0.0
        self.dref = 0.0
        self.dwake = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Customer(id={self.id}, status={STATUS_NAMES[self.status]}, purchases={self.purchases})"


class Purchase:
    """A purchase being made; ``on_purchase`` hooks adjust it before it is booked.

    ``gross`` is the list-price value (currency). A policy that lowers the price adds to
    ``discount`` (booked as reward cost, see ``docs/accounting.md``); any other reward cost goes to
    ``reward_cost``. The customer pays ``gross - discount``.
    """

    __slots__ = ("customer", "time", "gross", "discount", "reward_cost", "index", "redeemed")

    def __init__(self):
        self.customer = None
        self.time = 0.0
        self.gross = 0.0
        self.discount = 0.0
        self.reward_cost = 0.0
        self.index = 0
        self.redeemed = False

    @property
    def paid(self) -> float:
        return self.gross - self.discount
