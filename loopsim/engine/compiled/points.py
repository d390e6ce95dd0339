"""The compiled points programme: :class:`loopsim.policies.rewards.points.Points` in numba, the
same ledger arithmetic in the same order (bit-identical balances, expiries and summaries).

Per customer: the balance and the last purchase (rolling expiry) in ``S.PF``, the redeem stream's
counter and the list of the customer's unexpired batches (fixed expiry) in ``S.PI``. A batch
(points earned at one moment, what is left of them and when they expire) lives in the shared
pool ``S.PB``/``S.PBI``, oldest first per customer (the Python policy's deque), recycled through
a free list; ``loop.room`` keeps it from filling up.
"""

from __future__ import annotations

import math

from numba import njit

from ...rng import S_POINTS_REDEEM, policy_offset
from . import core, programmes, tiers
from . import layout as L
from .calendar import push
from .rand import U

#: the redeem stream's offset (``ctx.uniform(c, S_POINTS_REDEEM)``)
_OFFSET = U(policy_offset(S_POINTS_REDEEM))
_EPS = 1e-9
#: S.PC columns after the behaviour switches (the segments' earn multipliers from SEG0)
EARN_RATE, EARN_GROSS, WELCOME, THRESHOLD, VALUE, REDEEM_P, EXPIRY, EXPIRY_DAYS, SEG0 = range(15, 24)
NO_EXPIRY, FIXED, ROLLING = 0, 1, 2
#: S.PS columns after S_MEMBERS
S_EARNED, S_REDEEMED, S_EXPIRED, S_OUTSTANDING, S_REDEMPTIONS = range(1, 6)
#: per-customer rows (programmes.ROWS_I and ROWS_F count them): PI (row 0: the mechanisms'
#: rewarded-ever), PF (row 0: last redeemed)
I_DRAWS, I_HEAD, I_TAIL = 1, 2, 3      # redeem draws so far; batch list (slot + 1, 0: empty)
F_BALANCE, F_LAST_ACTIVITY = 1, 2      # points; day of the last purchase (NaN: none)
#: timer kinds (``programmes.timer``)
T_EXPIRE_FIXED, T_EXPIRE_ROLLING = 0, 1


# ------------------------------------------------------------------ the batch pool
@njit(cache=True, _nrt=False)
def _append(S, j, c, t, pts):
    """Append a batch of ``pts`` points expiring at ``t`` to customer ``c``'s list."""
    ctl = S.ctl
    f = ctl[L.PB_FREE]
    if f > 0:
        b = f - 1
        ctl[L.PB_FREE] = S.PBI[L.PB_NEXT, b]
    else:
        b = ctl[L.PB_USED]
        ctl[L.PB_USED] = b + 1
    ctl[L.PB_LIVE] += 1
    S.PB[L.PB_T, b] = t
    S.PB[L.PB_PTS, b] = pts
    S.PBI[L.PB_NEXT, b] = 0
    row = S.PT[j, programmes.T_ROW_I]
    tail = S.PI[row + I_TAIL, c]
    if tail == 0:
        S.PI[row + I_HEAD, c] = b + 1
    else:
        S.PBI[L.PB_NEXT, tail - 1] = b + 1
    S.PI[row + I_TAIL, c] = b + 1


@njit(cache=True, _nrt=False)
def _pop(S, j, c, b):
    """Remove batch ``b``, the head of customer ``c``'s list, and free its slot."""
    row = S.PT[j, programmes.T_ROW_I]
    nxt = S.PBI[L.PB_NEXT, b]
    S.PI[row + I_HEAD, c] = nxt
    if nxt == 0:
        S.PI[row + I_TAIL, c] = 0
    S.PBI[L.PB_NEXT, b] = S.ctl[L.PB_FREE]
    S.ctl[L.PB_FREE] = b + 1
    S.ctl[L.PB_LIVE] -= 1


# ------------------------------------------------------------------ the ledger
@njit(cache=True, _nrt=False)
def _earn(S, j, c, t, pts):
    if pts <= 0.0:
        return
    rf = S.PT[j, programmes.T_ROW_F]
    S.PF[rf + F_BALANCE, c] = S.PF[rf + F_BALANCE, c] + pts
    S.PS[j, S_EARNED] += pts
    S.PS[j, S_OUTSTANDING] += pts
    if S.PC[j, EXPIRY] == FIXED:
        te = t + S.PC[j, EXPIRY_DAYS]
        _append(S, j, c, te, pts)
        if te < S.cf[L.HORIZON]:
            push(S, te, c, L.K_POLICY, j * 64 + T_EXPIRE_FIXED)


@njit(cache=True, _nrt=False)
def _take(S, j, c, pts):
    """Remove ``pts`` from the balance (oldest batches first)."""
    rf = S.PT[j, programmes.T_ROW_F]
    S.PF[rf + F_BALANCE, c] -= pts
    row = S.PT[j, programmes.T_ROW_I] + I_HEAD
    while S.PI[row, c] > 0 and pts > _EPS:
        b = S.PI[row, c] - 1
        if S.PB[L.PB_PTS, b] <= pts + _EPS:
            pts -= S.PB[L.PB_PTS, b]
            _pop(S, j, c, b)
        else:
            S.PB[L.PB_PTS, b] -= pts
            pts = 0.0


@njit(cache=True, _nrt=False)
def _expire(S, j, c, t, pts):
    if pts <= 0.0:
        return
    row = S.PT[j, programmes.T_ROW_F] + F_BALANCE
    S.PF[row, c] -= pts
    if S.PF[row, c] < _EPS:
        S.PF[row, c] = 0.0
    S.PS[j, S_EXPIRED] += pts
    S.PS[j, S_OUTSTANDING] -= pts
    core.refresh_churn(S, c, t)      # the switching cost of the balance fell


@njit(cache=True, _nrt=False)
def timer(S, j, c, kind, t):
    """An expiry timer: the batches due by ``t`` (fixed) or the whole balance after
    ``expiry_days`` without a purchase (rolling)."""
    if kind == T_EXPIRE_FIXED:
        row = S.PT[j, programmes.T_ROW_I] + I_HEAD
        pts = 0.0
        while S.PI[row, c] > 0 and S.PB[L.PB_T, S.PI[row, c] - 1] <= t + _EPS:
            b = S.PI[row, c] - 1
            pts += S.PB[L.PB_PTS, b]
            _pop(S, j, c, b)
        _expire(S, j, c, t, pts)
    else:
        rf = S.PT[j, programmes.T_ROW_F]
        last = S.PF[rf + F_LAST_ACTIVITY, c]
        if math.isnan(last):
            last = -1e300
        if t - last >= S.PC[j, EXPIRY_DAYS] - _EPS:
            _expire(S, j, c, t, S.PF[rf + F_BALANCE, c])


# ------------------------------------------------------------------ hooks
@njit(cache=True, _nrt=False)
def on_acquire(S, j, c, t):
    """A new member: an empty balance and the welcome points."""
    S.PF[S.PT[j, programmes.T_ROW_F] + F_BALANCE, c] = 0.0
    _earn(S, j, c, t, S.PC[j, WELCOME])


@njit(cache=True, _nrt=False)
def _redeem(S, j, c, t, gross, disc):
    """Redeem whole blocks if the balance allows and the customer chooses to; the discount."""
    thr = S.PC[j, THRESHOLD]
    value = S.PC[j, VALUE]
    bal = S.PF[S.PT[j, programmes.T_ROW_F] + F_BALANCE, c]
    if bal >= thr - _EPS and value > 0 and (
            S.PC[j, REDEEM_P] >= 1.0
            or programmes.uniform(S, c, S.PT[j, programmes.T_ROW_I] + I_DRAWS, _OFFSET)
            < S.PC[j, REDEEM_P]):
        blocks = int((bal + _EPS) // thr)
        # the blocks that fit in the price (floats first, as the Python policy)
        blocks = int(min(blocks, max(1.0, (gross - disc) // value)))
        pts = blocks * thr
        off = min(blocks * value, gross - disc)
        _take(S, j, c, pts)
        S.PS[j, S_REDEEMED] += pts
        S.PS[j, S_OUTSTANDING] -= pts
        S.PS[j, S_REDEMPTIONS] += 1
        disc += off
        S.ctl[L.P_REDEEMED] = 1
        programmes._redeemed(S, j, c, t)
    return disc


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, t, gross, disc):
    """Redeem, then earn on the amount paid (or the list price) times the segment's and the
    other policies' earn multipliers; returns the discount so far."""
    disc = _redeem(S, j, c, t, gross, disc)
    base = gross if S.PC[j, EARN_GROSS] != 0.0 else gross - disc
    mult = S.PC[j, SEG0 + S.I[L.C_SEG, c]]
    for i in range(S.PT.shape[0]):
        if i != j and S.PT[i, programmes.T_TYPE] == programmes.TIERS:
            mult *= tiers.earn_multiplier(S, i, c)
    _earn(S, j, c, t, S.PC[j, EARN_RATE] * base * mult)
    if S.PC[j, EXPIRY] == ROLLING:
        S.PF[S.PT[j, programmes.T_ROW_F] + F_LAST_ACTIVITY, c] = t
        te = t + S.PC[j, EXPIRY_DAYS]
        if te < S.cf[L.HORIZON]:
            push(S, te, c, L.K_POLICY, j * 64 + T_EXPIRE_ROLLING)
    return disc


@njit(cache=True, _nrt=False)
def rate(S, j, c):
    """Goal gradient on the balance's progress to the next reward."""
    if S.PC[j, programmes.M_ON] == 0.0:
        return 1.0
    real = S.PF[S.PT[j, programmes.T_ROW_F] + F_BALANCE, c] / S.PC[j, THRESHOLD]
    return programmes._gradient(S, j, c, programmes._progress(S, j, c, real, real))


@njit(cache=True, _nrt=False)
def churn(S, j, c, t):
    """Rewarded-behaviour effect times the switching cost of the unredeemed balance."""
    m = programmes._rewarded_churn(S, j, c, t)
    bal = S.PF[S.PT[j, programmes.T_ROW_F] + F_BALANCE, c]
    if bal > 0.0 and S.PC[j, programmes.M_SWITCHING] != 0.0:
        m *= programmes._tie(S, j, c, S.PC[j, programmes.M_SWITCHING_STRENGTH], bal / S.PC[j, THRESHOLD])
    return m
