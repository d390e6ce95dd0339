"""The compiled referral programme (:mod:`loopsim.policies.rewards.referral`): the referrer's
reward at a referred customer's acquisition, the referee's money off its first purchase and the
referred prospects' conversion uplift (the referral-rate uplift is the driver's, once a day:
:meth:`.policies.CompiledReferral.referral_rate_multiplier`). Same arithmetic and order as the
Python policy.

Per customer it keeps two int rows in ``S.PI`` from ``S.PT[j, T_ROW_I]``: rewards earned as a
referrer, and a pending referee reward (0/1).
"""

from __future__ import annotations

from numba import njit

from . import core, programmes
from . import layout as L

#: S.PC columns (after the behaviour switches); MAX_REWARDS is inf without a cap
REFERRER_REWARD, REFEREE_REWARD, MAX_REWARDS, CONVERSION_UPLIFT = range(15, 19)
#: S.PS columns (0 is the member count, programmes.S_MEMBERS)
S_REFERRED, S_REFERRER_PAID, S_REFEREE_PAID = 1, 2, 3
#: per-customer rows in S.PI (offsets from the policy's first row)
I_REWARDS, I_PENDING = 0, 1
ROWS_I, ROWS_F = 2, 0


@njit(cache=True, _nrt=False)
def on_acquire(S, j, c, t):
    """Count the member; a referred customer: its reward waits, its referrer earns one."""
    S.PS[j, programmes.S_MEMBERS] += 1
    r = S.I[L.C_REFERRED_BY, c]
    if r < 0 or S.I[L.C_CHANNEL, c] != L.CH_REFERRAL:
        return
    S.PS[j, S_REFERRED] += 1
    row = S.PT[j, programmes.T_ROW_I]
    if S.PC[j, REFEREE_REWARD] > 0:
        S.PI[row + I_PENDING, c] = 1
    n = S.PI[row + I_REWARDS, r]
    reward = S.PC[j, REFERRER_REWARD]
    if reward > 0 and n < S.PC[j, MAX_REWARDS]:
        S.PI[row + I_REWARDS, r] = n + 1
        core.post(S, L.L_REWARD, t, reward, r)
        S.PS[j, S_REFERRER_PAID] += reward


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, gross, disc):
    """The referee's money off its first purchase; returns the new discount."""
    row = S.PT[j, programmes.T_ROW_I] + I_PENDING
    if S.PI[row, c]:
        S.PI[row, c] = 0
        v = min(S.PC[j, REFEREE_REWARD], gross - disc)
        if v > 0:
            disc += v
            S.PS[j, S_REFEREE_PAID] += v
    return disc


@njit(cache=True, _nrt=False)
def conversion(S, j, c):
    """A referred prospect's conversion multiplier at each funnel stage."""
    if S.PC[j, programmes.M_ON] == 0.0 or S.I[L.C_REFERRED_BY, c] < 0:
        return 1.0
    return 1.0 + S.PC[j, CONVERSION_UPLIFT]
