"""The compiled streaks (:mod:`loopsim.policies.rewards.streaks`): periods in a row with a
purchase, a badge and bonus every ``bonus_every`` of them (a reward for the rewarded-behaviour
effect) and the rate uplift of a growing streak. Same arithmetic and order as the Python policy.

Policy row ``j``'s configuration is ``S.PC[j, ...]`` (columns below, after the behaviour switches
of :mod:`.programmes`), its counters ``S.PS[j, ...]``; per customer it keeps three int rows in
``S.PI`` from ``S.PT[j, T_ROW_I]`` (rewarded ever, as every programme's row 0; the streak in
periods; the last period with a purchase plus one, 0: none) and one float row in ``S.PF`` (the
last badge's day, :data:`.programmes.F_LAST_REDEEMED`).
"""

from __future__ import annotations

from numba import njit

from . import layout as L
from . import programmes

#: S.PC columns (after the behaviour switches): badge every (periods), bonus (currency), period
#: length (days), rate uplift at a full streak (share)
BONUS_EVERY, BONUS_VALUE, PERIOD, STRENGTH = range(15, 19)
#: S.PS columns (0 is the member count, programmes.S_MEMBERS)
S_BADGES, S_PAID, S_LONGEST = 1, 2, 3
#: per-customer rows in S.PI (offsets from the policy's first row; 0 is I_REWARDED_EVER)
I_STREAK, I_LAST = 1, 2
ROWS_I, ROWS_F = 3, 1


@njit(cache=True, _nrt=False)
def _period(S, j, c, t):
    """The customer's period at day ``t``, counted from its acquisition."""
    return int((t - S.F[L.C_ACQUIRED_AT, c]) // S.PC[j, PERIOD])


@njit(cache=True, _nrt=False)
def _current(S, j, c, t):
    """The streak at ``t``: 0 if the last purchase was more than a period ago (``_current``)."""
    row = S.PT[j, programmes.T_ROW_I]
    last1 = S.PI[row + I_LAST, c]
    if last1 == 0 or _period(S, j, c, t) - (last1 - 1) > 1:
        return 0
    return S.PI[row + I_STREAK, c]


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, t, rew):
    """Purchase at day ``t``: the streak grows or restarts; a badge pays its bonus (returned
    with the other reward cost ``rew``, currency) and counts as a redemption."""
    k = _period(S, j, c, t)
    row = S.PT[j, programmes.T_ROW_I]
    last1 = S.PI[row + I_LAST, c]
    if last1 != 0 and last1 - 1 == k:
        return rew
    s = S.PI[row + I_STREAK, c] + 1 if last1 != 0 and last1 - 1 == k - 1 else 1
    S.PI[row + I_STREAK, c] = s
    S.PI[row + I_LAST, c] = k + 1
    S.PS[j, S_LONGEST] = max(S.PS[j, S_LONGEST], s)
    if s % int(S.PC[j, BONUS_EVERY]) == 0:
        S.PS[j, S_BADGES] += 1
        bonus = S.PC[j, BONUS_VALUE]
        if bonus:
            rew += bonus
            S.PS[j, S_PAID] += bonus
        programmes._redeemed(S, j, c, t)
    return rew


@njit(cache=True, _nrt=False)
def rate(S, j, c, t):
    """The purchase-rate uplift of a growing streak (``Mechanisms.uplift``)."""
    strength = S.PC[j, STRENGTH]
    if S.PC[j, programmes.M_ON] == 0.0 or not strength:
        return 1.0
    s = _current(S, j, c, t)
    if s <= 0:
        return 1.0
    n = int(S.PC[j, BONUS_EVERY])
    share = strength * min(s, n) / n
    if share == 0.0:
        return 1.0
    return 1.0 + share * programmes.response(S, j, c)


@njit(cache=True, _nrt=False)
def churn(S, j, c, t):
    """The rewarded-behaviour effect of a recent badge (``Programme.churn_multiplier``)."""
    return programmes._rewarded_churn(S, j, c, t)
