"""Behavioural mechanisms shared by the reward policies: how rewards change what customers do.

Every reward policy has a ``behaviour`` table (:class:`Behaviour`). Each mechanism is a switch plus
its strength; ``enabled = false`` turns off every behavioural response of that policy (including
the policy's own uplifts such as a membership's ``rate_uplift``), so only its money flows remain:
the run then equals the no-programme run except for costs and price reductions (common random
numbers make this exact for purchases and churn; ``tests/validation/test_reward_behaviour.py``).

A customer's response scales with its reward sensitivity: ``response = 2 * s_reward`` (so the mean
customer of the default Beta(2, 2) sensitivity feels exactly the configured strength), times
``heavy_response`` for heavy buyers when ``heavy_light`` is on.

Mechanisms and their literature defaults
----------------------------------------
* **goal gradient / points pressure** (``goal_gradient``, ``goal_gradient_strength = 0.3``): the
  purchase rate is multiplied by ``1 + strength * response * progress``, with ``progress`` in [0, 1]
  the share of the way to the next reward (stamps on the card, points towards the redemption
  threshold). Kivetz, Urminsky & Zheng (2006, J. Marketing Research 43(1)) found on a buy-10-get-1
  cafe card that the last inter-purchase time was about 20% shorter than the first; with
  strength 0.3 the mean customer's rate after stamp 9 is 1.27x the rate after stamp 1 (1.03x),
  i.e. the interval is ~19% shorter. Taylor & Neslin (2005, J. Retailing 81(4)) call the same
  effect "points pressure".
* **post-reward resetting** (``post_reward_reset = true``): after a redemption progress starts again
  from the new card, so the rate drops back to its early-card level (Kivetz et al. 2006, study 1:
  "post-reward resetting"). Switched off, the customer keeps the full-progress rate after the first
  reward (a counterfactual "habit" assumption, useful for sensitivity analysis).
* **illusory progress** (``illusory_progress = true``): pre-filled stamps count as progress, so a
  12-stamp card with 2 stamps pre-filled feels closer to the goal than a 10-stamp card with none
  although both need 10 purchases (Nunes & Drèze 2006, J. Consumer Research 32(4): 34% vs 19%
  completion of a car-wash card). Two effects: the goal gradient reads the perceived progress,
  and the endowment raises commitment: while on a card with pre-filled stamps, the customer's
  dropout and churn intensity is multiplied by ``1 - illusory_progress_strength * response``
  (default 0.33). At the study's own setting (``scenarios/carwash/``: an 8-stamp card vs a
  10-stamp card with 2 pre-filled, a wash every 14 days, the defection hazard calibrated so that
  19% complete the 8-stamp card) the pre-filled card is completed by about 34% (measured 33.6% and
  34.6%, seeds 0 and 1), as in Nunes & Drèze. Under a per-purchase dropout that leaves 19%
  completing a 10-stamp card, a 12-stamp card with 2 pre-filled is completed by about half (47-51%
  measured): the per-purchase process compounds the reduction over more decisions. Off: progress
  is measured over the stamps the customer must actually collect and there is no endowment
  effect, so the two cards behave identically.
* **rewarded-behaviour effect** (``rewarded_behaviour``, ``rewarded_satisfaction = 0.3`` points on the
  0-10 scale per redemption, ``rewarded_churn_reduction = 0.1`` for ``rewarded_effect_days = 90``):
  a redemption raises satisfaction and lowers the churn intensity for a while (Taylor & Neslin
  2005: sales stay higher after a redemption; Bolton, Kannan & Bramlett 2000, J. Academy of
  Marketing Science 28(1): programme members who receive rewards are more likely to stay). The
  sizes are deliberately modest, plausible values, not estimates.
* **heavy vs light buyers** (``heavy_light``, ``heavy_rate_multiple = 1.5``, ``heavy_response = 0``):
  customers whose purchase rate exceeds 1.5x the population mean rate are "heavy"; their
  behavioural response is multiplied by ``heavy_response``. Liu (2007, J. Marketing 71(4)): light
  and moderate buyers bought more after joining a convenience-store programme, heavy buyers did not
  change their purchasing but redeemed the most rewards (so they still cost money).
* **tier demotion aversion** (``demotion_aversion``, ``demotion_aversion_strength = 0.25``,
  ``demotion_horizon_days = 60``, ``demotion_near_share = 0.5``): a tier member who is short of the
  requalification threshold by at most ``near_share`` of it, with at most ``horizon`` days left in
  the qualification window, multiplies its purchase rate by ``1 + strength * response``. Status
  loss looms larger than status gain (Wagner, Hennig-Thurau & Rudolph 2009, J. Marketing 73(3));
  customers accelerate near tier thresholds (Drèze & Nunes 2011, J. Marketing Research 48(2);
  Kopalle, Sun, Neslin, Sun & Swaminathan 2012, Marketing Science 31(2)).

Retention ties (churn-intensity multipliers, ``churn_multiplier`` hooks; they act on the per-day
hazard of ``journey.churn.process = "hazard"`` and on the per-purchase process alike). Each is
``1 - strength * response * level * dilution``, never below 0; sources, defaults and the measured
magnitudes are in ``docs/policies.md`` ("Retention ties"):

* **switching cost** (``switching_cost``, ``switching_cost_strength = 0.3``): an unredeemed balance
  or a card close to its reward is lost by leaving; ``level`` = progress towards the next reward
  in [0, 1] (points balance / threshold, stamps collected / stamps needed).
* **status** (``status``, ``status_strength = 0.2``): a tier member's status is lost by leaving;
  ``level`` = tier rank / top rank (Drèze & Nunes 2009).
* **demotion** (``demotion_churn``, ``demotion_churn_increase = 0.2`` for
  ``demotion_effect_days = 180``): a demoted member's hazard is *raised* by
  ``1 + increase * response * dilution`` (Wagner, Hennig-Thurau & Rudolph 2009: demoted customers
  end less loyal than those never upgraded). Size: ``(lambda - 1) * status_strength`` with the
  loss-aversion coefficient ``lambda = 2`` (range 1.5-2.5, so 0.1-0.3; derivation in
  docs/policies.md, "Demotion: the derivation"); the duration is a modelling choice.
* **sunk cost** (``sunk_cost``, ``sunk_cost_strength = 0.25``): a paid member's hazard while the
  membership runs (Bhattacharya 1998; Ashley, Gillespie & Noble 2016).
* **competing programmes** (``competition_dilution``): every tie, and the rewarded-behaviour churn
  reduction, is divided by ``1 + market.competing_programmes`` (Meyer-Waarden 2007: memberships of
  competing programmes shorten lifetimes).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Behaviour(BaseModel):
    """Switchable behavioural mechanisms of a reward policy (defaults from the literature)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(True, description="Master switch: false = no behavioural response at all "
                          "(only the programme's money flows remain).")
    goal_gradient: bool = Field(True, description="Goal gradient / points pressure (Kivetz et al. 2006).")
    goal_gradient_strength: float = Field(0.3, ge=0, description="Rate uplift at full progress for the "
                                          "mean-sensitivity customer (share, e.g. 0.3 = +30%).")
    post_reward_reset: bool = Field(True, description="Progress (and the rate) resets after a reward "
                                    "(Kivetz et al. 2006); false = full-progress rate persists.")
    illusory_progress: bool = Field(True, description="Pre-filled stamps count as progress (Nunes & Drèze 2006).")
    illusory_progress_strength: float = Field(0.33, ge=0, le=1, description="Dropout/churn reduction on a card "
                                              "with pre-filled stamps (share, mean-sensitivity customer).")
    rewarded_behaviour: bool = Field(True, description="Redemptions raise satisfaction and lower churn "
                                     "(Taylor & Neslin 2005; Bolton et al. 2000).")
    rewarded_satisfaction: float = Field(0.3, ge=0, description="Satisfaction gain per redemption "
                                         "(points on the 0-10 scale, mean-sensitivity customer).")
    rewarded_churn_reduction: float = Field(0.1, ge=0, le=1, description="Churn intensity reduction after "
                                            "a redemption (share, mean-sensitivity customer).")
    rewarded_effect_days: float = Field(90.0, ge=0, description="How long the churn reduction lasts (days).")
    heavy_light: bool = Field(True, description="Heavy buyers respond differently (Liu 2007).")
    heavy_rate_multiple: float = Field(1.5, gt=0, description="Heavy buyer: purchase rate above this "
                                       "multiple of the population mean rate (ratio).")
    heavy_response: float = Field(0.0, ge=0, description="Heavy buyers' behavioural response relative to "
                                  "light buyers' (ratio; 0 = they redeem but do not change behaviour).")
    demotion_aversion: bool = Field(True, description="Tier members near a requalification threshold "
                                    "accelerate (Wagner et al. 2009; Drèze & Nunes 2011).")
    demotion_aversion_strength: float = Field(0.25, ge=0, description="Rate uplift of a member at risk of "
                                              "demotion (share, mean-sensitivity customer).")
    demotion_horizon_days: float = Field(60.0, ge=0, description="Days before the tier review within "
                                         "which a member at risk accelerates (days).")
    demotion_near_share: float = Field(0.5, ge=0, le=1, description="At risk: short of the requalification "
                                       "threshold by at most this share of it (share).")
    switching_cost: bool = Field(True, description="An unredeemed balance or a near reward is lost by "
                                 "leaving: lower churn intensity (retention tie).")
    switching_cost_strength: float = Field(0.3, ge=0, le=1, description="Churn-intensity reduction one step "
                                           "from the reward (share, mean-sensitivity customer).")
    status: bool = Field(True, description="Tier status is lost by leaving: lower churn intensity in "
                         "higher tiers (Drèze & Nunes 2009).")
    status_strength: float = Field(0.2, ge=0, le=1, description="Churn-intensity reduction in the top tier "
                                   "(share, mean-sensitivity customer; linear in tier rank).")
    demotion_churn: bool = Field(True, description="A demotion raises churn intensity for a while "
                                 "(Wagner, Hennig-Thurau & Rudolph 2009).")
    demotion_churn_increase: float = Field(0.2, ge=0, description="Churn-intensity increase after a "
                                           "demotion (share, mean-sensitivity customer; (loss "
                                           "aversion 2 - 1) x status_strength, docs/policies.md).")
    demotion_effect_days: float = Field(180.0, ge=0, description="How long the demotion effect lasts (days).")
    sunk_cost: bool = Field(True, description="A paid membership's sunk cost and commitment lower churn "
                            "intensity while it runs (Bhattacharya 1998).")
    sunk_cost_strength: float = Field(0.25, ge=0, le=1, description="Churn-intensity reduction of a paid "
                                      "member (share, mean-sensitivity customer).")
    competition_dilution: bool = Field(True, description="Ties weaken with market.competing_programmes: "
                                       "divided by 1 + that number (Meyer-Waarden 2007).")


def population_mean_rate(scenario) -> float:
    """Population mean purchase rate (purchases/day)."""
    pop = scenario.population
    return sum(s.share * float(s.purchase_rate.mean) for s in pop.segments) / pop.time_unit_days


class Mechanisms:
    """Runtime side of :class:`Behaviour` for one policy instance (O(1) per call)."""

    def __init__(self, b: Behaviour):
        self.b = b
        self.on = b.enabled
        self.heavy_rate = float("inf")
        self.last_redeemed: dict[int, float] = {}
        self.rewarded_ever: set[int] = set()
        # plain copies of what the per-purchase methods read (a programme calls them once or
        # twice per purchase; a plain attribute is cheaper than a pydantic one)
        self.gradient_on = b.enabled and b.goal_gradient
        self._strength = b.goal_gradient_strength
        self._reset = b.post_reward_reset
        self._illusory = b.illusory_progress
        self._heavy_response = b.heavy_response
        self._effect_days = b.rewarded_effect_days
        self._churn_reduction = b.rewarded_churn_reduction
        self.dilution = 1.0
        self.demoted_at: dict[int, float] = {}

    def setup(self, ctx) -> None:
        if self.b.heavy_light:
            self.heavy_rate = self.b.heavy_rate_multiple * population_mean_rate(ctx.scenario)
        if self.b.competition_dilution:
            self.dilution = 1.0 / (1.0 + ctx.scenario.market.competing_programmes)
        self._ctx = ctx

    def response(self, c) -> float:
        """The customer's response scale: ``2 s_reward`` (x ``heavy_response`` for heavy buyers)."""
        r = 2.0 * c.s_reward
        if c.rate > self.heavy_rate:
            r *= self._heavy_response
        return r

    def progress(self, c, perceived: float, real: float) -> float:
        """Progress used by the goal gradient: perceived (illusory) or real, after a reward 1.0 if
        post-reward resetting is off."""
        if not self._reset and c.id in self.rewarded_ever:
            return 1.0
        p = perceived if self._illusory else real
        return 0.0 if p < 0.0 else (1.0 if p > 1.0 else p)

    def gradient(self, c, progress: float) -> float:
        """Purchase-rate multiplier of the goal gradient at ``progress`` in [0, 1]."""
        if not self.gradient_on or progress <= 0.0:
            return 1.0
        return 1.0 + self._strength * self.response(c) * progress

    def redeemed(self, ctx, c) -> None:
        """A redemption: remember it; rewarded-behaviour satisfaction gain."""
        self.rewarded_ever.add(c.id)
        if self.on and self.b.rewarded_behaviour:
            self.last_redeemed[c.id] = ctx.now
            gain = self.b.rewarded_satisfaction * self.response(c)
            if gain:
                ctx.change_satisfaction(c, gain)
            self._refresh_later(ctx, c, self._effect_days)

    def _refresh_later(self, ctx, c, days: float) -> None:
        """Under the hazard process, re-evaluate the customer's hazard when a timed effect ends
        (the hazard is otherwise re-read only at the next purchase)."""
        t = ctx.now + days
        if ctx.hazard_process and t < ctx.horizon:
            ctx.at(t, ctx.refresh_churn, c)

    def endowed(self, c) -> float:
        """Churn-intensity multiplier of the endowment (illusory progress) on a pre-filled card."""
        if not (self.on and self.b.illusory_progress):
            return 1.0
        return max(0.0, 1.0 - self.b.illusory_progress_strength * self.response(c))

    def churn(self, ctx, c) -> float:
        """Churn-intensity multiplier of the rewarded-behaviour effect."""
        if not self.last_redeemed:
            return 1.0
        t = self.last_redeemed.get(c.id)
        if t is None or ctx.now - t >= self._effect_days:
            return 1.0
        return max(0.0, 1.0 - self._churn_reduction * self.response(c) * self.dilution)

    def tie(self, c, strength: float, level: float) -> float:
        """Churn-intensity multiplier of a retention tie: ``1 - strength * response * level *
        dilution`` (at least 0); ``level`` in [0, 1]."""
        if not self.on or level <= 0.0:
            return 1.0
        return max(0.0, 1.0 - strength * self.response(c) * min(level, 1.0) * self.dilution)

    def switching(self, c, progress: float) -> float:
        """Switching-cost tie of an unredeemed balance / a near reward at ``progress`` in [0, 1]."""
        return self.tie(c, self.b.switching_cost_strength, progress) if self.b.switching_cost else 1.0

    def status_tie(self, c, rank_share: float) -> float:
        """Status tie of a tier member at ``rank_share`` = tier rank / top rank."""
        return self.tie(c, self.b.status_strength, rank_share) if self.b.status else 1.0

    def sunk(self, c) -> float:
        """Sunk-cost tie of a paid member."""
        return self.tie(c, self.b.sunk_cost_strength, 1.0) if self.b.sunk_cost else 1.0

    def demote(self, ctx, c) -> None:
        """A demotion: the churn intensity rises for ``demotion_effect_days``."""
        if self.on and self.b.demotion_churn:
            self.demoted_at[c.id] = ctx.now
            ctx.refresh_churn(c)
            self._refresh_later(ctx, c, self.b.demotion_effect_days)

    def demotion_penalty(self, ctx, c) -> float:
        """Churn-intensity multiplier after a recent demotion (Wagner et al. 2009)."""
        t = self.demoted_at.get(c.id) if self.demoted_at else None
        if t is None or ctx.now - t >= self.b.demotion_effect_days:
            return 1.0
        return 1.0 + self.b.demotion_churn_increase * self.response(c) * self.dilution

    def demotion(self, c, short: float, threshold: float, days_left: float) -> float:
        """Rate multiplier of demotion aversion: ``short`` of ``threshold`` with ``days_left``."""
        b = self.b
        if not (self.on and b.demotion_aversion) or short <= 0.0 or threshold <= 0.0:
            return 1.0
        if days_left <= b.demotion_horizon_days and short <= b.demotion_near_share * threshold:
            return 1.0 + b.demotion_aversion_strength * self.response(c)
        return 1.0

    def uplift(self, c, share: float, sensitivity: float | None = None) -> float:
        """A policy's own uplift ``1 + share * 2 * sensitivity`` (reward sensitivity by default;
        heavy-buyer scaling applies), or 1 when behaviour is disabled."""
        if not self.on or share == 0.0:
            return 1.0
        r = self.response(c) if sensitivity is None else 2.0 * sensitivity
        if sensitivity is not None and c.rate > self.heavy_rate:
            r *= self.b.heavy_response
        return 1.0 + share * r
