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
from . import layout as L
from . import personalisation as PZ
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

    def config(self, sc) -> dict[int, float]:
        return _mechanisms(sc, self.p.behaviour)

    def state_width(self, sc) -> int:
        """Columns of ``S.PS`` (counters and shared state) the policy needs."""
        return P.N_PS

    def init_state(self, sc, ps: np.ndarray) -> None:
        """Set the policy's row of ``S.PS`` before the run (default: zeros)."""

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


class CompiledPersonalisation(CompiledProgramme):
    """Personalisation (:mod:`loopsim.policies.personalisation`; kernel: :mod:`.personalisation`)."""

    code = P.PERSONALISATION
    prefix = "personalisation"
    schedules = True

    def config(self, sc) -> dict[int, float]:
        p, X = self.p, PZ
        segs = len(sc.population.segments)
        so = p.segment_offers
        out = {X.X_MODE: X.MODES.index(p.mode), X.X_OFFERS: p.offers, X.X_CONC: p.preference_concentration,
               X.X_ACC: p.accuracy, X.X_HALF: p.history_half_purchases, X.X_INTERVAL: p.contact_interval_days,
               X.X_VALIDITY: p.offer_validity_days, X.X_RATE_UP: p.rate_uplift,
               X.X_BASKET_UP: p.basket_uplift, X.X_CONV_UP: p.conversion_uplift, X.X_DISC: p.discount_rate,
               X.X_RESP_REL: p.response_relevant, X.X_RESP_IRR: p.response_irrelevant,
               X.X_IRR_FATIGUE: p.irrelevant_fatigue, X.X_LAM: math.log(2.0) / p.fatigue_half_life_days,
               X.X_UNSUB: p.unsubscribe_per_fatigue, X.X_SAT_REL: p.satisfaction_relevant,
               X.X_SAT_IRR: p.satisfaction_irrelevant, X.X_PRIV_P: p.privacy_backlash_probability,
               X.X_PRIV_SAT: p.privacy_satisfaction, X.X_COST: p.cost_per_contact, X.X_NSEG: segs}
        for seg in range(segs):     # Personalisation._typical
            out[X.X_TYPICAL + seg] = so[seg] if seg < len(so) else seg % p.offers
        return out

    def state_width(self, sc) -> int:
        return PZ.state_width(len(sc.population.segments), self.p.offers)

    def init_state(self, sc, ps: np.ndarray) -> None:
        ps[PZ.S_QUALITY + len(sc.population.segments):] = 1.0     # the bandit's Beta(1, 1) priors

    def on_day(self, run, day: int) -> None:
        """``Personalisation.on_day``: the platform cost and the day's offer counts."""
        p, ps = self.p, run.a["PS"][self.j]
        if p.platform_cost_per_day:
            run.post_cost(p.platform_cost_per_day, L.L_PERSONAL)
        if p.mode != "none":
            run.record("personalisation_offers", float(ps[PZ.S_DAY_SENT]))
            run.record("personalisation_relevant_offers", float(ps[PZ.S_DAY_RELEVANT]))
        ps[PZ.S_DAY_SENT] = ps[PZ.S_DAY_RELEVANT] = 0.0

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        sent = float(ps[PZ.S_SENT])
        return {"personalisation_offers": sent,
                "personalisation_relevant_share": float(ps[PZ.S_RELEVANT]) / sent if sent else math.nan,
                "personalisation_irrelevant_offers": float(ps[PZ.S_IRRELEVANT]),
                "personalisation_unsubscribes": float(ps[PZ.S_UNSUBS]),
                "personalisation_privacy_backlashes": float(ps[PZ.S_BACKLASHES])}


#: policy type -> its compiled form
COMPILED = {"punch_card": CompiledPunchCard, "personalisation": CompiledPersonalisation}


def build(sc) -> tuple[list[CompiledProgramme], dict[str, np.ndarray], int, int]:
    """The compiled policies of ``sc`` and their tables (``PT``, ``PC``, ``PS``); the numbers of
    per-customer int and float rows they need."""
    pols = [COMPILED[p.type](j, p) for j, p in enumerate(sc.policies)]
    n = len(pols)
    pt = np.zeros((n, 3), dtype=np.int64)
    configs = [pol.config(sc) for pol in pols]
    pc = np.zeros((n, max([P.N_PC, *(max(cf, default=0) + 1 for cf in configs)])))
    ps = np.zeros((n, max([P.N_PS, *(pol.state_width(sc) for pol in pols)])))
    rows_i = rows_f = 0
    for j, pol in enumerate(pols):
        pt[j] = (pol.code, rows_i, rows_f)
        rows_i += P.ROWS_I[pol.code]
        rows_f += P.ROWS_F[pol.code]
        for k, v in configs[j].items():
            pc[j, k] = float(v)
        pol.init_state(sc, ps[j])
    return pols, {"PT": pt, "PC": pc, "PS": ps}, rows_i, rows_f
