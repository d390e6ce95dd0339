"""The base of the compiled policies' Python side (:mod:`.policies`): configuration from the
behaviour switches, the daily running cost and the summary every reward programme shares."""

from __future__ import annotations

import math

import numpy as np

from ...policies.rewards.behaviour import population_mean_rate
from . import programmes as P


def _mechanisms(sc, b) -> dict[int, float]:
    """The behaviour switches of a programme, as ``Mechanisms`` reads them."""
    heavy = b.heavy_rate_multiple * population_mean_rate(sc) if b.heavy_light else math.inf
    dilution = 1.0 / (1.0 + sc.market.competing_programmes) if b.competition_dilution else 1.0
    return {P.M_ON: b.enabled, P.M_GRADIENT_ON: b.enabled and b.goal_gradient,
            P.M_STRENGTH: b.goal_gradient_strength, P.M_RESET: b.post_reward_reset,
            P.M_ILLUSORY: b.illusory_progress, P.M_HEAVY_RATE: heavy,
            P.M_HEAVY_RESPONSE: b.heavy_response, P.M_EFFECT_DAYS: b.rewarded_effect_days,
            P.M_CHURN_REDUCTION: b.rewarded_churn_reduction, P.M_DILUTION: dilution,
            P.M_REWARDED: b.rewarded_behaviour, P.M_REWARDED_SAT: b.rewarded_satisfaction,
            P.M_ILLUSORY_STRENGTH: b.illusory_progress_strength, P.M_SWITCHING: b.switching_cost,
            P.M_SWITCHING_STRENGTH: b.switching_cost_strength}


class CompiledProgramme:
    """A reward programme on the compiled engine: member cost per day and the summary."""

    code = 0
    prefix = ""
    #: whether the kernel schedules the policy's SimPy timeouts (``ctx.schedule``:
    #: ``calendar.push_simpy``), which the driver then looks for before each tick
    schedules = False

    def __init__(self, index: int, params):
        self.j = index
        self.p = params
        self.operating_cost = 0.0
        self.member_days = 0.0

    @staticmethod
    def unsupported(params) -> str | None:
        """Why the compiled form cannot run a policy with these parameters, or None."""
        return None

    def config(self, sc) -> dict[int, float]:
        return _mechanisms(sc, self.p.behaviour)

    def state_width(self, sc) -> int:
        """Columns of ``S.PS`` (counters and shared state) the policy needs."""
        return max(P.N_PS, getattr(self, "counters", 0))

    def init_state(self, sc, ps: np.ndarray) -> None:
        """Set the policy's row of ``S.PS`` before the run (default: zeros)."""

    def referral_rate_multiplier(self) -> float:
        """The policy's factor on the promoters' referral rate (1: the policy has no such hook)."""
        return 1.0

    def members(self, run) -> int:
        return int(run.a["PS"][self.j, P.S_MEMBERS])

    def on_day(self, run, day: int) -> None:
        """``Programme.on_day``: the day's running cost (programme_cost)."""
        p = self.p
        frac = min(1.0, run.horizon - day)
        members = self.members(run)
        cost = (p.operating_cost_per_day + p.cost_per_member_per_day * members) * frac
        self.member_days += members * frac
        if cost:
            run.post_cost(cost)
            self.operating_cost += cost

    def summary(self, run) -> dict[str, float]:
        return {f"{self.prefix}_members_at_end": float(self.members(run)),
                f"{self.prefix}_operating_cost": float(self.operating_cost)}
