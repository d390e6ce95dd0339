"""The Python side of the compiled policies: their tables for the kernel (:mod:`.programmes`),
their daily costs (``on_day``, run by the driver) and their summaries, as the Python policies
compute them.

A policy type has a compiled form when it is in :data:`COMPILED`; ``engine="auto"`` runs a
scenario on the compiled engine only if every policy type of it has one.
"""

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

    def __init__(self, index: int, params):
        self.j = index
        self.p = params
        self.operating_cost = 0.0
        self.member_days = 0.0

    def config(self, sc) -> dict[int, float]:
        return _mechanisms(sc, self.p.behaviour)

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


class CompiledPunchCard(CompiledProgramme):
    code = P.PUNCH_CARD
    prefix = "punch_card"

    def config(self, sc) -> dict[int, float]:
        p = self.p
        out = super().config(sc)
        out.update({P.P_REQ: p.stamps_required, P.P_PRE: p.prefilled_stamps,
                    P.P_VALUE: math.nan if p.reward_value is None else p.reward_value})
        return out

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        started = float(ps[P.S_CARDS_STARTED])
        out = {"punch_card_redemptions": float(ps[P.S_REDEMPTIONS]),
               "punch_card_stamps_issued": float(ps[P.S_STAMPS]),
               "punch_card_cards_started": started,
               "punch_card_cards_completed": float(ps[P.S_CARDS_COMPLETED]),
               "punch_card_completion_rate": float(ps[P.S_CARDS_COMPLETED]) / started
               if started else float("nan"),
               "punch_card_reward_value": float(ps[P.S_REWARD_VALUE])}
        out.update(super().summary(run))
        return out


#: policy type -> its compiled form
COMPILED = {"punch_card": CompiledPunchCard}


def build(sc) -> tuple[list[CompiledProgramme], dict[str, np.ndarray], int, int]:
    """The compiled policies of ``sc`` and their tables (``PT``, ``PC``, ``PS``); the numbers of
    per-customer int and float rows they need."""
    pols = [COMPILED[p.type](j, p) for j, p in enumerate(sc.policies)]
    n = len(pols)
    pt = np.zeros((n, 3), dtype=np.int64)
    pc = np.zeros((n, P.N_PC))
    rows_i = rows_f = 0
    for j, pol in enumerate(pols):
        pt[j] = (pol.code, rows_i, rows_f)
        rows_i += P.ROWS_I[pol.code]
        rows_f += P.ROWS_F[pol.code]
        for k, v in pol.config(sc).items():
            pc[j, k] = float(v)
    return pols, {"PT": pt, "PC": pc, "PS": np.zeros((n, P.N_PS))}, rows_i, rows_f
