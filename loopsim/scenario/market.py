"""Scenario sections for time, the market (acquisition), the population and the economics."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from ..dists import Beta, Distribution, Fixed
from .base import (
    MAX_ARRIVALS_PER_DAY,
    MAX_HORIZON_DAYS,
    MAX_INITIAL_CUSTOMERS,
    MAX_PER_PROMOTER_PER_DAY,
    _check_nonneg,
    _check_prob,
    _Model,
)


class Time(_Model):
    """Horizon and money-of-time settings."""

    horizon_days: float = Field(365.0, gt=0, le=MAX_HORIZON_DAYS, description="Simulated period "
                                "(days; at most 365,000 = 1,000 years).")
    discount_rate_annual: float = Field(0.10, ge=0, le=1,
                                        description="Annual discount rate for discounted metrics.")
    record_transactions: bool = Field(True, description="Keep the transaction table.")


class Competitor(_Model):
    """A competitor that poaches customers (an extra churn hazard, reason 'competitor')."""

    hazard_per_day: float = Field(0.0, ge=0, description="Poaching hazard (1/day) for a customer "
                                  "with price sensitivity 1; scales linearly with sensitivity.")
    switch_share: float = Field(0.0, ge=0, le=1, description="Share of other churners recorded "
                                "as switching to the competitor rather than lapsing.")


class Market(_Model):
    """Acquisition: marketing, organic and word-of-mouth arrivals, an optional initial cohort."""

    currency: str = "EUR"
    marketing_budget_per_day: float = Field(0.0, ge=0, description="Spend on marketing (currency/day).")
    cost_per_aware: float = Field(1.0, gt=0, description="Marketing cost of one aware prospect (currency).")
    organic_arrivals_per_day: float = Field(0.0, ge=0, le=MAX_ARRIVALS_PER_DAY, description="Prospects/day "
                                            "aware without spend (at most 1,000,000).")
    word_of_mouth_per_promoter_per_day: float = Field(
        0.0, ge=0, le=MAX_PER_PROMOTER_PER_DAY, description="Aware prospects/day created by each current "
        "promoter (unattributed; at most 1,000).")
    market_size: int | None = Field(None, ge=1, description="Cap on the number of prospects ever aware.")
    initial_customers: int = Field(0, ge=0, le=MAX_INITIAL_CUSTOMERS, description="Cohort of customers "
                                   "present at day 0 (at most 10,000,000: 1M customers take about "
                                   "0.9 GB of memory on the compiled engine, 1.5 GB on the Python "
                                   "engine).")
    initial_first_purchase: bool = Field(
        True, description="true: the cohort makes its first purchase at day 0 (plus spread); "
        "false: they are existing customers whose next purchase comes after an inter-purchase time.")
    initial_spread_days: float = Field(0.0, ge=0, description="First purchases spread uniformly over "
                                       "[0, spread] days.")
    competitor: Competitor = Competitor()
    competing_programmes: float = Field(0.0, ge=0, le=100, description="Mean number of competing "
                                        "loyalty programmes a customer also belongs to (count); each "
                                        "one dilutes a programme's retention ties (Meyer-Waarden 2007).")

    @model_validator(mode="after")
    def _check(self):
        if self.marketing_budget_per_day / self.cost_per_aware > MAX_ARRIVALS_PER_DAY:
            raise ValueError(f"marketing_budget_per_day / cost_per_aware (prospects made aware a day) must "
                             f"be at most {MAX_ARRIVALS_PER_DAY:,} (it is "
                             f"{self.marketing_budget_per_day / self.cost_per_aware:.6g})")
        return self


class Spend(_Model):
    """Spend per purchase (currency). ``gamma_gamma``: each customer has a rate nu ~ Gamma(q, gamma)
    and each purchase is Gamma(p, nu) (Fader, Hardie & Lee 2005); ``distribution``: each customer's
    mean spend is drawn from ``customer_mean`` and each purchase is that mean times ``noise``."""

    model: Literal["gamma_gamma", "distribution"] = "distribution"
    p: float | None = Field(None, gt=0)
    q: float | None = Field(None, gt=0)
    gamma: float | None = Field(None, gt=0)
    customer_mean: Distribution = Fixed(value=50.0)
    noise: Distribution = Fixed(value=1.0)

    @model_validator(mode="after")
    def _check(self):
        if self.model == "gamma_gamma":
            missing = [k for k in ("p", "q", "gamma") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"gamma_gamma spend needs p, q and gamma (missing: {', '.join(missing)})")
            if self.q <= 1:
                raise ValueError("gamma_gamma q must be > 1 for the mean spend to exist")
        return self

    @field_validator("customer_mean", "noise")
    @classmethod
    def _nonneg(cls, v, info):
        return _check_nonneg(v, info.field_name)

    @property
    def mean(self) -> float:
        """Population mean spend per purchase (currency)."""
        if self.model == "gamma_gamma":
            return self.p * self.gamma / (self.q - 1)
        return self.customer_mean.mean * self.noise.mean


class Sensitivities(_Model):
    """How strongly a customer responds (0 = not at all, 1 = fully) to each lever; policies scale
    their behavioural effects by these."""

    reward: Distribution = Beta(a=2, b=2)
    price: Distribution = Beta(a=2, b=2)
    service: Distribution = Beta(a=2, b=2)
    personalisation: Distribution = Beta(a=2, b=2)

    @field_validator("reward", "price", "service", "personalisation")
    @classmethod
    def _prob(cls, v, info):
        return _check_prob(v, info.field_name)


class Segment(_Model):
    """A customer segment; a population is a mixture of segments with shares."""

    name: str = "all"
    share: float = Field(1.0, gt=0, le=1)
    purchase_rate: Distribution = Field(Fixed(value=1.0), description="Purchases per time unit.")
    purchase_timing: Literal["poisson", "periodic"] = "poisson"
    dropout: Distribution = Field(Fixed(value=0.0), description="Probability of dropping out after a purchase.")
    churn_hazard: Distribution = Field(Fixed(value=0.0), description="Lifetime hazard per time unit.")
    spend: Spend = Spend()
    sensitivity: Sensitivities = Sensitivities()
    initial_satisfaction: Distribution = Field(Fixed(value=7.5), description="0-10 scale.")

    @field_validator("purchase_rate", "churn_hazard", "initial_satisfaction")
    @classmethod
    def _nonneg(cls, v, info):
        return _check_nonneg(v, info.field_name)

    @field_validator("dropout")
    @classmethod
    def _prob(cls, v, info):
        return _check_prob(v, info.field_name)


class Population(_Model):
    """Heterogeneous customers (see ``docs/model.md``)."""

    time_unit_days: float = Field(1.0, gt=0, description="Unit of purchase_rate and churn_hazard (days).")
    dropout_timing: Literal["after_repeat", "after_every"] = Field(
        "after_repeat", description="after_repeat: BG/NBD, dropout possible after each repeat purchase; "
        "after_every: also right after the first purchase (discrete-time contractual).")
    segments: tuple[Segment, ...] = (Segment(),)

    @field_validator("segments")
    @classmethod
    def _shares(cls, v):
        if not v:
            raise ValueError("at least one segment is required")
        total = sum(s.share for s in v)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares must sum to 1 (they sum to {total:g})")
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError("segment names must be unique")
        return v


class Economics(_Model):
    """Money that is not tied to a policy."""

    gross_margin_rate: float = Field(0.3, ge=0, le=1, description="Margin share of list-price revenue.")
    fixed_cost_per_day: float = Field(0.0, ge=0, description="Overheads (currency/day).")


# --------------------------------------------------------------------------- policies
