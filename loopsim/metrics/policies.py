"""The built-in policies' metrics, by policy type, for the policies that do not yet declare them
themselves.

A policy declares its metrics in a ``metrics`` class attribute (a tuple of
:class:`~loopsim.metrics.Metric`); that declaration wins. This table holds the same declarations
for the built-in policies written before that attribute existed: once a policy carries its own
``metrics``, its entry here is deleted (each metric stays declared once).
"""

from __future__ import annotations

from .declare import SHARE, Metric


def programme_metrics(prefix: str) -> tuple[Metric, ...]:
    """The two metrics every reward programme reports (``Programme.common_summary``)."""
    return (Metric(f"{prefix}_members_at_end", "customers", doc="active members at the horizon"),
            Metric(f"{prefix}_operating_cost", "currency", better="lower",
                   doc="programme_cost of running it (fixed and per member)"))


def _offer_metrics(t: str) -> tuple[Metric, ...]:
    return (Metric(f"{t}_paid", "currency", better="lower", doc="money given back or off"),
            Metric(f"{t}_uses", "purchases", doc="qualifying purchases rewarded"),
            *programme_metrics(t))


_NO_POINTS = "no points earned"

#: Policy type -> its metrics (see the module docstring).
POLICY_METRICS: dict[str, tuple[Metric, ...]] = {
    "points": (
        Metric("points_earned", "points", doc="points issued"),
        Metric("points_redeemed", "points", doc="points redeemed"),
        Metric("points_expired", "points", doc="points that expired"),
        Metric("points_outstanding", "points", doc="points held by customers at the horizon"),
        Metric("points_redemptions", "redemptions", doc="redemptions at the till"),
        Metric("breakage_rate", "share", SHARE, doc="points_expired / points_earned",
               nan_when=_NO_POINTS),
        Metric("points_breakage_expected", "share", SHARE,
               doc="(expired + held by churned customers) / earned: points never to be redeemed",
               nan_when=_NO_POINTS),
        *programme_metrics("points"),
    ),
    "punch_card": (
        Metric("punch_card_redemptions", "redemptions", doc="full cards redeemed"),
        Metric("punch_card_stamps_issued", "stamps", doc="stamps given"),
        Metric("punch_card_cards_started", "cards", doc="cards started (one per member, then "
               "one per redemption)"),
        Metric("punch_card_cards_completed", "cards", doc="cards filled"),
        Metric("punch_card_completion_rate", "share", SHARE, "higher",
               doc="cards completed / cards started", nan_when="no card started"),
        Metric("punch_card_reward_value", "currency", doc="value of the free items"),
        *programme_metrics("punch_card"),
    ),
    "tiers": (
        Metric("tier_<tier>_at_end", "customers", doc="members in each tier at the horizon"),
        Metric("tier_upgrades", "customers", doc="moves to a higher tier"),
        Metric("tier_demotions", "customers", doc="moves to a lower tier"),
        Metric("tier_requalifications", "customers", doc="tier reviews a member passed"),
        Metric("tier_benefit_cost", "currency", better="lower", doc="cost of tier benefits"),
        *programme_metrics("tiers"),
    ),
    "cashback": _offer_metrics("cashback"),
    "discount": _offer_metrics("discount"),
    "membership": (
        Metric("membership_joined", "customers", doc="customers who joined"),
        Metric("membership_cancelled", "customers", doc="members who cancelled"),
        Metric("membership_fee_revenue", "currency", better="higher", doc="membership fees"),
        Metric("membership_benefit_cost", "currency", better="lower", doc="cost of benefits"),
        *programme_metrics("membership"),
    ),
    "referral": (
        Metric("referral_customers", "customers", better="higher",
               doc="customers acquired through a referral"),
        Metric("referral_referrer_rewards", "currency", better="lower",
               doc="rewards paid to referrers"),
        Metric("referral_referee_rewards", "currency", better="lower",
               doc="rewards paid to referred customers"),
        *programme_metrics("referral"),
    ),
    "streaks": (
        Metric("streak_badges", "badges", doc="streak badges awarded"),
        Metric("streak_bonus_paid", "currency", better="lower", doc="streak bonuses paid"),
        Metric("streak_longest", "periods", doc="longest streak of consecutive periods"),
        *programme_metrics("streaks"),
    ),
    "exclusive_access": (
        Metric("exclusive_access_events", "events", doc="events held"),
        Metric("exclusive_access_attendees", "customers", doc="attendances"),
        *programme_metrics("exclusive_access"),
    ),
    "tier_priority": (
        Metric("tier_priority_contacts", "contacts", doc="contacts given priority by tier"),
    ),
    "personalisation": (
        Metric("personalisation_offers", "offers", doc="personalised offers sent"),
        Metric("personalisation_relevant_share", "share", SHARE, "higher",
               doc="relevant offers / offers", nan_when="no offers"),
        Metric("personalisation_irrelevant_offers", "offers", better="lower",
               doc="offers that missed"),
        Metric("personalisation_unsubscribes", "customers", better="lower",
               doc="customers who opted out"),
        Metric("personalisation_privacy_backlashes", "backlashes", better="lower",
               doc="individually targeted offers that set off a privacy backlash"),
    ),
}
