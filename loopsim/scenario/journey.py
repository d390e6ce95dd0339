"""Scenario sections for the funnel and the post-purchase journey."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from ..dists import Distribution, Exponential, Normal
from .base import MAX_PER_PROMOTER_PER_DAY, _check_nonneg, _Model


class Stage(_Model):
    """One funnel stage: time spent in it, then the probability of moving on."""

    conversion: float = Field(0.5, ge=0, le=1, description="Probability of moving to the next stage.")
    dwell: Distribution = Field(Exponential(mean=1.0), description="Days spent in the stage.")

    @field_validator("dwell")
    @classmethod
    def _nonneg(cls, v, info):
        return _check_nonneg(v, info.field_name)


class Funnel(_Model):
    """The six pre-purchase stages; a prospect who fails a conversion is lost."""

    awareness: Stage = Stage(conversion=0.5, dwell=Exponential(mean=2.0))
    interest: Stage = Stage(conversion=0.5, dwell=Exponential(mean=2.0))
    consideration: Stage = Stage(conversion=0.6, dwell=Exponential(mean=3.0))
    intent: Stage = Stage(conversion=0.7, dwell=Exponential(mean=2.0))
    evaluation: Stage = Stage(conversion=0.8, dwell=Exponential(mean=1.0))
    purchase: Stage = Stage(conversion=0.9, dwell=Exponential(mean=0.5))
    referral_entry_stage: Literal["awareness", "interest", "consideration", "intent", "evaluation",
                                  "purchase"] = Field("consideration",
                                                      description="Where referred prospects enter.")

    def stage(self, name: str) -> Stage:
        return getattr(self, name)


class Onboarding(_Model):
    """Onboarding after the first purchase: success or failure moves satisfaction."""

    enabled: bool = False
    duration_days: float = Field(7.0, ge=0)
    success_probability: float = Field(0.9, ge=0, le=1)
    satisfaction_on_success: float = Field(0.5, description="Satisfaction change (points on 0-10).")
    satisfaction_on_failure: float = Field(-2.0, description="Satisfaction change (points on 0-10).")
    contact_probability: float = Field(0.0, ge=0, le=1, description="Chance of an onboarding "
                                       "question to the service desk.")


class Satisfaction(_Model):
    """Satisfaction (0-10, read as the NPS 'likelihood to recommend') and how it drives churn."""

    experience: Distribution = Field(Normal(mean=8.0, sd=1.5, low=0, high=10),
                                     description="Quality of each purchase experience (0-10).")
    learning_rate: float = Field(0.3, gt=0, le=1, description="Weight of a new experience.")
    churn_effect: float = Field(0.0, ge=0, description="Churn intensity multiplier per point below "
                                "reference: exp(churn_effect * (reference - satisfaction)).")
    reference: float = Field(7.0, ge=0, le=10)
    promoter_threshold: float = Field(9.0, ge=0, le=10)
    detractor_threshold: float = Field(7.0, ge=0, le=10)

    @model_validator(mode="after")
    def _check(self):
        if self.detractor_threshold > self.promoter_threshold:
            raise ValueError("detractor_threshold must be <= promoter_threshold")
        return self


class Advocacy(_Model):
    """Referrals by promoters (attributed to a referrer, so referral policies can reward them)."""

    referrals_per_promoter_per_day: float = Field(0.0, ge=0, le=MAX_PER_PROMOTER_PER_DAY,
                                                  description="Referrals/day by each promoter (at most 1,000).")


class Winback(_Model):
    """A win-back attempt some days after churn."""

    enabled: bool = False
    delay_days: float = Field(30.0, ge=0)
    success_probability: float = Field(0.1, ge=0, le=1)
    cost_per_attempt: float = Field(5.0, ge=0)


class Churn(_Model):
    """How an active customer defects (see ``docs/model.md``, "Churn: two processes")."""

    process: Literal["per_purchase", "hazard"] = Field(
        "per_purchase", description="per_purchase: BG/NBD dropout after a purchase (segments' dropout) "
        "and the Pareto/NBD lifetime redrawn at each purchase, the processes the calibration and the "
        "validation fit; hazard: a time-based defection hazard per day (segments' churn_hazard, times "
        "satisfaction, competitor pull and programme ties), independent of purchase frequency.")
    hazard_multiplier: float = Field(1.0, ge=0, le=100, description="Scales every customer's defection "
                                     "hazard under process = \"hazard\" (ratio; a what-if knob, e.g. "
                                     "0.8 = 20% less defection, docs/model.md \"Reichheld's claim\").")


class Journey(_Model):
    """The post-purchase loop."""

    churn: Churn = Churn()
    onboarding: Onboarding = Onboarding()
    satisfaction: Satisfaction = Satisfaction()
    advocacy: Advocacy = Advocacy()
    winback: Winback = Winback()
