"""Both engines give the same run on random valid scenarios (hypothesis, derandomised).

Each example overrides a small base with draws that reach every mechanism the compiled engine
implements: funnel conversions and dwell distributions, the initial cohort, both churn processes
and dropout timings, periodic purchases, the competitor, satisfaction, onboarding, win-back,
referrals and word of mouth, market size, discounting and the service desk (agents, hours,
shifts, several channels with escalation, patience, balking, repeats, defection, the unresolved
churn multiplier, arrival profiles, self-service) and each compiled policy (``POLICIES``). Sizes stay small: 100 examples take about 20 s of CPU.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loopsim
from loopsim.engine.compiled.policies import COMPILED
from loopsim.scenario import validate_scenario

from .equal import assert_same_run

STAGES = ("awareness", "interest", "consideration", "intent", "evaluation", "purchase")
probs = st.floats(0.0, 1.0)


@st.composite
def dists(draw, mean_lo: float, mean_hi: float) -> dict:
    """A positive duration (days) from each distribution family the engines draw durations from."""
    mean = draw(st.floats(mean_lo, mean_hi))
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "erlang", "uniform", "fixed"]))
    return {"exponential": {"dist": "exponential", "mean": mean},
            "lognormal": {"dist": "lognormal", "mean": mean, "cv": draw(st.floats(0.0, 1.5))},
            "gamma": {"dist": "gamma", "shape": draw(st.floats(0.5, 4)), "rate": draw(st.floats(0.5, 4)) / mean},
            "erlang": {"dist": "erlang", "k": draw(st.integers(1, 4)), "mean": mean},
            "uniform": {"dist": "uniform", "low": 0.0, "high": 2 * mean},
            "fixed": {"dist": "fixed", "value": mean}}[kind]


@st.composite
def segments(draw, hazard: bool) -> list[dict]:
    """One or two segments; per-purchase dropout only under the per-purchase churn process."""
    n = draw(st.integers(1, 2))
    out = []
    for i in range(n):
        rate = draw(st.floats(0.5, 6))
        out.append({
            "name": f"s{i}", "share": 1.0 / n,
            "purchase_rate": draw(st.sampled_from([{"dist": "fixed", "value": rate},
                                                   {"dist": "gamma", "shape": 2.0, "rate": 2.0 / rate}])),
            "purchase_timing": draw(st.sampled_from(["poisson", "periodic"])),
            "dropout": ({"dist": "fixed", "value": 0.0} if hazard
                        else {"dist": "beta", "a": draw(st.floats(0.3, 2)), "b": draw(st.floats(1, 10))}),
            "churn_hazard": {"dist": "gamma", "shape": 2.0, "rate": 2.0 / draw(st.floats(0.0, 1.0).map(
                lambda h: max(h, 1e-3)))},
            "spend": draw(st.sampled_from([
                {"model": "gamma_gamma", "p": 6.0, "q": 4.0, "gamma": 20.0},
                {"model": "distribution", "customer_mean": {"dist": "fixed", "value": 30.0}}])),
            "initial_satisfaction": {"dist": "normal", "mean": draw(st.floats(5, 9)), "sd": 1.0,
                                     "low": 0, "high": 10},
        })
    return out


hours = st.floats(0.0, 24.0)


@st.composite
def channels(draw) -> list[dict]:
    """None to three channels; each field left out inherits the desk's; escalation between them,
    self-service (0 agents) and shifts included."""
    n = draw(st.integers(0, 3))
    names = [f"c{i}" for i in range(n)]
    out = []
    for i, name in enumerate(names):
        ch = {"name": name, "share": 1.0 if i == 0 else draw(st.floats(0.0, 1.0))}
        for key, value in (("agents", st.integers(0, 3)), ("handling_time", dists(0.005, 0.1)),
                           ("patience", st.one_of(st.just(False), dists(0.01, 0.5))),
                           ("balk_queue_length", st.integers(0, 5)), ("resolution_probability", probs),
                           ("open_hour", hours), ("close_hour", hours),
                           ("escalate_to", st.sampled_from(names)),
                           ("shifts", st.lists(st.fixed_dictionaries({
                               "start_hour": hours, "end_hour": hours, "agents": st.integers(0, 3)}),
                               min_size=1, max_size=2)),
                           ("cost_per_agent_day", st.floats(0, 200)), ("cost_per_contact", st.floats(0, 5))):
            if draw(st.booleans()):
                ch[key] = draw(value)
        out.append(ch)
    return out


@st.composite
def services(draw) -> dict:
    """The service desk: every field the compiled desk reads, drawn around a busy small desk."""
    profile = draw(st.sampled_from(["contact_centre", "round_the_clock", "hourly"]))
    if profile == "hourly":
        weights = draw(st.lists(st.integers(0, 3), min_size=24, max_size=24))
        profile = weights if sum(weights) else [1] * 24
    svc = {"contact_probability": draw(st.floats(0.0, 0.6)), "arrival_profile": profile,
           "complaint_probability": draw(probs), "complaint_below": draw(st.floats(0, 10)),
           "agents": draw(st.integers(0, 3)), "handling_time": draw(dists(0.005, 0.1)),
           "resolution_probability": draw(probs), "open_hour": draw(hours), "close_hour": draw(hours),
           "repeat_probability": draw(probs), "repeat_delay": draw(dists(0.05, 2.0)),
           "max_attempts": draw(st.integers(1, 4)), "service_recovery": draw(st.booleans()),
           "recovery_bonus": draw(st.floats(0, 2)), "satisfaction_per_wait_day": -draw(st.floats(0, 5)),
           "unresolved_churn_multiplier": draw(st.floats(1, 3)),
           "defection_probability": draw(st.floats(0, 0.5)), "cost_per_agent_day": draw(st.floats(0, 200)),
           "cost_per_contact": draw(st.floats(0, 5)), "warmup_days": draw(st.floats(0, 20)),
           "channels": draw(channels())}
    if draw(st.booleans()):
        svc["patience"] = draw(dists(0.01, 0.5))
    if draw(st.booleans()):
        svc["balk_queue_length"] = draw(st.integers(0, 5))
    return svc


@st.composite
def behaviours(draw) -> dict:
    """A reward programme's behavioural mechanisms: each switch and strength drawn."""
    flags = ("enabled", "goal_gradient", "post_reward_reset", "illusory_progress", "rewarded_behaviour",
             "heavy_light", "switching_cost", "competition_dilution")
    out = {f: draw(st.booleans()) for f in flags}
    out |= {"goal_gradient_strength": draw(st.floats(0, 1)), "illusory_progress_strength": draw(probs),
            "rewarded_satisfaction": draw(st.floats(0, 1)), "rewarded_churn_reduction": draw(probs),
            "rewarded_effect_days": draw(st.floats(0, 60)), "heavy_rate_multiple": draw(st.floats(0.5, 3)),
            "heavy_response": draw(st.floats(0, 1)), "switching_cost_strength": draw(probs)}
    return out


@st.composite
def punch_cards(draw) -> dict:
    stamps = draw(st.integers(1, 8))
    return {"type": "punch_card", "stamps_required": stamps, "prefilled_stamps": draw(st.integers(0, stamps - 1)),
            "reward_value": draw(st.one_of(st.none(), st.floats(0, 60))),
            "operating_cost_per_day": draw(st.floats(0, 20)), "cost_per_member_per_day": draw(st.floats(0, 0.1)),
            "behaviour": draw(behaviours())}


@st.composite
def personalisations(draw) -> dict:
    """Personalisation in each mode, every parameter drawn (backlash, unsubscribes, the bandit)."""
    offers = draw(st.integers(1, 6))
    return {"type": "personalisation", "mode": draw(st.sampled_from(["none", "segment", "individual", "learning"])),
            "offers": offers, "segment_offers": draw(st.lists(st.integers(0, offers - 1), max_size=2)),
            "preference_concentration": draw(probs), "accuracy": draw(probs),
            "history_half_purchases": draw(st.floats(0, 5)), "contact_interval_days": draw(st.floats(0.5, 20)),
            "offer_validity_days": draw(st.floats(0.5, 30)), "rate_uplift": draw(st.floats(0, 1)),
            "basket_uplift": draw(st.floats(0, 1)), "conversion_uplift": draw(st.floats(0, 1)),
            "discount_rate": draw(probs), "response_relevant": draw(probs), "response_irrelevant": draw(probs),
            "irrelevant_fatigue": draw(st.floats(0, 3)), "fatigue_half_life_days": draw(st.floats(1, 60)),
            "unsubscribe_per_fatigue": draw(st.floats(0, 0.2)),
            "satisfaction_relevant": draw(st.floats(-1, 1)), "satisfaction_irrelevant": draw(st.floats(-1, 1)),
            "privacy_backlash_probability": draw(st.floats(0, 0.3)), "privacy_satisfaction": draw(st.floats(-2, 0)),
            "platform_cost_per_day": draw(st.floats(0, 50)), "cost_per_contact": draw(st.floats(0, 0.1))}


@st.composite
def points(draw) -> dict:
    """Points with each expiry mode, redemption chance and earning basis drawn."""
    return {"type": "points", "earn_rate": draw(st.floats(0, 3)), "earn_on": draw(st.sampled_from(["paid", "gross"])),
            "welcome_points": draw(st.floats(0, 200)), "redemption_threshold": draw(st.floats(20, 300)),
            "reward_value": draw(st.floats(0, 20)), "redeem_probability": draw(probs),
            "expiry": draw(st.sampled_from(["none", "fixed", "rolling"])), "expiry_days": draw(st.floats(5, 90)),
            "cost_per_point": draw(st.one_of(st.none(), st.floats(0, 0.1))),
            "operating_cost_per_day": draw(st.floats(0, 20)), "cost_per_member_per_day": draw(st.floats(0, 0.1)),
            "behaviour": draw(behaviours())}


@st.composite
def tiers(draw) -> dict:
    """Two to four tiers with increasing thresholds, benefits and priorities drawn."""
    n = draw(st.integers(2, 4))
    steps = draw(st.lists(st.floats(1, 100), min_size=n - 1, max_size=n - 1))
    th = [0.0]
    for x in steps:
        th.append(th[-1] + x)
    return {"type": "tiers", "metric": draw(st.sampled_from(["spend", "purchases"])),
            "window_days": draw(st.floats(10, 90)),
            "demotion": draw(st.sampled_from(["one_step", "to_qualified"])),
            "tiers": [{"name": f"t{i}", "threshold": th[i], "earn_multiplier": draw(st.floats(1, 2)),
                       "discount_rate": draw(st.floats(0, 0.2)), "free_shipping_value": draw(st.floats(0, 5)),
                       "service_priority": -i, "cost_per_member_per_day": draw(st.floats(0, 0.05))}
                      for i in range(n)],
            "behaviour": draw(behaviours()) | {"status": draw(st.booleans()), "demotion_churn": draw(st.booleans()),
                                               "demotion_aversion": draw(st.booleans())}}


@st.composite
def memberships(draw) -> dict:
    return {"type": "membership", "fee": draw(st.floats(0, 20)), "billing_period_days": draw(st.floats(1, 40)),
            "join_probability": draw(probs), "join_scales_with_sensitivity": draw(st.booleans()),
            "cancel_probability": draw(probs), "cancel_if_unused": draw(probs), "discount_rate": draw(probs),
            "free_shipping_value": draw(st.floats(0, 10)), "rate_uplift": draw(st.floats(0, 1)),
            "operating_cost_per_day": draw(st.floats(0, 20)), "cost_per_member_per_day": draw(st.floats(0, 0.1)),
            "behaviour": draw(behaviours()) | {"sunk_cost": draw(st.booleans()), "sunk_cost_strength": draw(probs)}}


@st.composite
def referrals(draw) -> dict:
    return {"type": "referral", "referrer_reward": draw(st.floats(0, 20)), "referee_reward": draw(st.floats(0, 60)),
            "max_rewards_per_referrer": draw(st.one_of(st.none(), st.integers(0, 3))),
            "referral_rate_uplift": draw(st.floats(0, 3)), "referee_conversion_uplift": draw(st.floats(0, 1)),
            "operating_cost_per_day": draw(st.floats(0, 20)), "cost_per_member_per_day": draw(st.floats(0, 0.1)),
            "behaviour": draw(behaviours())}


@st.composite
def tier_priorities(draw) -> dict:
    return {"type": "tier_priority", "basis": draw(st.sampled_from(["revenue", "purchases"])),
            "thresholds": sorted(draw(st.lists(st.floats(0, 200), max_size=4))),
            "operating_cost_per_day": draw(st.floats(0, 20))}


@st.composite
def exclusive_accesses(draw) -> dict:
    """Events on whole or fractional days (an opening on the horizon's last day included)."""
    return {"type": "exclusive_access", "min_purchases": draw(st.integers(0, 4)),
            "first_event_day": draw(st.one_of(st.sampled_from([0.0, 10.0]), st.floats(0, 60))),
            "event_interval_days": draw(st.floats(2, 60)), "event_duration_days": draw(st.floats(0.5, 20)),
            "anticipation_days": draw(st.floats(0, 15)), "rate_uplift": draw(st.floats(0, 2)),
            "satisfaction_gain": draw(st.floats(0, 2)), "cost_per_event": draw(st.floats(0, 500)),
            "cost_per_attendee": draw(st.floats(0, 3)), "operating_cost_per_day": draw(st.floats(0, 20)),
            "cost_per_member_per_day": draw(st.floats(0, 0.1)), "behaviour": draw(behaviours())}


@st.composite
def streaks(draw) -> dict:
    return {"type": "streaks", "period_days": draw(st.floats(1, 40)), "bonus_every": draw(st.integers(1, 4)),
            "bonus_value": draw(st.floats(0, 20)), "streak_strength": draw(st.floats(0, 1)),
            "operating_cost_per_day": draw(st.floats(0, 20)), "cost_per_member_per_day": draw(st.floats(0, 0.1)),
            "behaviour": draw(behaviours())}


@st.composite
def offers(draw, kind: str) -> dict:
    """A cash-back or discount offer: each condition (applies_to, cap, minimum basket, uses) and
    uplift drawn."""
    return {"type": kind, "percent": draw(probs), "fixed": draw(st.floats(0, 5)),
            "cap": draw(st.one_of(st.none(), st.floats(0, 10))), "min_basket": draw(st.floats(0, 40)),
            "applies_to": draw(st.sampled_from(["every", "first", "winback"])),
            "max_uses": draw(st.one_of(st.none(), st.integers(1, 4))), "rate_uplift": draw(st.floats(0, 1)),
            "conversion_uplift": draw(st.floats(0, 1)), "winback_uplift": draw(st.floats(0, 2)),
            "operating_cost_per_day": draw(st.floats(0, 20)), "cost_per_member_per_day": draw(st.floats(0, 0.1)),
            "behaviour": draw(behaviours())}


#: a strategy for each policy type with a compiled form (a test checks none is missing)
POLICIES = {"punch_card": punch_cards(), "personalisation": personalisations(), "points": points(),
            "tiers": tiers(), "membership": memberships(), "referral": referrals(),
            "tier_priority": tier_priorities(), "cashback": offers("cashback"), "discount": offers("discount"),
            "exclusive_access": exclusive_accesses(), "streaks": streaks()}


@st.composite
def scenarios(draw):
    """A random valid scenario (validated: an invalid draw is a bug of this strategy)."""
    hazard = draw(st.booleans())
    spread = draw(st.sampled_from([0.0, 10.0]))
    size = draw(st.one_of(st.none(), st.integers(1, 200)))
    experience = draw(st.sampled_from([{"dist": "fixed", "value": 8.0},
                                       {"dist": "normal", "mean": 7.5, "sd": 1.5, "low": 0, "high": 10}]))
    data = {
        "name": "random",
        "time": {"horizon_days": draw(st.floats(20, 120)), "discount_rate_annual": draw(st.floats(0, 0.3))},
        "market": {
            "initial_customers": draw(st.integers(0, 120)),
            "initial_first_purchase": draw(st.booleans()), "initial_spread_days": spread,
            "marketing_budget_per_day": draw(st.floats(0, 20)), "cost_per_aware": draw(st.floats(1, 5)),
            "organic_arrivals_per_day": draw(st.floats(0, 5)),
            "word_of_mouth_per_promoter_per_day": draw(st.floats(0, 0.05)),
            "competitor": {"hazard_per_day": draw(st.floats(0, 0.01)), "switch_share": draw(probs)},
            "market_size": size,
        },
        "population": {"time_unit_days": draw(st.sampled_from([1.0, 7.0, 30.0])),
                       "dropout_timing": draw(st.sampled_from(["after_repeat", "after_every"])),
                       "segments": draw(segments(hazard))},
        "funnel": {s: {"conversion": draw(st.floats(0.3, 1.0)), "dwell": draw(dists(0.1, 3.0))} for s in STAGES}
        | {"referral_entry_stage": draw(st.sampled_from(STAGES[1:]))},
        "journey": {
            "churn": {"process": "hazard" if hazard else "per_purchase",
                      "hazard_multiplier": draw(st.floats(0.5, 3))},
            "satisfaction": {"experience": experience, "learning_rate": draw(st.floats(0.05, 1.0)),
                             "churn_effect": draw(st.floats(0, 0.5))},
            "advocacy": {"referrals_per_promoter_per_day": draw(st.floats(0, 0.05))},
            "winback": {"enabled": draw(st.booleans()), "delay_days": draw(st.floats(1, 30)),
                        "success_probability": draw(probs)},
            "onboarding": {"enabled": draw(st.booleans()), "duration_days": draw(st.floats(0, 14)),
                           "success_probability": draw(probs), "contact_probability": draw(probs)},
        },
        "service": draw(services()),
        "economics": {"gross_margin_rate": draw(probs), "fixed_cost_per_day": draw(st.floats(0, 50))},
        "policies": [draw(POLICIES[t]) for t in draw(st.lists(st.sampled_from(sorted(POLICIES)), unique=True))],
    }
    data["market"]["competing_programmes"] = draw(st.floats(0, 3))
    return validate_scenario(data)


def test_every_compiled_policy_is_drawn():
    assert set(POLICIES) == set(COMPILED), "add a strategy for each compiled policy type"


@settings(max_examples=100, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_engines_agree_on_random_scenarios(sc, seed):
    py = loopsim.simulate(sc, seed, engine="python")
    co = loopsim.simulate(sc, seed, engine="compiled")
    assert_same_run(py, co, f"seed {seed}, scenario {sc.to_dict()}")
