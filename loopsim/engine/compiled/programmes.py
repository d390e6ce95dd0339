"""Compiled reward programmes: the hooks of the built-in policies that have a compiled form, and
their shared behavioural mechanisms (:mod:`loopsim.policies.rewards.behaviour`).

A run's policies are rows of ``S.PT`` (type and the first rows of its per-customer state in
``S.PI``/``S.PF``), ``S.PC`` (configuration) and ``S.PS`` (counters for its summary). The engine
calls each hook for every policy in the scenario's order, as the Python engine does; a policy type
without that hook returns 1 (a multiplier) or does nothing.
"""

from __future__ import annotations

import math

from numba import njit

from . import (
    cashback,
    core,
    exclusive_access,
    membership,
    personalisation,
    points,
    referral,
    streaks,
    tier_priority,
    tiers,
)
from . import layout as L
from .calendar import push
from .rand import hi, mixed

# ------------------------------------------------------------------ policy types and table slots
PUNCH_CARD = 1
POINTS = 20
TIERS = 21
MEMBERSHIP, REFERRAL, TIER_PRIORITY = 30, 31, 32
PERSONALISATION = 2
CASHBACK, DISCOUNT = 40, 41      # one kernel module: .cashback
EXCLUSIVE_ACCESS, STREAKS = 50, 51
#: S.PT columns
T_TYPE, T_ROW_I, T_ROW_F = range(3)
#: S.PC columns: the behaviour switches (every programme), then the policy's own
(M_ON, M_GRADIENT_ON, M_STRENGTH, M_RESET, M_ILLUSORY, M_HEAVY_RATE, M_HEAVY_RESPONSE, M_EFFECT_DAYS,
 M_CHURN_REDUCTION, M_DILUTION, M_REWARDED, M_REWARDED_SAT, M_ILLUSORY_STRENGTH, M_SWITCHING,
 M_SWITCHING_STRENGTH) = range(15)
P_REQ, P_PRE, P_VALUE = 15, 16, 17
N_PC = 48
#: S.PS columns (counters)
(S_MEMBERS, S_REDEMPTIONS, S_STAMPS, S_CARDS_STARTED, S_CARDS_COMPLETED, S_REWARD_VALUE) = range(6)
N_PS = 16
#: per-customer rows of a programme: PI (ints) and PF (floats)
I_REWARDED_EVER, I_STAMPS = 0, 1      # stamps: collected beyond the pre-filled ones
F_LAST_REDEEMED = 0                   # NaN: never redeemed (with rewarded behaviour on)
#: (points: .points.I_* and F_*, tiers: .tiers.I_* and F_*; literals: no module attribute is
#: read while the modules import each other)
ROWS_I = {PUNCH_CARD: 2, POINTS: 4, TIERS: 3, MEMBERSHIP: 3, REFERRAL: 2, TIER_PRIORITY: 0,
          PERSONALISATION: 7, CASHBACK: 2, DISCOUNT: 2}
ROWS_F = {PUNCH_CARD: 1, POINTS: 3, TIERS: 6, MEMBERSHIP: 0, REFERRAL: 0, TIER_PRIORITY: 0,
          PERSONALISATION: 3, CASHBACK: 0, DISCOUNT: 0}
ROWS_I.update({EXCLUSIVE_ACCESS: 1, STREAKS: 3})      # .exclusive_access, .streaks: ROWS_I
ROWS_F.update({EXCLUSIVE_ACCESS: 0, STREAKS: 1})


# ------------------------------------------------------------------ mechanisms (behaviour.py)
@njit(cache=True, _nrt=False)
def response(S, j, c):
    r = 2.0 * S.F[L.C_S_REWARD, c]
    if S.F[L.C_RATE, c] > S.PC[j, M_HEAVY_RATE]:
        r *= S.PC[j, M_HEAVY_RESPONSE]
    return r


@njit(cache=True, _nrt=False)
def _progress(S, j, c, perceived, real):
    if S.PC[j, M_RESET] == 0.0 and S.PI[S.PT[j, T_ROW_I] + I_REWARDED_EVER, c]:
        return 1.0
    p = perceived if S.PC[j, M_ILLUSORY] != 0.0 else real
    return 0.0 if p < 0.0 else (1.0 if p > 1.0 else p)


@njit(cache=True, _nrt=False)
def _gradient(S, j, c, progress):
    if S.PC[j, M_GRADIENT_ON] == 0.0 or progress <= 0.0:
        return 1.0
    return 1.0 + S.PC[j, M_STRENGTH] * response(S, j, c) * progress


@njit(cache=True, _nrt=False)
def _redeemed(S, j, c, t):
    S.PI[S.PT[j, T_ROW_I] + I_REWARDED_EVER, c] = 1
    if S.PC[j, M_ON] != 0.0 and S.PC[j, M_REWARDED] != 0.0:
        S.PF[S.PT[j, T_ROW_F] + F_LAST_REDEEMED, c] = t
        gain = S.PC[j, M_REWARDED_SAT] * response(S, j, c)
        if gain:
            core.change_satisfaction(S, c, gain, t)
        tt = t + S.PC[j, M_EFFECT_DAYS]
        if S.cf[L.HAZARD_PROCESS] != 0.0 and tt < S.cf[L.HORIZON]:
            push(S, tt, c, L.K_REFRESH, 0)


@njit(cache=True, _nrt=False)
def _rewarded_churn(S, j, c, t):
    last = S.PF[S.PT[j, T_ROW_F] + F_LAST_REDEEMED, c]
    if math.isnan(last) or t - last >= S.PC[j, M_EFFECT_DAYS]:
        return 1.0
    return max(0.0, 1.0 - S.PC[j, M_CHURN_REDUCTION] * response(S, j, c) * S.PC[j, M_DILUTION])


@njit(cache=True, _nrt=False)
def _tie(S, j, c, strength, level):
    if S.PC[j, M_ON] == 0.0 or level <= 0.0:
        return 1.0
    return max(0.0, 1.0 - strength * response(S, j, c) * min(level, 1.0) * S.PC[j, M_DILUTION])


# ------------------------------------------------------------------ punch card (punch_card.py)
@njit(cache=True, _nrt=False)
def _punch_purchase(S, j, c, t, gross, disc):
    pre = S.PC[j, P_PRE]
    req = S.PC[j, P_REQ]
    row = S.PT[j, T_ROW_I] + I_STAMPS
    s = pre + S.PI[row, c]
    if s >= req:
        paid = gross - disc
        value = paid if math.isnan(S.PC[j, P_VALUE]) else min(S.PC[j, P_VALUE], paid)
        disc += value
        S.PS[j, S_REDEMPTIONS] += 1
        S.PS[j, S_REWARD_VALUE] += value
        s = pre
        S.PS[j, S_CARDS_STARTED] += 1
        S.ctl[L.P_REDEEMED] = 1
        _redeemed(S, j, c, t)
    else:
        s += 1
        S.PS[j, S_STAMPS] += 1
        if s >= req:
            S.PS[j, S_CARDS_COMPLETED] += 1
    S.PI[row, c] = int(s - pre)
    return disc


@njit(cache=True, _nrt=False)
def _punch_rate(S, j, c):
    if S.PC[j, M_GRADIENT_ON] == 0.0:
        return 1.0
    pre = S.PC[j, P_PRE]
    req = S.PC[j, P_REQ]
    s = pre + S.PI[S.PT[j, T_ROW_I] + I_STAMPS, c]
    return _gradient(S, j, c, _progress(S, j, c, s / req, (s - pre) / (req - pre)))


@njit(cache=True, _nrt=False)
def _punch_churn(S, j, c, t):
    m = _rewarded_churn(S, j, c, t)
    pre = S.PC[j, P_PRE]
    req = S.PC[j, P_REQ]
    s = pre + S.PI[S.PT[j, T_ROW_I] + I_STAMPS, c]
    if s > pre:
        m *= _tie(S, j, c, S.PC[j, M_SWITCHING_STRENGTH], (s - pre) / (req - pre)) \
            if S.PC[j, M_SWITCHING] != 0.0 else 1.0
    if pre:
        if S.PC[j, M_ON] != 0.0 and S.PC[j, M_ILLUSORY] != 0.0:
            m *= max(0.0, 1.0 - S.PC[j, M_ILLUSORY_STRENGTH] * response(S, j, c))
        else:
            m *= 1.0
    return m


# ------------------------------------------------------------------ the hooks, for every policy
@njit(cache=True, _nrt=False)
def on_acquire(S, c, t):
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == MEMBERSHIP:
            membership.on_acquire(S, j, c, t)
            continue
        if S.PT[j, T_TYPE] == REFERRAL:
            referral.on_acquire(S, j, c, t)
            continue
        if S.PT[j, T_TYPE] == EXCLUSIVE_ACCESS:    # eligible customers only
            exclusive_access.on_acquire(S, j, c)
            continue
        S.PS[j, S_MEMBERS] += 1
        if S.PT[j, T_TYPE] == PUNCH_CARD:
            S.PS[j, S_CARDS_STARTED] += 1
        elif S.PT[j, T_TYPE] == POINTS:
            points.on_acquire(S, j, c, t)
        elif S.PT[j, T_TYPE] == TIERS:
            tiers.on_acquire(S, j, c, t)
        elif S.PT[j, T_TYPE] == PERSONALISATION:
            personalisation.on_acquire(S, j, c, t)


@njit(cache=True, _nrt=False)
def on_churn(S, c):
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == EXCLUSIVE_ACCESS:
            exclusive_access.on_churn(S, j, c)
            continue
        if S.PT[j, T_TYPE] != MEMBERSHIP or membership.is_member(S, j, c):
            S.PS[j, S_MEMBERS] -= 1
        if S.PT[j, T_TYPE] == TIERS:
            tiers.on_churn(S, j, c)


@njit(cache=True, _nrt=False)
def on_reactivate(S, c, t):
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == EXCLUSIVE_ACCESS:
            exclusive_access.on_acquire(S, j, c)
            continue
        if S.PT[j, T_TYPE] != MEMBERSHIP or membership.is_member(S, j, c):
            S.PS[j, S_MEMBERS] += 1
        if S.PT[j, T_TYPE] == TIERS:
            tiers.on_reactivate(S, j, c, t)
        elif S.PT[j, T_TYPE] == PERSONALISATION:
            personalisation.on_reactivate(S, j, c, t)
        elif S.PT[j, T_TYPE] == CASHBACK or S.PT[j, T_TYPE] == DISCOUNT:
            cashback.on_reactivate(S, j, c)


@njit(cache=True, _nrt=False)
def on_purchase(S, c, t, k, gross):
    """The policies' purchase hooks on purchase number ``k`` (``gross``: list price); returns the
    discount and the other reward cost they give (currency), ``Purchase.discount`` and
    ``Purchase.reward_cost``. ``S.ctl[P_REDEEMED]`` is ``Purchase.redeemed``."""
    disc = 0.0
    rew = 0.0
    S.ctl[L.P_REDEEMED] = 0
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == PUNCH_CARD:
            disc = _punch_purchase(S, j, c, t, gross, disc)
        elif S.PT[j, T_TYPE] == POINTS:
            disc = points.on_purchase(S, j, c, t, gross, disc)
        elif S.PT[j, T_TYPE] == TIERS:
            disc, rew = tiers.on_purchase(S, j, c, t, gross, disc, rew)
        elif S.PT[j, T_TYPE] == MEMBERSHIP:
            disc, rew = membership.on_purchase(S, j, c, gross, disc, rew)
        elif S.PT[j, T_TYPE] == REFERRAL:
            disc = referral.on_purchase(S, j, c, gross, disc)
        elif S.PT[j, T_TYPE] == PERSONALISATION:
            disc = personalisation.on_purchase(S, j, c, t, gross, disc)
        elif S.PT[j, T_TYPE] == EXCLUSIVE_ACCESS:
            exclusive_access.on_purchase(S, j, c, t)
        elif S.PT[j, T_TYPE] == STREAKS:
            rew = streaks.on_purchase(S, j, c, t, rew)
        elif S.PT[j, T_TYPE] == CASHBACK or S.PT[j, T_TYPE] == DISCOUNT:
            disc, rew = cashback.on_purchase(S, j, c, k, gross, disc, rew)
    return disc, rew


@njit(cache=True, _nrt=False)
def spend_multiplier(S, c, t, gross):
    """``gross`` times the policies' spend multipliers."""
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == PERSONALISATION:
            gross *= personalisation.spend_multiplier(S, j, c, t)
    return gross


@njit(cache=True, _nrt=False)
def conversion_multiplier(S, c, t, stage, p):
    """Conversion probability ``p`` of funnel ``stage`` times the policies' multipliers."""
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == REFERRAL:
            p *= referral.conversion(S, j, c)
        if S.PT[j, T_TYPE] == PERSONALISATION:
            p *= personalisation.conversion_multiplier(S, j, c)
        if S.PT[j, T_TYPE] == CASHBACK or S.PT[j, T_TYPE] == DISCOUNT:
            p *= cashback.conversion(S, j, c, stage)
    return p


@njit(cache=True, _nrt=False)
def winback_multiplier(S, c, t, p):
    """Win-back probability ``p`` times the policies' multipliers."""
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == CASHBACK or S.PT[j, T_TYPE] == DISCOUNT:
            p *= cashback.winback(S, j, c)
    return p


@njit(cache=True, _nrt=False)
def priority(S, c, t):
    """The customer's service priority: the lowest of the policies' (0 without one)."""
    prio = 0
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == TIERS:
            prio = min(prio, tiers.priority(S, j, c))
        if S.PT[j, T_TYPE] == TIER_PRIORITY:
            prio = min(prio, tier_priority.priority(S, j, c))
    return prio


@njit(cache=True, _nrt=False)
def timer(S, c, j, kind, t):
    """Policy ``j``'s timer ``kind`` for customer ``c`` fires at ``t`` (``ctx.at``)."""
    if S.PT[j, T_TYPE] == POINTS:
        points.timer(S, j, c, kind, t)
    elif S.PT[j, T_TYPE] == TIERS:
        tiers.timer(S, j, c, kind, t)
    elif S.PT[j, T_TYPE] == MEMBERSHIP:
        membership.renew(S, j, c, t)
    if S.PT[j, T_TYPE] == PERSONALISATION:
        personalisation.contact(S, j, c, t)


@njit(cache=True, _nrt=False)
def uniform(S, c, row, offset):
    """``ctx.uniform(c, stream)``: the next draw of the customer's policy stream (``offset`` =
    ``rng.policy_offset(stream)`` as uint64), its counter in per-customer row ``row`` of ``S.PI``."""
    n = S.PI[row, c]
    S.PI[row, c] = n + 1
    return hi(mixed(S.key[c] + offset, n))


@njit(cache=True, _nrt=False)
def rate_multiplier(S, c, t, rate):
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == PUNCH_CARD:
            rate *= _punch_rate(S, j, c)
        elif S.PT[j, T_TYPE] == POINTS:
            rate *= points.rate(S, j, c)
        elif S.PT[j, T_TYPE] == TIERS:
            rate *= tiers.rate(S, j, c, t)
        elif S.PT[j, T_TYPE] == MEMBERSHIP:
            rate *= membership.rate(S, j, c)
        elif S.PT[j, T_TYPE] == PERSONALISATION:
            rate *= personalisation.rate_multiplier(S, j, c, t)
        elif S.PT[j, T_TYPE] == EXCLUSIVE_ACCESS:
            rate *= exclusive_access.rate(S, j, c, t)
        elif S.PT[j, T_TYPE] == STREAKS:
            rate *= streaks.rate(S, j, c, t)
        elif S.PT[j, T_TYPE] == CASHBACK or S.PT[j, T_TYPE] == DISCOUNT:
            rate *= cashback.rate(S, j, c)
    return rate


@njit(cache=True, _nrt=False)
def churn_multiplier(S, c, t, mult):
    for j in range(S.PT.shape[0]):
        if S.PT[j, T_TYPE] == PUNCH_CARD:
            mult *= _punch_churn(S, j, c, t)
        elif S.PT[j, T_TYPE] == POINTS:
            mult *= points.churn(S, j, c, t)
        elif S.PT[j, T_TYPE] == TIERS:
            mult *= tiers.churn(S, j, c, t)
        elif S.PT[j, T_TYPE] == MEMBERSHIP:
            mult *= membership.churn(S, j, c)
        elif S.PT[j, T_TYPE] == STREAKS:
            mult *= streaks.churn(S, j, c, t)
    return mult
