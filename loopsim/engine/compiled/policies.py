"""The Python side of the compiled policies: their tables for the kernel (:mod:`.programmes`),
their daily costs (``on_day``, run by the driver) and their summaries, as the Python policies
compute them.

A policy type has a compiled form when it is in :data:`COMPILED`; ``engine="auto"`` runs a
scenario on the compiled engine only if every policy type of it has one.
"""

from __future__ import annotations

import math

import numpy as np

from . import layout as L
from . import membership as M
from . import personalisation as PZ
from . import points as PT
from . import programmes as P
from . import referral as R
from . import tier_priority as T
from . import tiers as TR
from .cashback_host import CompiledCashback, CompiledDiscount
from .exclusive_access_host import CompiledExclusiveAccess
from .policy_base import CompiledProgramme
from .streaks_host import CompiledStreaks


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


class CompiledPoints(CompiledProgramme):
    """Points (:mod:`.points`): the ledger's daily timeline columns and its summary."""

    code = P.POINTS
    prefix = "points"

    def __init__(self, index: int, params):
        super().__init__(index, params)
        p = params
        point_value = p.reward_value / p.redemption_threshold
        self.cost_per_point = point_value if p.cost_per_point is None else p.cost_per_point
        #: pool batches and calendar entries one new customer may need at once (welcome points
        #: and a first purchase: two batches and their expiries, a rolling expiry, a redemption's
        #: hazard refresh)
        self.batches_per_customer = 2 if p.expiry == "fixed" else 0
        self.timers_per_customer = 3

    def config(self, sc) -> dict[int, float]:
        p = self.p
        out = super().config(sc)
        out.update({PT.EARN_RATE: p.earn_rate, PT.EARN_GROSS: p.earn_on == "gross",
                    PT.WELCOME: p.welcome_points, PT.THRESHOLD: p.redemption_threshold,
                    PT.VALUE: p.reward_value, PT.REDEEM_P: p.redeem_probability,
                    PT.EXPIRY: {"none": PT.NO_EXPIRY, "fixed": PT.FIXED, "rolling": PT.ROLLING}[p.expiry],
                    PT.EXPIRY_DAYS: p.expiry_days})
        for i, seg in enumerate(sc.population.segments):
            out[PT.SEG0 + i] = float(p.segment_multipliers.get(seg.name, 1.0))
        return out

    def on_day(self, run, day: int) -> None:
        """``Points.on_day``: the running cost, then the ledger's timeline columns."""
        super().on_day(run, day)
        ps = run.a["PS"][self.j]
        out = float(ps[PT.S_OUTSTANDING])
        run.record("points_liability", out * self.cost_per_point)
        run.record("points_outstanding", out)
        run.record("points_earned_to_date", float(ps[PT.S_EARNED]))
        run.record("points_redeemed_to_date", float(ps[PT.S_REDEEMED]))
        run.record("points_expired_to_date", float(ps[PT.S_EXPIRED]))

    def summary(self, run) -> dict[str, float]:
        a = run.a
        ps = a["PS"][self.j]
        ids = a["acq"][:int(a["ctl"][L.ACQ_N])]
        bal = a["PF"][int(a["PT"][self.j, P.T_ROW_F]) + PT.F_BALANCE][ids].tolist()
        gone = (a["c_status"][ids] != L.ACTIVE).tolist()
        # the same sum in the same order (acquisition order) as the Python policy's
        churned_pts = sum(b for b, g in zip(bal, gone, strict=True) if b > 0 and g)
        e = float(ps[PT.S_EARNED])
        expired = float(ps[PT.S_EXPIRED])
        out = {
            "points_liability": float(ps[PT.S_OUTSTANDING]) * self.cost_per_point,
            "points_earned": e,
            "points_redeemed": float(ps[PT.S_REDEEMED]),
            "points_expired": expired,
            "points_outstanding": float(ps[PT.S_OUTSTANDING]),
            "points_redemptions": float(ps[PT.S_REDEMPTIONS]),
            "breakage_rate": expired / e if e > 0 else float("nan"),
            "points_breakage_expected": (expired + churned_pts) / e if e > 0 else float("nan"),
        }
        out.update(super().summary(run))
        return out


class CompiledTiers(CompiledProgramme):
    """Tiers (:mod:`.tiers`): the tiers' daily member cost and timeline columns, the summary."""

    code = P.TIERS
    prefix = "tiers"

    def __init__(self, index: int, params):
        super().__init__(index, params)
        #: S.PS columns it needs: its counters and the active members of every tier
        self.counters = TR.COUNT0 + len(params.tiers)
        #: calendar entries one new customer may need at once: the window's review, an
        #: upgrade's hazard refresh
        self.timers_per_customer = 2

    def config(self, sc) -> dict[int, float]:
        p, b = self.p, self.p.behaviour
        out = super().config(sc)
        out.update({TR.METRIC_PURCHASES: p.metric == "purchases", TR.WINDOW: p.window_days,
                    TR.TO_QUALIFIED: p.demotion == "to_qualified", TR.N_TIERS: len(p.tiers),
                    TR.DA_ON: b.demotion_aversion, TR.DA_STRENGTH: b.demotion_aversion_strength,
                    TR.DA_HORIZON: b.demotion_horizon_days, TR.DA_NEAR: b.demotion_near_share,
                    TR.STATUS_ON: b.status, TR.STATUS_STRENGTH: b.status_strength,
                    TR.DC_ON: b.demotion_churn, TR.DC_INCREASE: b.demotion_churn_increase,
                    TR.DC_DAYS: b.demotion_effect_days})
        for k, t in enumerate(p.tiers):
            col = TR.TIER0 + TR.TIER_WIDTH * k
            out.update({col + TR.TH: t.threshold, col + TR.EARN: t.earn_multiplier,
                        col + TR.DISCOUNT: t.discount_rate, col + TR.SHIPPING: t.free_shipping_value,
                        col + TR.PRIORITY: t.service_priority})
        return out

    def _counts(self, run) -> list[int]:
        ps = run.a["PS"][self.j]
        return [int(ps[TR.COUNT0 + k]) for k in range(len(self.p.tiers))]

    def on_day(self, run, day: int) -> None:
        """``Tiers.on_day``: the running cost, the tiers' member cost, the members per tier."""
        super().on_day(run, day)
        counts = self._counts(run)
        frac = min(1.0, run.horizon - day)
        cost = sum(n * t.cost_per_member_per_day for n, t in zip(counts, self.p.tiers, strict=True)) * frac
        if cost:
            run.post_cost(cost)
            self.operating_cost += cost
        for n, t in zip(counts, self.p.tiers, strict=True):
            run.record(f"tier_{t.name}", float(n))

    def customer_columns(self, run, ids: np.ndarray) -> dict[str, np.ndarray]:
        """``Tiers.customer_columns``: per customer of ``ids``, its demotions, the first and the
        last one while a customer (days; NaN: none)."""
        a = run.a
        ri, rf = int(a["PT"][self.j, P.T_ROW_I]), int(a["PT"][self.j, P.T_ROW_F])
        return {"tier_demotions": a["PI"][ri + TR.I_DEMOTIONS][ids].astype(np.int64),
                "tier_first_demoted_at": a["PF"][rf + TR.F_FIRST_DEMOTED][ids],
                "tier_last_demoted_at": a["PF"][rf + TR.F_LAST_DEMOTED][ids]}

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        out = {f"tier_{t.name}_at_end": float(n) for n, t in zip(self._counts(run), self.p.tiers, strict=True)}
        out.update({"tier_upgrades": float(ps[TR.S_UPGRADES]), "tier_demotions": float(ps[TR.S_DEMOTIONS]),
                    "tier_requalifications": float(ps[TR.S_REQUALIFIED]),
                    "tier_benefit_cost": float(ps[TR.S_BENEFIT])})
        out.update(super().summary(run))
        return out


class CompiledMembership(CompiledProgramme):
    """The paid membership (:mod:`.membership`): fees, renewals and benefits are the kernel's."""

    code = P.MEMBERSHIP
    prefix = "membership"

    def config(self, sc) -> dict[int, float]:
        p, b = self.p, self.p.behaviour
        out = super().config(sc)
        out.update({M.FEE: p.fee, M.PERIOD: p.billing_period_days, M.JOIN_P: p.join_probability,
                    M.JOIN_SCALES: p.join_scales_with_sensitivity, M.CANCEL_P: p.cancel_probability,
                    M.CANCEL_UNUSED: p.cancel_if_unused, M.DISCOUNT: p.discount_rate,
                    M.SHIPPING: p.free_shipping_value, M.RATE_UPLIFT: p.rate_uplift,
                    M.SUNK: b.sunk_cost, M.SUNK_STRENGTH: b.sunk_cost_strength})
        return out

    def on_day(self, run, day: int) -> None:
        """The day's running cost and the ``members`` timeline column."""
        super().on_day(run, day)
        run.record("members", float(self.members(run)))

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        out = {"membership_joined": float(ps[M.S_JOINED]), "membership_cancelled": float(ps[M.S_CANCELLED]),
               "membership_fee_revenue": float(ps[M.S_FEES]),
               "membership_benefit_cost": float(ps[M.S_BENEFIT])}
        out.update(super().summary(run))
        return out


class CompiledReferral(CompiledProgramme):
    """The referral programme (:mod:`.referral`); the referral-rate uplift is applied here, in
    the driver's daily tick."""

    code = P.REFERRAL
    prefix = "referral"

    def config(self, sc) -> dict[int, float]:
        p = self.p
        out = super().config(sc)
        cap = math.inf if p.max_rewards_per_referrer is None else p.max_rewards_per_referrer
        out.update({R.REFERRER_REWARD: p.referrer_reward, R.REFEREE_REWARD: p.referee_reward,
                    R.MAX_REWARDS: cap, R.CONVERSION_UPLIFT: p.referee_conversion_uplift})
        return out

    def referral_rate_multiplier(self) -> float:
        return 1.0 + self.p.referral_rate_uplift if self.p.behaviour.enabled else 1.0

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        out = {"referral_customers": float(ps[R.S_REFERRED]),
               "referral_referrer_rewards": float(ps[R.S_REFERRER_PAID]),
               "referral_referee_rewards": float(ps[R.S_REFEREE_PAID])}
        out.update(super().summary(run))
        return out


class CompiledTierPriority(CompiledProgramme):
    """Tier-based service priority (:mod:`.tier_priority`): a service policy, not a programme (no
    behaviour switches, no members; its running cost is service_cost)."""

    code = P.TIER_PRIORITY

    @staticmethod
    def unsupported(params) -> str | None:
        most = P.N_PC - T.THRESHOLDS      # the thresholds are configuration columns
        if len(params.thresholds) > most:
            return f"tier_priority with {len(params.thresholds)} thresholds (compiled: at most {most})"
        return None

    def config(self, sc) -> dict[int, float]:
        p = self.p
        out = {T.BY_PURCHASES: p.basis == "purchases", T.N_THRESHOLDS: len(p.thresholds)}
        out.update({T.THRESHOLDS + i: th for i, th in enumerate(p.thresholds)})
        return out

    def on_day(self, run, day: int) -> None:
        """``TierPriority.on_day``: the routing's running cost (service_cost, not pro rata)."""
        if self.p.operating_cost_per_day:
            run.post_cost(self.p.operating_cost_per_day, L.L_SERVICE)

    def summary(self, run) -> dict[str, float]:
        return {"tier_priority_contacts": float(run.a["PS"][self.j, T.S_PRIORITISED])}


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
COMPILED = {"punch_card": CompiledPunchCard, "points": CompiledPoints, "tiers": CompiledTiers,
            "membership": CompiledMembership, "referral": CompiledReferral,
            "tier_priority": CompiledTierPriority, "personalisation": CompiledPersonalisation,
            "cashback": CompiledCashback, "discount": CompiledDiscount,
            "exclusive_access": CompiledExclusiveAccess, "streaks": CompiledStreaks}


def build(sc) -> tuple[list[CompiledProgramme], dict[str, np.ndarray], int, int]:
    """The compiled policies of ``sc`` and their tables (``PT``, ``PC``, ``PS``); the numbers of
    per-customer int and float rows they need."""
    pols = [COMPILED[p.type](j, p) for j, p in enumerate(sc.policies)]
    n = len(pols)
    pt = np.zeros((n, 3), dtype=np.int64)
    configs = [pol.config(sc) for pol in pols]
    # a policy may need more columns than the defaults (one per segment, per tier)
    pc = np.zeros((n, max([P.N_PC, *(max(cfg) + 1 for cfg in configs)])))
    ps = np.zeros((n, max([P.N_PS, *(pol.state_width(sc) for pol in pols)])))
    rows_i = rows_f = 0
    for j, (pol, cfg) in enumerate(zip(pols, configs, strict=True)):
        pt[j] = (pol.code, rows_i, rows_f)
        rows_i += P.ROWS_I[pol.code]
        rows_f += P.ROWS_F[pol.code]
        for k, v in cfg.items():
            pc[j, k] = float(v)
        pol.init_state(sc, ps[j])
    return pols, {"PT": pt, "PC": pc, "PS": ps}, rows_i, rows_f
