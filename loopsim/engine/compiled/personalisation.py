"""Compiled personalisation (:mod:`loopsim.policies.personalisation`): offers by segment, by
individual preference or learnt by Thompson sampling; contact fatigue, unsubscribes, privacy
backlash; the offer's uplift of purchase rate, basket and conversion, and its discount.

Policy ``j``'s configuration is ``S.PC[j, X_*]``, its counters and per-segment state (the running
share of relevant offers, the bandit's Beta parameters) ``S.PS[j, *]``, its per-customer state
rows ``I_*`` of ``S.PI`` and ``F_*`` of ``S.PF`` (from ``S.PT[j, T_ROW_I]``/``T_ROW_F``).

Every statement mirrors the Python policy's, in the same order with the same float arithmetic,
so both engines give the same numbers. The contacts are the one part that needs care about event
order: the Python policy schedules them with ``ctx.schedule`` (a SimPy timeout), not on the
engine's calendar. They are pushed here with :func:`.calendar.push_simpy`, which orders them as
SimPy does (see there).
"""

from __future__ import annotations

import math

from numba import njit

from ...rng import (
    S_PERSONALISATION_CONTACT,
    S_PERSONALISATION_FIRST_CONTACT,
    S_PERSONALISATION_PREFERENCE,
    S_PERSONALISATION_THOMPSON,
    policy_offset,
)
from . import core
from . import layout as L
from . import programmes as P
from .calendar import push_simpy
from .rand import U, betaincinv

#: modes (``PersonalisationParams.mode``)
MODES = ("none", "segment", "individual", "learning")
NONE, SEGMENT, INDIVIDUAL, LEARNING = range(4)
GENERIC = -1
#: the contact timer's kind (``K_POLICY`` events carry ``a = j * 64 + kind``)
T_CONTACT = 0
#: S.PC columns (after the programmes' behaviour switches, which this policy does not use)
(X_MODE, X_OFFERS, X_CONC, X_ACC, X_HALF, X_INTERVAL, X_VALIDITY, X_RATE_UP, X_BASKET_UP, X_CONV_UP,
 X_DISC, X_RESP_REL, X_RESP_IRR, X_IRR_FATIGUE, X_LAM, X_UNSUB, X_SAT_REL, X_SAT_IRR, X_PRIV_P,
 X_PRIV_SAT, X_COST, X_NSEG, X_TYPICAL) = range(16, 39)   # X_TYPICAL + segment: its offer
#: S.PS columns: counters (column 0 is the generic member count), then per-segment state
(S_SENT, S_RELEVANT, S_IRRELEVANT, S_UNSUBS, S_BACKLASHES, S_DAY_SENT, S_DAY_RELEVANT) = range(1, 8)
S_QUALITY = 8        # + segment: running share of relevant offers; then the bandit's (alpha, beta)
#: per-customer rows: PI (ints) and PF (floats, NaN = none)
(I_PREF, I_SCHEDULED, I_UNSUB, I_CTR_PREF, I_CTR_CONTACT, I_CTR_TS, I_CTR_FIRST) = range(7)
F_FATIGUE, F_FATIGUE_T, F_UNTIL = range(3)     # programmes.ROWS_I/ROWS_F count them
_OFF_PREF = U(policy_offset(S_PERSONALISATION_PREFERENCE))
_OFF_CONTACT = U(policy_offset(S_PERSONALISATION_CONTACT))
_OFF_TS = U(policy_offset(S_PERSONALISATION_THOMPSON))
_OFF_FIRST = U(policy_offset(S_PERSONALISATION_FIRST_CONTACT))


def state_width(segments: int, offers: int) -> int:
    """Columns of ``S.PS`` a personalisation policy needs."""
    return S_QUALITY + segments + 2 * segments * offers


@njit(cache=True, _nrt=False)
def _draw(S, j, c, ctr, offset):
    """``ctx.uniform(c, stream)``: the draw of policy stream ``offset`` whose counter is row
    ``ctr`` (a scenario has at most one personalisation policy, so no other policy shares it)."""
    return P.uniform(S, c, S.PT[j, P.T_ROW_I] + ctr, offset)


@njit(cache=True, _nrt=False)
def _ts(S, j, seg, k):
    """Column of the bandit's alpha for (segment, offer); beta is the next one."""
    return S_QUALITY + int(S.PC[j, X_NSEG]) + 2 * (seg * int(S.PC[j, X_OFFERS]) + k)


@njit(cache=True, _nrt=False)
def _preference(S, j, c):
    row = S.PT[j, P.T_ROW_I] + I_PREF
    k = S.PI[row, c] - 1        # stored + 1: 0 = not drawn yet
    if k < 0:
        u1 = _draw(S, j, c, I_CTR_PREF, _OFF_PREF)
        u2 = _draw(S, j, c, I_CTR_PREF, _OFF_PREF)
        offers = int(S.PC[j, X_OFFERS])
        if u1 < S.PC[j, X_CONC]:
            k = int(S.PC[j, X_TYPICAL + S.I[L.C_SEG, c]])
        else:
            k = min(int(u2 * S.PC[j, X_OFFERS]), offers - 1)
        S.PI[row, c] = k + 1
    return k


@njit(cache=True, _nrt=False)
def _choose(S, j, c):
    """(offer, individually targeted?)"""
    mode = S.PC[j, X_MODE]
    if mode == SEGMENT:
        return int(S.PC[j, X_TYPICAL + S.I[L.C_SEG, c]]), False
    if mode == INDIVIDUAL:
        n = S.I[L.C_PURCHASES, c]
        half = S.PC[j, X_HALF]
        acc = S.PC[j, X_ACC] if half == 0 else S.PC[j, X_ACC] * n / (n + half)
        if acc > 0 and _draw(S, j, c, I_CTR_CONTACT, _OFF_CONTACT) < acc:
            return _preference(S, j, c), True
        return GENERIC, False
    seg = S.I[L.C_SEG, c]
    best, best_x = 0, -1.0
    for k in range(int(S.PC[j, X_OFFERS])):
        col = _ts(S, j, seg, k)
        x = betaincinv(S.PS[j, col], S.PS[j, col + 1], _draw(S, j, c, I_CTR_TS, _OFF_TS))
        if x > best_x:
            best, best_x = k, x
    return best, True


# ------------------------------------------------------------------ hooks
@njit(cache=True, _nrt=False)
def on_acquire(S, j, c, t):
    if S.PC[j, X_MODE] != NONE:   # first offer at a uniform time within the first interval
        _schedule(S, j, c, t, S.PC[j, X_INTERVAL] * _draw(S, j, c, I_CTR_FIRST, _OFF_FIRST))


@njit(cache=True, _nrt=False)
def on_reactivate(S, j, c, t):
    if S.PC[j, X_MODE] != NONE:
        _schedule(S, j, c, t, S.PC[j, X_INTERVAL])


@njit(cache=True, _nrt=False)
def _schedule(S, j, c, t, delay):
    row = S.PT[j, P.T_ROW_I]
    if S.PI[row + I_SCHEDULED, c] or S.PI[row + I_UNSUB, c]:
        return
    if t + delay >= S.cf[L.HORIZON]:
        return
    S.PI[row + I_SCHEDULED, c] = 1
    push_simpy(S, t + delay, c, L.K_POLICY, j * 64 + T_CONTACT)


@njit(cache=True, _nrt=False)
def contact(S, j, c, t):
    """A contact falls due (``Personalisation._contact``)."""
    row = S.PT[j, P.T_ROW_I]
    S.PI[row + I_SCHEDULED, c] = 0
    if S.I[L.C_STATUS, c] != L.ACTIVE or S.PI[row + I_UNSUB, c]:
        return
    offer, targeted = _choose(S, j, c)
    S.PS[j, S_SENT] += 1
    S.PS[j, S_DAY_SENT] += 1
    if S.PC[j, X_COST]:
        core.post(S, L.L_PERSONAL, t, S.PC[j, X_COST], c)
    rf = S.PT[j, P.T_ROW_F]
    t0 = S.PF[rf + F_FATIGUE_T, c]
    f = 0.0 if math.isnan(t0) else S.PF[rf + F_FATIGUE, c]
    if math.isnan(t0):
        t0 = t
    f = f * math.exp(-S.PC[j, X_LAM] * (t - t0)) + 1.0
    if offer != GENERIC:
        f = _offer(S, j, c, t, offer, f)
    S.PF[rf + F_FATIGUE, c] = f
    S.PF[rf + F_FATIGUE_T, c] = t
    p_priv = S.PC[j, X_PRIV_P]
    if targeted and p_priv and _draw(S, j, c, I_CTR_CONTACT, _OFF_CONTACT) < p_priv:
        S.PS[j, S_BACKLASHES] += 1
        core.change_satisfaction(S, c, S.PC[j, X_PRIV_SAT], t)
        _unsubscribe(S, j, c)
        return
    per = S.PC[j, X_UNSUB]
    if per and _draw(S, j, c, I_CTR_CONTACT, _OFF_CONTACT) < min(1.0, per * f):
        _unsubscribe(S, j, c)
        return
    _schedule(S, j, c, t, S.PC[j, X_INTERVAL])


@njit(cache=True, _nrt=False)
def _offer(S, j, c, t, offer, f):
    """A non-generic offer's effects (part of ``_contact``); returns the fatigue."""
    relevant = offer == _preference(S, j, c)
    col = S_QUALITY + S.I[L.C_SEG, c]
    S.PS[j, col] = 0.95 * S.PS[j, col] + 0.05 * (1.0 if relevant else 0.0)
    s = S.F[L.C_S_PERS, c]
    if relevant:
        S.PS[j, S_RELEVANT] += 1
        S.PS[j, S_DAY_RELEVANT] += 1
        S.PF[S.PT[j, P.T_ROW_F] + F_UNTIL, c] = t + S.PC[j, X_VALIDITY]
        if S.PC[j, X_SAT_REL]:
            core.change_satisfaction(S, c, S.PC[j, X_SAT_REL] * 2.0 * s, t)
    else:
        S.PS[j, S_IRRELEVANT] += 1
        f += S.PC[j, X_IRR_FATIGUE]
        if S.PC[j, X_SAT_IRR]:
            core.change_satisfaction(S, c, S.PC[j, X_SAT_IRR] * 2.0 * s, t)
    if S.PC[j, X_MODE] == LEARNING:
        p = S.PC[j, X_RESP_REL] if relevant else S.PC[j, X_RESP_IRR]
        resp = _draw(S, j, c, I_CTR_CONTACT, _OFF_CONTACT) < p
        S.PS[j, _ts(S, j, S.I[L.C_SEG, c], offer) + (0 if resp else 1)] += 1.0
    return f


@njit(cache=True, _nrt=False)
def _unsubscribe(S, j, c):
    S.PI[S.PT[j, P.T_ROW_I] + I_UNSUB, c] = 1
    S.PS[j, S_UNSUBS] += 1
    S.PF[S.PT[j, P.T_ROW_F] + F_UNTIL, c] = math.nan


@njit(cache=True, _nrt=False)
def _boost(S, j, c, t):
    u = S.PF[S.PT[j, P.T_ROW_F] + F_UNTIL, c]
    return 2.0 * S.F[L.C_S_PERS, c] if not math.isnan(u) and t < u else 0.0


@njit(cache=True, _nrt=False)
def rate_multiplier(S, j, c, t):
    return 1.0 + S.PC[j, X_RATE_UP] * _boost(S, j, c, t)


@njit(cache=True, _nrt=False)
def spend_multiplier(S, j, c, t):
    return 1.0 + S.PC[j, X_BASKET_UP] * _boost(S, j, c, t)


@njit(cache=True, _nrt=False)
def conversion_multiplier(S, j, c):
    q = S.PS[j, S_QUALITY + S.I[L.C_SEG, c]]
    return 1.0 + S.PC[j, X_CONV_UP] * q * 2.0 * S.F[L.C_S_PERS, c] if q else 1.0


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, t, gross, disc):
    """The purchase's discount after this policy (``purchase.discount``)."""
    u = S.PF[S.PT[j, P.T_ROW_F] + F_UNTIL, c]
    if S.PC[j, X_DISC] and not math.isnan(u) and t < u:
        disc += S.PC[j, X_DISC] * (gross - disc)
    return disc
