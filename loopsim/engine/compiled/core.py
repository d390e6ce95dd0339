"""Compiled customer state changes shared by the journey and the desk: satisfaction and NPS
class, the promoter set, the time-based defection process, churn, and booking money.

Each function is the Python engine's method of the same name (:mod:`loopsim.engine.world`,
:mod:`loopsim.engine.defection`, :mod:`loopsim.engine.journey`) with the same arithmetic in
the same order, so both engines produce the same floats.
"""

from __future__ import annotations

import math

from numba import njit

from . import layout as L
from . import programmes
from .calendar import push
from .layout import (
    ACTIVE,
    CHURNED,
    COMP_H,
    DAYS,
    DELTA,
    DET_TH,
    HAZARD_PROCESS,
    HAZARD_SCALE,
    HORIZON,
    L_REWARD,
    L_SERVICE,
    N_ACTIVE,
    NC0,
    PROM_N,
    PROM_TH,
    R_COMPETITOR,
    R_LAPSED,
    SAT_EFFECT,
    SAT_REF,
    SWITCH_SHARE,
    TRACK_PROM,
    UNRES_HOOK,
    UNRES_MULT,
    W_DEFECT,
    W_WINBACK,
    WB_DELAY,
    WB_ENABLED,
)
from .rand import hi, mixed
from .streams import BC as _BCHURN
from .streams import BD as _BDEF
from .streams import CHURN_SWITCH_DRAWS, DEFECTION_REASON_DRAWS


@njit(cache=True, _nrt=False)
def prom_add(S, c):
    if S.I[L.C_PROM_POS, c] < 0:
        n = S.ctl[PROM_N]
        S.I[L.C_PROM_POS, c] = n
        S.I[L.PROM, n] = c
        S.ctl[PROM_N] = n + 1


@njit(cache=True, _nrt=False)
def prom_discard(S, c):
    i = S.I[L.C_PROM_POS, c]
    if i < 0:
        return
    S.I[L.C_PROM_POS, c] = -1
    n = S.ctl[PROM_N] - 1
    S.ctl[PROM_N] = n
    last = S.I[L.PROM, n]
    if i < n:
        S.I[L.PROM, i] = last
        S.I[L.C_PROM_POS, last] = i


@njit(cache=True, _nrt=False)
def reclass(S, c, cls):
    """Customer ``c``'s NPS class becomes ``cls``: keep the counts and the promoter set right."""
    old = S.I[L.C_NPS, c]
    if S.I[L.C_STATUS, c] == ACTIVE:
        S.ctl[NC0 + old] -= 1
        S.ctl[NC0 + cls] += 1
        if S.cf[TRACK_PROM] != 0.0:
            if cls == 2:
                prom_add(S, c)
            elif old == 2:
                prom_discard(S, c)
    S.I[L.C_NPS, c] = cls


@njit(cache=True, _nrt=False)
def nps_class(S, s):
    if s >= S.cf[PROM_TH]:
        return 2
    return 0 if s < S.cf[DET_TH] else 1


@njit(cache=True, _nrt=False)
def change_satisfaction(S, c, delta, t):
    """Move satisfaction by ``delta`` (0-10 scale) at day ``t``; ``World.change_satisfaction``."""
    s = S.F[L.C_SAT, c] + delta
    s = 0.0 if s < 0.0 else (10.0 if s > 10.0 else s)
    S.F[L.C_SAT, c] = s
    cls = nps_class(S, s)
    if cls != S.I[L.C_NPS, c]:
        reclass(S, c, cls)
    if S.cf[HAZARD_PROCESS] != 0.0 and S.I[L.C_STATUS, c] == ACTIVE:
        defection_refresh(S, c, t)


@njit(cache=True, _nrt=False)
def churn_hooks(S, c, mult, t):
    """``mult`` times the churn multipliers of the hooks at day ``t``: the policies' in order,
    then the desk's (unresolved problems)."""
    if S.PT.shape[0]:
        mult = programmes.churn_multiplier(S, c, t, mult)
    if S.cf[UNRES_HOOK] != 0.0:
        n = S.I[L.C_UNRES, c]
        mult *= math.pow(S.cf[UNRES_MULT], float(n)) if n else 1.0
    return mult


@njit(cache=True, _nrt=False)
def defection_hazard(S, c, t):
    """The customer's defection hazard at day ``t``, (total, competitor part), 1/day."""
    cf = S.cf
    mult = cf[HAZARD_SCALE]
    if cf[SAT_EFFECT]:
        mult *= math.exp(cf[SAT_EFFECT] * (cf[SAT_REF] - S.F[L.C_SAT, c]))
    mult = churn_hooks(S, c, mult, t)
    comp = cf[COMP_H] * S.F[L.C_S_PRICE, c] * mult
    return S.F[L.C_HAZARD, c] * mult + comp, comp


@njit(cache=True, _nrt=False)
def defection_start(S, c, t):
    u = hi(mixed(S.key[c] + _BDEF, S.I[L.C_WINBACKS, c]))
    S.F[L.C_DLEFT, c] = -math.log(u)
    S.F[L.C_DREF, c] = t
    S.F[L.C_DH, c] = -1.0
    S.I[L.C_DWAKE, c] = -1


@njit(cache=True, _nrt=False)
def defection_refresh(S, c, t):
    h = defection_hazard(S, c, t)[0]
    dh = S.F[L.C_DH, c]
    if h == dh:
        return
    if dh > 0.0:
        left = S.F[L.C_DLEFT, c] - dh * (t - S.F[L.C_DREF, c])
        S.F[L.C_DLEFT, c] = left if left > 0.0 else 0.0
    S.F[L.C_DREF, c] = t
    S.F[L.C_DH, c] = h
    S.I[L.C_DWAKE, c] = -1
    if h > 0.0:
        td = t + S.F[L.C_DLEFT, c] / h
        if td < S.cf[HORIZON]:
            S.I[L.C_DWAKE, c] = push(S, td, c, W_DEFECT, 0)


@njit(cache=True, _nrt=False)
def refresh_churn(S, c, t):
    if S.cf[HAZARD_PROCESS] != 0.0 and S.I[L.C_STATUS, c] == ACTIVE:
        defection_refresh(S, c, t)


@njit(cache=True, _nrt=False)
def defect(S, c, t, seq):
    if S.I[L.C_DWAKE, c] != seq or S.I[L.C_STATUS, c] != ACTIVE:
        return
    h, comp = defection_hazard(S, c, t)
    u = hi(mixed(S.key[c] + _BDEF, DEFECTION_REASON_DRAWS + S.I[L.C_WINBACKS, c]))
    churn(S, c, t, R_COMPETITOR if u * h < comp else R_LAPSED)


@njit(cache=True, _nrt=False)
def churn(S, c, t, reason):
    cf = S.cf
    if reason != R_COMPETITOR and cf[SWITCH_SHARE] > 0:
        u = hi(mixed(S.key[c] + _BCHURN, CHURN_SWITCH_DRAWS + S.I[L.C_WINBACKS, c]))
        if u < cf[SWITCH_SHARE]:
            reason = R_COMPETITOR
    S.I[L.C_STATUS, c] = CHURNED
    S.F[L.C_CHURNED_AT, c] = t
    S.I[L.C_REASON, c] = reason
    S.I[L.C_WAKE, c] = -1
    S.I[L.C_DWAKE, c] = -1
    S.ctl[N_ACTIVE] -= 1
    S.ctl[NC0 + S.I[L.C_NPS, c]] -= 1
    if cf[TRACK_PROM] != 0.0 and S.I[L.C_NPS, c] == 2:
        prom_discard(S, c)
    S.D[L.D_CHURNED, min(int(t), S.ctl[DAYS])] += 1
    if S.PT.shape[0]:
        programmes.on_churn(S, c)
    if cf[WB_ENABLED] != 0.0 and t + cf[WB_DELAY] < cf[HORIZON]:
        push(S, t + cf[WB_DELAY], c, W_WINBACK, 0)


@njit(cache=True, _nrt=False)
def post(S, kind, t, amount, c):
    """Book ``amount`` (currency) of ledger ``kind`` at day ``t``; attributed to customer ``c``
    (``-1``: none) it also enters that customer's CLV; ``World.post``."""
    d0 = math.exp(-S.cf[DELTA] * t)
    S.MISC[L.LED_TOTAL, kind] += amount
    S.MISC[L.LED_DISC, kind] += amount * d0
    S.LEDD[kind, min(int(t), S.ctl[DAYS])] += amount
    if c >= 0:
        d = math.exp(-S.cf[DELTA] * t) / S.F[L.C_ACQ_DISC, c]
        if kind == 1:     # fee_revenue
            S.F[L.C_CLV, c] += amount * d
        else:
            S.F[L.C_CLV, c] -= amount * d
            if kind == L_REWARD:
                S.F[L.C_REWARD_COST, c] += amount
            elif kind == L_SERVICE:
                S.F[L.C_SERVICE_COST, c] += amount
