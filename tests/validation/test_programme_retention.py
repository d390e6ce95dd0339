"""Programmes move retention the way the literature finds (docs/policies.md, "Retention ties").

Controlled scenarios under the time-based defection process (``journey.churn.process =
"hazard"``): identical customers (fixed purchase rate, hazard and reward sensitivity 0.5, so the
response is 1), no arrivals, satisfaction without effect on churn. Each mechanism is switched on
and off with common random numbers over a fixed list of seeds (0, 1, 2, ...), and the paired
difference (mean and 95% CI) must have the documented direction and a magnitude inside the
documented range. The magnitude is the *relative churn reduction* ``1 - churned_on /
churned_off`` (for a constant hazard ratio h and a small cumulative hazard it is close to 1 - h).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import loopsim
from loopsim.errors import ScenarioError
from loopsim.scenario import validate_scenario

SCEN = Path(__file__).resolve().parents[2] / "scenarios"
SEEDS = (0, 1, 2, 3)


def hazard_world(policies, n=800, horizon=300.0, rate=0.1, hazard=0.002, s_reward=0.5,
                 segments=None, competing=0.0, process="hazard"):
    """A controlled scenario: ``n`` identical existing customers (rates per day)."""
    seg = {"purchase_rate": {"dist": "fixed", "value": rate},
           "churn_hazard": {"dist": "fixed", "value": hazard},
           "spend": {"customer_mean": {"dist": "fixed", "value": 10.0}},
           "sensitivity": {"reward": {"dist": "fixed", "value": s_reward}}}
    return validate_scenario({
        "time": {"horizon_days": horizon},
        "market": {"initial_customers": n, "initial_first_purchase": False,
                   "competing_programmes": competing},
        "journey": {"churn": {"process": process}},
        "population": {"segments": segments or [seg]},
        "policies": policies,
    })


def _mean_ci(x) -> tuple[float, float]:
    """Mean and 95% t-interval half-width of paired values."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def churn_reduction(off, on, seeds=SEEDS):
    """Relative churn reduction of ``on`` against ``off`` per seed: (mean, 95% CI half-width)."""
    return _mean_ci([1.0 - loopsim.simulate(on, seed=s).summary["churned"]
                     / loopsim.simulate(off, seed=s).summary["churned"] for s in seeds])


def _only(mechanism: str) -> dict:
    """Behaviour with every retention tie off except ``mechanism`` (purchase effects off too)."""
    ties = ("switching_cost", "status", "demotion_churn", "sunk_cost", "rewarded_behaviour")
    b = {t: t == mechanism for t in ties}
    b.update(goal_gradient=False, demotion_aversion=False)
    return b


# ----------------------------------------------------------------------------- the process
def test_defection_time_does_not_depend_on_purchase_frequency():
    """Under the hazard process a programme that only speeds up purchases (goal gradient, no
    ties) leaves every customer's defection moment unchanged (common random numbers); under
    per-purchase dropout the same programme makes customers leave sooner (the old artefact)."""
    card = [{"type": "punch_card", "stamps_required": 5, "behaviour": _only("none") | {"goal_gradient": True}}]
    base, prog = hazard_world([], n=800), hazard_world(card, n=800)
    rb, rp = loopsim.simulate(base, seed=4), loopsim.simulate(prog, seed=4)
    assert rp.summary["purchases"] > rb.summary["purchases"] * 1.05     # the card does speed up
    cb = rb.customers.set_index("customer_id")["churned_at"]
    cp = rp.customers.set_index("customer_id")["churned_at"]
    assert cb.notna().sum() > 100
    assert cb.fillna(-1.0).equals(cp.fillna(-1.0))
    # the per-purchase process: dropout after purchases, more purchases = more dropouts
    seg = {"purchase_rate": {"dist": "fixed", "value": 0.1}, "dropout": {"dist": "fixed", "value": 0.02},
           "spend": {"customer_mean": {"dist": "fixed", "value": 10.0}},
           "sensitivity": {"reward": {"dist": "fixed", "value": 0.5}}}
    pb = loopsim.simulate(hazard_world([], n=800, segments=[seg], process="per_purchase"), seed=4)
    pp = loopsim.simulate(hazard_world(card, n=800, segments=[seg], process="per_purchase"), seed=4)
    assert pp.summary["churned"] > pb.summary["churned"] * 1.03


def test_hazard_process_refuses_per_purchase_dropout():
    seg = {"dropout": {"dist": "fixed", "value": 0.1}}
    with pytest.raises(ScenarioError, match="dropout must be fixed 0"):
        hazard_world([], segments=[seg])


def test_hazard_multiplier_scales_defection():
    """Half the hazard: about half the defections over a short horizon (cumulative hazard 0.6)."""
    base = hazard_world([], n=800)
    half = base.with_overrides({"journey.churn.hazard_multiplier": 0.5})
    red, ci = churn_reduction(base, half)
    assert red - ci > 0.35 and red + ci < 0.6, (red, ci)


# ----------------------------------------------------------------------------- the mechanisms
def test_switching_cost_of_a_points_balance():
    """Documented range: churn reduction 5-25% for the mean customer of a points programme."""
    pol = lambda b: [{"type": "points", "earn_rate": 1.0, "redemption_threshold": 100.0,   # noqa: E731
                      "reward_value": 5.0, "behaviour": b}]
    red, ci = churn_reduction(hazard_world(pol(_only("none"))), hazard_world(pol(_only("switching_cost"))))
    assert red - ci > 0.05 and red + ci < 0.25, (red, ci)


def test_sunk_cost_of_a_paid_membership():
    """Documented range: members' churn reduction 10-35% (everyone joins, mean customer)."""
    pol = lambda b: [{"type": "membership", "join_probability": 1.0, "cancel_probability": 0.0,   # noqa: E731
                      "cancel_if_unused": 0.0, "join_scales_with_sensitivity": False,
                      "free_shipping_value": 0.0, "behaviour": b}]
    red, ci = churn_reduction(hazard_world(pol(_only("none"))), hazard_world(pol(_only("sunk_cost"))))
    assert red - ci > 0.10 and red + ci < 0.35, (red, ci)


_TIERS = [{"name": "base", "threshold": 0.0}, {"name": "silver", "threshold": 20.0},
          {"name": "gold", "threshold": 40.0}]


def test_status_of_a_top_tier():
    """Documented range: churn reduction 8-30% when (almost) everyone reaches gold early."""
    pol = lambda b: [{"type": "tiers", "metric": "spend", "window_days": 400.0, "tiers": _TIERS,   # noqa: E731
                      "behaviour": b}]
    red, ci = churn_reduction(hazard_world(pol(_only("none"))), hazard_world(pol(_only("status"))))
    assert red - ci > 0.08 and red + ci < 0.30, (red, ci)


def test_competing_programmes_weaken_the_tie():
    """Meyer-Waarden (2007): with one competing programme the tie is half as strong."""
    pol = lambda b: [{"type": "membership", "join_probability": 1.0, "cancel_probability": 0.0,   # noqa: E731
                      "cancel_if_unused": 0.0, "join_scales_with_sensitivity": False,
                      "free_shipping_value": 0.0, "behaviour": b}]
    solo, _ = churn_reduction(hazard_world(pol(_only("none"))), hazard_world(pol(_only("sunk_cost"))))
    comp, _ = churn_reduction(hazard_world(pol(_only("none")), competing=1.0),
                              hazard_world(pol(_only("sunk_cost")), competing=1.0))
    assert 0.35 < comp / solo < 0.65, (solo, comp)


# ----------------------------------------------------------------------------- light vs heavy
# heavy rates above 1.5x the mean rate (Liu's heavy buyers), kept low enough for a fast test
@pytest.mark.parametrize("light_rate,heavy_rate,hazard", [(0.03, 0.15, 0.002), (0.04, 0.2, 0.003),
                                                          (0.02, 0.1, 0.0015)])
def test_light_buyers_gain_more_retention_than_heavy(light_rate, heavy_rate, hazard):
    """Liu (2007): light buyers respond, heavy buyers (above 1.5x the mean rate) do not."""
    def seg(name, rate):
        return {"name": name, "share": 0.5, "purchase_rate": {"dist": "fixed", "value": rate},
                "churn_hazard": {"dist": "fixed", "value": hazard},
                "spend": {"customer_mean": {"dist": "fixed", "value": 10.0}},
                "sensitivity": {"reward": {"dist": "beta", "a": 2, "b": 2}}}
    segs = [seg("light", light_rate), seg("heavy", heavy_rate)]
    pol = [{"type": "points", "earn_rate": 1.0, "redemption_threshold": 100.0, "reward_value": 5.0}]
    base, prog = hazard_world([], segments=segs, n=1000), hazard_world(pol, segments=segs, n=1000)

    def kept(run, seg_name):
        return float(run.customers.loc[run.customers["segment"] == seg_name, "churned_at"].isna().mean())
    runs = [(loopsim.simulate(base, seed=s), loopsim.simulate(prog, seed=s)) for s in SEEDS]
    light, light_ci = _mean_ci([kept(p, "light") - kept(b, "light") for b, p in runs])
    heavy, heavy_ci = _mean_ci([kept(p, "heavy") - kept(b, "heavy") for b, p in runs])
    assert light - light_ci > 0.005, (light, light_ci)
    assert light - light_ci > heavy + heavy_ci, (light, heavy)


# ----------------------------------------------------------------------------- bundled designs
# docs/policies.md, "Bundled designs: retention lift". Every bundled design against its
# no-programme base with common random numbers (``loopsim.compare``, replication r of both designs
# shares a seed, compare's seed 0 fixed before any run). The horizon stays one year (retention is
# measured at the horizon), so the scale is set by the number of existing customers and paired
# replications. Acquisition, service, win-back and satisfaction's effect on churn are off, so a
# pair differs by the programme only (the shared service queue and purchase-indexed experiences
# would add noise to the hazard, and win-back's draw depends on the purchase count).
QUIET = {"service.contact_probability": 0.0, "journey.onboarding.contact_probability": 0.0,
         "journey.satisfaction.churn_effect": 0.0, "journey.winback.enabled": False}
NO_ARRIVALS = {"market.marketing_budget_per_day": 0.0, "market.organic_arrivals_per_day": 0.0,
               "market.word_of_mouth_per_promoter_per_day": 0.0,
               "journey.advocacy.referrals_per_promoter_per_day": 0.0}
# Below the modest-gain target's lower end (0.2 points): "no material effect".
ZERO_BAND = 0.002


def retention_lift(design: str, n: int, reps: int, arrivals: bool = False,
                   base: str = "baseline.toml", base_overrides: dict | None = None):
    """Paired retention_rate lift of ``design`` over ``base`` with ``n`` existing customers and
    ``reps`` CRN replications: (mean, 95% CI half-width, the base's mean retention_rate)."""
    # with arrivals: organic prospects and word of mouth, not the (costly to simulate) paid marketing
    small = {"market.initial_customers": n, "market.marketing_budget_per_day": 0.0} | QUIET \
        | ({} if arrivals else NO_ARRIVALS)
    cmp = loopsim.compare({"base": loopsim.load_scenario(SCEN / base, small | (base_overrides or {})),
                           "design": loopsim.load_scenario(SCEN / design, small)}, n=reps, seed=0)
    d, ci = _mean_ci(cmp.differences("retention_rate")["design"])
    return d, ci, float(cmp.wide("retention_rate")["base"].mean())


# Power (measured lift vs CI half-width, 2026-11-29): retailer_points +1.7 points (1,000 x 4:
# +/-0.85), points_and_tiers +0.8 (1,000 x 4: +/-0.33); at 2,000 x 4 the half-widths are about
# 0.6 and 0.25 points, so the CI clears 0 by two half-widths or more (at 400 x 3 it did not for
# points_and_tiers: +0.9 +/- 1.3). prime_membership: only a quarter of customers join,
# +0.5 points; at 8,000 customers x 4 replications the half-width is 0.15 points (3 seconds).
@pytest.mark.parametrize("design,n,reps", [("retailer_points.toml", 2000, 4),
                                           ("points_and_tiers.toml", 2000, 4),
                                           ("prime_membership.toml", 8000, 4)])
def test_bundled_programmes_raise_retention_modestly(design, n, reps):
    """Documented target: +0.2 to +3 percentage points of one-year retention_rate against the
    baseline, paired CI above 0 (Meyer-Waarden 2007 direction; Belli et al. 2022 small effects)."""
    d, ci, _ = retention_lift(design, n, reps)
    assert d - ci > 0 and 0.002 < d < 0.03, (d, ci)


# Power: airline_tiers measured +0.075 points, half-width 0.056 at 4,000 x 4 (4 s), far inside
# the +/-0.2-point band. referral_programme keeps organic arrivals and word of mouth (its
# customers come from referrals): +0.03 points, half-width 0.06 at 1,000 x 3 (7 s).
@pytest.mark.parametrize("design,n,reps,arrivals", [("airline_tiers.toml", 4000, 4, False),
                                                    ("referral_programme.toml", 1000, 3, True)])
def test_bundled_programmes_without_a_retention_effect(design, n, reps, arrivals):
    """Documented band: |lift| below 0.2 points. airline_tiers: its status goes to heavy
    buyers, who do not respond (Liu 2007); referral_programme has no retention tie (it
    acquires; the referred customers are modelled like any others). The whole CI must lie in
    the band, so a real positive or negative lift fails the test."""
    d, ci, _ = retention_lift(design, n, reps, arrivals=arrivals)
    assert d - ci > -ZERO_BAND and d + ci < ZERO_BAND, (d, ci)


@pytest.mark.slow
def test_coffee_punch_card_raises_retention():
    """Against what it extends: the same cafe without the card (``policies = []``; the file
    extends the baseline but swaps the population, so baseline.toml is not its base).
    Documented target: the general +0.2 to +3 points for a programme with ties (the scenario
    holds one competing card, Sharp & Sharp 1997, Meyer-Waarden 2007; docs/policies.md).
    Power, fixed before measuring: with no competing card the lift was 4.45 +- 0.76 points at
    1,000 x 4 (compare's seed 0); one competing card halves the tie, so about +2.2 points is
    expected and the half-width shrinks (fewer customers change fate), so the CI clears 0 by
    more than two half-widths and 0.2 < mean < 3 separates it from the full tie. Measured
    2026-11-29 after the change: +2.17 +- 0.53 points (6 s)."""
    d, ci, _ = retention_lift("coffee_punch_card.toml", 1000, 4, base="coffee_punch_card.toml",
                              base_overrides={"policies": []})
    assert d - ci > 0 and 0.002 < d < 0.03, (d, ci)


# ----------------------------------------------------------------------------- Reichheld's claim
def test_five_points_of_retention_raise_profit():
    """docs/model.md, "Reichheld's claim": the bundled hazard x 0.6 lifts one-year retention by
    about 5 points (3 to 7) and raises profit (paired CI above 0); small setting: 500 existing
    customers and a tenth of the baseline's marketing."""
    small = {"market.initial_customers": 500, "market.marketing_budget_per_day": 30.0,
             "market.organic_arrivals_per_day": 4.0}
    base = loopsim.load_scenario(SCEN / "baseline.toml", small)
    lift = loopsim.load_scenario(SCEN / "baseline_retention_plus5.toml", small)
    pairs = [(loopsim.simulate(base, seed=s).summary, loopsim.simulate(lift, seed=s).summary)
             for s in (0, 1, 2)]
    d, ci = _mean_ci([b["retention_rate"] - a["retention_rate"] for a, b in pairs])
    assert d - ci > 0.03 and d + ci < 0.07, (d, ci)
    p, pci = _mean_ci([b["profit"] - a["profit"] for a, b in pairs])
    assert p - pci > 0, (p, pci)
