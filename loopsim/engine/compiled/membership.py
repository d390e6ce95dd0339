"""The compiled paid membership (:mod:`loopsim.policies.rewards.membership`): joining at
acquisition, the fee and renewal timer, cancellation, members' benefits, the rate uplift and the
sunk-cost tie. Same draws, same arithmetic and the same order as the Python policy.

Policy row ``j``'s configuration is ``S.PC[j, ...]`` (columns below, after the behaviour switches
of :mod:`.programmes`), its counters ``S.PS[j, ...]``; per customer it keeps three int rows in
``S.PI`` from ``S.PT[j, T_ROW_I]``: member (0/1), bought in the current period (0/1) and the
counter of its policy stream (``ctx.uniform(c, S_MEMBERSHIP_JOIN)``).
"""

from __future__ import annotations

from numba import njit

from ...rng import S_MEMBERSHIP_JOIN, policy_offset
from . import core, programmes
from . import layout as L
from .calendar import push
from .rand import U

#: S.PC columns (after the behaviour switches)
(FEE, PERIOD, JOIN_P, JOIN_SCALES, CANCEL_P, CANCEL_UNUSED, DISCOUNT, SHIPPING, RATE_UPLIFT, SUNK,
 SUNK_STRENGTH) = range(15, 26)
#: S.PS columns (0 is the member count, programmes.S_MEMBERS)
S_JOINED, S_CANCELLED, S_FEES, S_BENEFIT = 1, 2, 3, 4
#: per-customer rows in S.PI (offsets from the policy's first row)
I_MEMBER, I_USED, I_DRAWS = 0, 1, 2
ROWS_I, ROWS_F = 3, 0
#: the policy's only timer kind: a renewal
RENEW = 0
_OFFSET = U(policy_offset(S_MEMBERSHIP_JOIN))


@njit(cache=True, _nrt=False)
def is_member(S, j, c):
    return S.PI[S.PT[j, programmes.T_ROW_I] + I_MEMBER, c] != 0


@njit(cache=True, _nrt=False)
def _draw(S, j, c):
    return programmes.uniform(S, c, S.PT[j, programmes.T_ROW_I] + I_DRAWS, _OFFSET)


@njit(cache=True, _nrt=False)
def _bill(S, j, c, t):
    """The fee now (fee_revenue of the member) and the next renewal (``Membership._bill``)."""
    fee = S.PC[j, FEE]
    if fee:
        core.post(S, L.L_FEE, t, fee, c)
        S.PS[j, S_FEES] += fee
    tn = t + S.PC[j, PERIOD]
    if tn < S.cf[L.HORIZON]:
        push(S, tn, c, L.K_POLICY, j * 64 + RENEW)


@njit(cache=True, _nrt=False)
def on_acquire(S, j, c, t):
    """A new customer joins with the join probability; then the member count."""
    prob = S.PC[j, JOIN_P] * (2.0 * S.F[L.C_S_REWARD, c] if S.PC[j, JOIN_SCALES] != 0.0 else 1.0)
    if not is_member(S, j, c) and _draw(S, j, c) < prob:
        S.PI[S.PT[j, programmes.T_ROW_I] + I_MEMBER, c] = 1
        S.PS[j, S_JOINED] += 1
        _bill(S, j, c, t)
    if is_member(S, j, c):
        S.PS[j, programmes.S_MEMBERS] += 1


@njit(cache=True, _nrt=False)
def renew(S, j, c, t):
    """A renewal (``Membership._renew``): a churned member lapses; a member cancels or pays."""
    row = S.PT[j, programmes.T_ROW_I]
    if S.PI[row + I_MEMBER, c] == 0:
        return
    if S.I[L.C_STATUS, c] != L.ACTIVE:
        S.PI[row + I_MEMBER, c] = 0      # lapses; the member count dropped at churn
        S.PS[j, S_CANCELLED] += 1
        return
    prob = S.PC[j, CANCEL_P] if S.PI[row + I_USED, c] else S.PC[j, CANCEL_UNUSED]
    S.PI[row + I_USED, c] = 0
    if _draw(S, j, c) < prob:
        S.PI[row + I_MEMBER, c] = 0
        S.PS[j, programmes.S_MEMBERS] -= 1
        S.PS[j, S_CANCELLED] += 1
        core.refresh_churn(S, c, t)      # the sunk-cost tie ends
        return
    _bill(S, j, c, t)


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, gross, disc, rew):
    """A member's discount and free shipping; returns the new (discount, reward cost)."""
    row = S.PT[j, programmes.T_ROW_I]
    if S.PI[row + I_MEMBER, c] == 0:
        return disc, rew
    S.PI[row + I_USED, c] = 1
    if S.PC[j, DISCOUNT]:
        d = S.PC[j, DISCOUNT] * (gross - disc)
        disc += d
        S.PS[j, S_BENEFIT] += d
    if S.PC[j, SHIPPING]:
        rew += S.PC[j, SHIPPING]
        S.PS[j, S_BENEFIT] += S.PC[j, SHIPPING]
    return disc, rew


@njit(cache=True, _nrt=False)
def rate(S, j, c):
    """A member's purchase-rate uplift (``Mechanisms.uplift``)."""
    if not is_member(S, j, c):
        return 1.0
    share = S.PC[j, RATE_UPLIFT]
    if S.PC[j, programmes.M_ON] == 0.0 or share == 0.0:
        return 1.0
    return 1.0 + share * programmes.response(S, j, c)


@njit(cache=True, _nrt=False)
def churn(S, j, c):
    """A member's sunk-cost tie (the policy never redeems, so no rewarded-behaviour effect)."""
    if not is_member(S, j, c) or S.PC[j, SUNK] == 0.0:
        return 1.0
    return programmes._tie(S, j, c, S.PC[j, SUNK_STRENGTH], 1.0)
