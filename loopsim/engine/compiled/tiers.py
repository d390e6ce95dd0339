"""The compiled status tiers: :class:`loopsim.policies.rewards.tiers.Tiers` in numba, the same
qualification windows, reviews, upgrades, demotions and benefits in the same order.

Per customer: the tier and the demotions in ``S.PI``; the window's metric, the window's end (NaN:
no window), the demotion effect's start (NaN: never) and the first and last demotion while a
customer (NaN: none) in ``S.PF`` (the demotions and these two times: the customers table's tier
columns, :meth:`~.policies.CompiledTiers.customer_columns`). Per tier (``S.PC`` from ``TIER0``,
``TIER_WIDTH`` columns each): threshold, points earn multiplier, discount rate, free-shipping
value, service priority. Active members per tier are counters ``S.PS[j, COUNT0 + k]`` (the daily
cost and the ``tier_*`` timeline columns are Python, :class:`~.policies.CompiledTiers`).
"""

from __future__ import annotations

import math

from numba import njit

from . import core, programmes
from . import layout as L
from .calendar import push

#: S.PC columns after the behaviour switches: the policy's own, then the tiers
(METRIC_PURCHASES, WINDOW, TO_QUALIFIED, N_TIERS, DA_ON, DA_STRENGTH, DA_HORIZON, DA_NEAR, STATUS_ON,
 STATUS_STRENGTH, DC_ON, DC_INCREASE, DC_DAYS) = range(15, 28)
TIER0, TIER_WIDTH = 28, 5
TH, EARN, DISCOUNT, SHIPPING, PRIORITY = range(5)       # a tier's columns
#: S.PS columns after S_MEMBERS; active members of tier k at COUNT0 + k
S_UPGRADES, S_DEMOTIONS, S_REQUALIFIED, S_BENEFIT, COUNT0 = range(1, 6)
#: per-customer rows (programmes.ROWS_I and ROWS_F count them): PI (row 0: the mechanisms'
#: rewarded-ever), PF (row 0: last redeemed)
I_TIER, I_DEMOTIONS = 1, 2
F_METRIC, F_WINDOW_END, F_DEMOTED_AT, F_FIRST_DEMOTED, F_LAST_DEMOTED = 1, 2, 3, 4, 5
#: timer kind (``programmes.timer``)
T_REVIEW = 0


@njit(cache=True, _nrt=False)
def _tier(S, j, k, col):
    return S.PC[j, TIER0 + TIER_WIDTH * k + col]


@njit(cache=True, _nrt=False)
def _qualified(S, j, m):
    k = 0
    for i in range(int(S.PC[j, N_TIERS])):
        if m >= _tier(S, j, i, TH) - 1e-9:
            k = i
    return k


@njit(cache=True, _nrt=False)
def _start_window(S, j, c, t):
    end = t + S.PC[j, WINDOW]
    rf = S.PT[j, programmes.T_ROW_F]
    S.PF[rf + F_METRIC, c] = 0.0
    S.PF[rf + F_WINDOW_END, c] = end
    if end < S.cf[L.HORIZON]:
        push(S, end, c, L.K_POLICY, j * 64 + T_REVIEW)


@njit(cache=True, _nrt=False)
def _set_tier(S, j, c, new):
    row = S.PT[j, programmes.T_ROW_I] + I_TIER
    cur = S.PI[row, c]
    if cur == new:
        return
    if S.I[L.C_STATUS, c] == L.ACTIVE:
        S.PS[j, COUNT0 + cur] -= 1
        S.PS[j, COUNT0 + new] += 1
    S.PI[row, c] = new


@njit(cache=True, _nrt=False)
def _demote(S, j, c, t):
    """``Mechanisms.demote``: the churn intensity rises for ``demotion_effect_days``."""
    if S.PC[j, programmes.M_ON] != 0.0 and S.PC[j, DC_ON] != 0.0:
        S.PF[S.PT[j, programmes.T_ROW_F] + F_DEMOTED_AT, c] = t
        core.refresh_churn(S, c, t)
        tt = t + S.PC[j, DC_DAYS]
        if S.cf[L.HAZARD_PROCESS] != 0.0 and tt < S.cf[L.HORIZON]:
            push(S, tt, c, L.K_REFRESH, 0)


@njit(cache=True, _nrt=False)
def _record_demotion(S, j, c, t):
    """``Tiers._record_demotion``: the customer's demotions, the first and last one's time while
    it is a customer."""
    S.PI[S.PT[j, programmes.T_ROW_I] + I_DEMOTIONS, c] += 1
    if S.I[L.C_STATUS, c] != L.ACTIVE:
        return
    rf = S.PT[j, programmes.T_ROW_F]
    if math.isnan(S.PF[rf + F_FIRST_DEMOTED, c]):
        S.PF[rf + F_FIRST_DEMOTED, c] = t
    S.PF[rf + F_LAST_DEMOTED, c] = t


@njit(cache=True, _nrt=False)
def timer(S, j, c, kind, t):
    """The review at the end of customer ``c``'s window: keep, requalify or demote; a new window."""
    rf = S.PT[j, programmes.T_ROW_F]
    end = S.PF[rf + F_WINDOW_END, c]
    if (-1.0 if math.isnan(end) else end) > t + 1e-9:
        return
    cur = S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c]
    q = _qualified(S, j, S.PF[rf + F_METRIC, c])
    new = cur
    if q >= cur:
        if cur > 0:
            S.PS[j, S_REQUALIFIED] += 1
    else:
        new = q if S.PC[j, TO_QUALIFIED] != 0.0 else cur - 1
        S.PS[j, S_DEMOTIONS] += 1
        _record_demotion(S, j, c, t)
    _set_tier(S, j, c, new)
    if new < cur:
        _demote(S, j, c, t)
    if S.I[L.C_STATUS, c] == L.ACTIVE:
        _start_window(S, j, c, t)
    else:
        S.PF[rf + F_WINDOW_END, c] = math.nan


# ------------------------------------------------------------------ hooks
@njit(cache=True, _nrt=False)
def on_acquire(S, j, c, t):
    S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c] = 0
    S.PS[j, COUNT0] += 1
    _start_window(S, j, c, t)


@njit(cache=True, _nrt=False)
def on_churn(S, j, c):
    S.PS[j, COUNT0 + S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c]] -= 1


@njit(cache=True, _nrt=False)
def on_reactivate(S, j, c, t):
    S.PS[j, COUNT0 + S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c]] += 1
    end = S.PF[S.PT[j, programmes.T_ROW_F] + F_WINDOW_END, c]
    if math.isnan(end) or end <= t:
        _start_window(S, j, c, t)


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, t, gross, disc, rew):
    """The tier's discount and free shipping, then the window's metric and an upgrade; returns
    the discount and the other reward cost so far."""
    k = S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c]
    rate = _tier(S, j, k, DISCOUNT)
    if rate:
        d = rate * (gross - disc)
        disc += d
        S.PS[j, S_BENEFIT] += d
    ship = _tier(S, j, k, SHIPPING)
    if ship:
        rew += ship
        S.PS[j, S_BENEFIT] += ship
    row = S.PT[j, programmes.T_ROW_F] + F_METRIC
    m = S.PF[row, c]
    m = (0.0 if math.isnan(m) else m) + (1.0 if S.PC[j, METRIC_PURCHASES] != 0.0 else gross)
    S.PF[row, c] = m
    q = _qualified(S, j, m)
    if q > k:
        S.PS[j, S_UPGRADES] += 1
        _set_tier(S, j, c, q)
        programmes._redeemed(S, j, c, t)
    return disc, rew


@njit(cache=True, _nrt=False)
def earn_multiplier(S, j, c):
    """Points earn multiplier of the customer's tier (read by a points policy)."""
    return _tier(S, j, S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c], EARN)


@njit(cache=True, _nrt=False)
def priority(S, j, c):
    """The customer's service priority in this programme (lower is served first)."""
    return int(_tier(S, j, S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c], PRIORITY))


@njit(cache=True, _nrt=False)
def rate(S, j, c, t):
    """Demotion aversion: a member short of requalifying late in the window buys sooner."""
    if S.PC[j, programmes.M_ON] == 0.0:
        return 1.0
    k = S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c]
    if k == 0:
        return 1.0
    th = _tier(S, j, k, TH)
    rf = S.PT[j, programmes.T_ROW_F]
    m = S.PF[rf + F_METRIC, c]
    end = S.PF[rf + F_WINDOW_END, c]
    short = th - (0.0 if math.isnan(m) else m)
    left = (t if math.isnan(end) else end) - t
    if S.PC[j, DA_ON] == 0.0 or short <= 0.0 or th <= 0.0:
        return 1.0
    if left <= S.PC[j, DA_HORIZON] and short <= S.PC[j, DA_NEAR] * th:
        return 1.0 + S.PC[j, DA_STRENGTH] * programmes.response(S, j, c)
    return 1.0


@njit(cache=True, _nrt=False)
def churn(S, j, c, t):
    """Rewarded-behaviour effect (upgrades), status tie of the tier, demotion effect."""
    m = programmes._rewarded_churn(S, j, c, t)
    k = S.PI[S.PT[j, programmes.T_ROW_I] + I_TIER, c]
    if k and S.PC[j, STATUS_ON] != 0.0:
        m *= programmes._tie(S, j, c, S.PC[j, STATUS_STRENGTH], k / (S.PC[j, N_TIERS] - 1.0))
    last = S.PF[S.PT[j, programmes.T_ROW_F] + F_DEMOTED_AT, c]
    if not math.isnan(last) and t - last < S.PC[j, DC_DAYS]:
        m *= 1.0 + S.PC[j, DC_INCREASE] * programmes.response(S, j, c) * S.PC[j, programmes.M_DILUTION]
    return m
