"""The compiled customer journey: funnel, acquisition, onboarding, purchase, churn and win-back
(:mod:`loopsim.engine.journey` with arrays; same draws, same arithmetic, same order)."""

from __future__ import annotations

import math

from numba import njit

from . import layout as L
from . import programmes
from .calendar import push
from .core import (
    change_satisfaction,
    churn,
    churn_hooks,
    defection_refresh,
    defection_start,
    nps_class,
    post,
    prom_add,
    reclass,
)
from .desk import after_purchase, open_contact
from .layout import (
    ACQ_N,
    ACTIVE,
    AFTER_EVERY,
    CHURNED,
    COMP_H,
    CONTACT_P,
    CR_ONBOARDING,
    DAYS,
    DELTA,
    DISCOUNTING,
    EXP_FIXED,
    EXP_VALUE,
    HAZARD_PROCESS,
    HORIZON,
    IN_FUNNEL,
    L_REVENUE,
    L_REWARD,
    L_WINBACK,
    LOST,
    LR,
    MARGIN,
    N_ACTIVE,
    NC0,
    OB_CONTACT_P,
    OB_DURATION,
    OB_ENABLED,
    OB_SAT_FAIL,
    OB_SAT_OK,
    OB_SUCCESS,
    R_COMPETITOR,
    R_DROPOUT,
    R_LAPSED,
    R_NONE,
    RECORD_TX,
    SAT_EFFECT,
    SAT_REF,
    SPEC_DWELL,
    SPEC_EXPERIENCE,
    SPEC_NOISE,
    TRACK_PROM,
    TX_N,
    W_CHURN,
    W_FUNNEL,
    W_ONBOARDED,
    W_PURCHASE,
    WB_ATT,
    WB_COST,
    WB_P,
    WB_SUC,
)
from .rand import gammaincinv, hi, lo, mixed, ppf
from .streams import BA, BC, BE, BF, BP, EXPERIENCE_ONBOARDING_DRAWS, WINBACK_PURCHASE_SHIFT

N_STAGES = 6


# ------------------------------------------------------------------ funnel
@njit(cache=True, _nrt=False)
def enter_stage(S, c, t, stage):
    S.I[L.C_STAGE, c] = stage
    S.D[L.FUNNEL_ENTERED, stage] += 1
    u = hi(mixed(S.key[c] + BF, stage))
    tn = t + ppf(S.spec[SPEC_DWELL + stage], u)
    if tn < S.cf[HORIZON]:
        push(S, tn, c, W_FUNNEL, 0)


@njit(cache=True, _nrt=False)
def funnel_step(S, c, t):
    stage = S.I[L.C_STAGE, c]
    if stage >= N_STAGES:      # an initial cohort member whose first purchase is now
        acquire(S, c, t, True)
        return
    p = S.MISC[L.CONV, stage]
    if S.PT.shape[0]:
        p = programmes.conversion_multiplier(S, c, t, stage, p)
    u = lo(mixed(S.key[c] + BF, stage))
    if u >= p:
        S.I[L.C_STATUS, c] = LOST
        S.ctl[IN_FUNNEL] -= 1
        return
    if stage + 1 < N_STAGES:
        enter_stage(S, c, t, stage + 1)
    else:
        S.ctl[IN_FUNNEL] -= 1
        acquire(S, c, t, True)


# ------------------------------------------------------------------ acquisition
@njit(cache=True, _nrt=False)
def become_active(S, c, t):
    """The counts of a customer who becomes active at ``t`` (acquisition's common part)."""
    cf = S.cf
    S.I[L.C_STATUS, c] = ACTIVE
    S.F[L.C_ACQUIRED_AT, c] = t
    S.F[L.C_ACQ_DISC, c] = math.exp(-cf[DELTA] * t) if cf[DISCOUNTING] != 0.0 else 1.0
    S.ctl[N_ACTIVE] += 1
    S.ctl[NC0 + S.I[L.C_NPS, c]] += 1
    if cf[TRACK_PROM] != 0.0 and S.I[L.C_NPS, c] == 2:
        prom_add(S, c)
    n = S.ctl[ACQ_N]
    S.I[L.ACQ, n] = c
    S.ctl[ACQ_N] = n + 1
    S.D[L.D_NEW, min(int(t), S.ctl[DAYS])] += 1


@njit(cache=True, _nrt=False)
def acquire(S, c, t, first_purchase):
    cf = S.cf
    become_active(S, c, t)
    S.I[L.C_STAGE, c] = 0 if (cf[AFTER_EVERY] != 0.0 or not first_purchase) else 1
    if cf[HAZARD_PROCESS] != 0.0:
        defection_start(S, c, t)
    if S.PT.shape[0]:
        programmes.on_acquire(S, c, t)
    if cf[OB_ENABLED] != 0.0 and first_purchase:
        push(S, t + cf[OB_DURATION], c, W_ONBOARDED, 0)
        if cf[OB_CONTACT_P] > 0:
            u = hi(mixed(S.key[c] + BE, EXPERIENCE_ONBOARDING_DRAWS))
            if u < cf[OB_CONTACT_P]:
                open_contact(S, c, t, CR_ONBOARDING, 1, -1, 0)
    if first_purchase:
        purchase(S, c, t)


@njit(cache=True, _nrt=False)
def onboarded(S, c, t):
    if S.I[L.C_STATUS, c] != ACTIVE:
        return
    u = hi(mixed(S.key[c] + BE, EXPERIENCE_ONBOARDING_DRAWS + 1))
    ok = u < S.cf[OB_SUCCESS]
    change_satisfaction(S, c, S.cf[OB_SAT_OK] if ok else S.cf[OB_SAT_FAIL], t)


# ------------------------------------------------------------------ purchase
@njit(cache=True, _nrt=False)
def purchase(S, c, t):
    """Customer ``c`` buys at day ``t``: spend, books, experience, what comes next."""
    k = S.I[L.C_PURCHASES, c]
    z = mixed(S.key[c] + BP, k)
    if S.F[L.C_SHAPE, c] > 0.0:
        gross = gammaincinv(S.F[L.C_SHAPE, c], lo(z)) / S.F[L.C_SCALE, c]
    else:
        seg = S.I[L.C_SEG, c]
        if S.MISC[L.NOISE_FIXED, seg]:
            gross = S.F[L.C_SCALE, c] * S.MISC[L.NOISE_VAL, seg]
        else:
            gross = S.F[L.C_SCALE, c] * ppf(S.spec[SPEC_NOISE + seg], lo(z))
    disc = rew = 0.0
    if S.PT.shape[0]:
        gross = programmes.spend_multiplier(S, c, t, gross)
        disc, rew = programmes.on_purchase(S, c, t, k, gross)
    book(S, c, t, k, gross, disc, rew + disc)
    experience(S, c, t, k)
    next_event(S, c, t, k, hi(z))


@njit(cache=True, _nrt=False)
def book(S, c, t, k, gross, disc, rcost):
    cf = S.cf
    S.I[L.C_PURCHASES, c] = k + 1
    S.F[L.C_LAST, c] = t
    S.F[L.C_REVENUE, c] += gross
    d = math.exp(-cf[DELTA] * t) if cf[DISCOUNTING] != 0.0 else 1.0
    day = int(t)
    S.MISC[L.LED_TOTAL, L_REVENUE] += gross
    S.MISC[L.LED_DISC, L_REVENUE] += gross * d
    S.LEDD[L_REVENUE, day] += gross
    if rcost:
        S.MISC[L.LED_TOTAL, L_REWARD] += rcost
        S.MISC[L.LED_DISC, L_REWARD] += rcost * d
        S.LEDD[L_REWARD, day] += rcost
        S.F[L.C_REWARD_COST, c] += rcost
    S.F[L.C_CLV, c] += (gross * cf[MARGIN] - rcost) * d / S.F[L.C_ACQ_DISC, c]
    S.D[L.D_PURCHASES, day] += 1
    if cf[RECORD_TX] != 0.0:
        n = S.ctl[TX_N]
        S.ctl[TX_N] = n + 1
        S.TXI[n] = c
        S.TXF[L.TX_T, n] = t
        S.TXF[L.TX_AMT, n] = gross - disc
        S.TXF[L.TX_DISC, n] = disc


@njit(cache=True, _nrt=False)
def experience(S, c, t, k):
    """The purchase's experience moves satisfaction; it may open a service contact."""
    cf = S.cf
    if cf[EXP_FIXED] != 0.0:
        e = cf[EXP_VALUE]
        sat = S.F[L.C_SAT, c]
        if sat != e:
            sat += cf[LR] * (e - sat)
            sat = 0.0 if sat < 0.0 else (10.0 if sat > 10.0 else sat)
            S.F[L.C_SAT, c] = sat
            cls = nps_class(S, sat)
            if cls != S.I[L.C_NPS, c]:
                reclass(S, c, cls)
        if cf[CONTACT_P] > 0.0:
            u_c = lo(mixed(S.key[c] + BE, k))
            if u_c < cf[CONTACT_P]:
                after_purchase(S, c, t, u_c, e)
    else:
        z = mixed(S.key[c] + BE, k)
        e = ppf(S.spec[SPEC_EXPERIENCE], hi(z))
        change_satisfaction(S, c, cf[LR] * (e - S.F[L.C_SAT, c]), t)
        u_c = lo(z)
        if u_c < cf[CONTACT_P]:
            after_purchase(S, c, t, u_c, e)


@njit(cache=True, _nrt=False)
def next_event(S, c, t, k, u_next):
    """After purchase number ``k``: dropout now, or the next purchase or churn, whichever first."""
    cf = S.cf
    key = S.key[c]
    have_haz = False
    u_haz = 0.0
    if cf[HAZARD_PROCESS] != 0.0:
        defection_refresh(S, c, t)
        tot = 0.0
    else:
        mult = 1.0
        if cf[SAT_EFFECT]:
            mult = math.exp(cf[SAT_EFFECT] * (cf[SAT_REF] - S.F[L.C_SAT, c]))
        mult = churn_hooks(S, c, mult, t)
        if S.F[L.C_P_DROP, c] > 0.0 and k >= S.I[L.C_STAGE, c]:
            z = mixed(key + BC, 2 * k)
            if hi(z) < S.F[L.C_P_DROP, c] * mult:
                churn(S, c, t, R_DROPOUT)
                return
            u_haz = lo(z)
            have_haz = True
        if cf[COMP_H]:
            tot = S.F[L.C_HAZARD, c] * mult + cf[COMP_H] * S.F[L.C_S_PRICE, c]
        else:
            tot = S.F[L.C_HAZARD, c] * mult
    rate = S.F[L.C_RATE, c]
    if S.PT.shape[0]:
        rate = programmes.rate_multiplier(S, c, t, rate)
    if rate <= 0.0:
        dt = math.inf
    elif S.I[L.C_PERIODIC, c]:
        dt = 1.0 / rate
    else:
        dt = -math.log(u_next) / rate
    if tot > 0.0:
        if not have_haz:
            u_haz = lo(mixed(key + BC, 2 * k))
        dtc = -math.log(u_haz) / tot
        if dtc < dt:
            schedule_churn(S, c, t + dtc, tot, 2 * k + 1)
            return
    tn = t + dt
    if tn < cf[HORIZON]:
        S.I[L.C_WAKE, c] = push(S, tn, c, W_PURCHASE, 0)


@njit(cache=True, _nrt=False)
def schedule_churn(S, c, tn, tot, n):
    if tn < S.cf[HORIZON]:
        u_r = hi(mixed(S.key[c] + BC, n))
        S.I[L.C_REASON, c] = R_COMPETITOR if u_r * tot < S.cf[COMP_H] * S.F[L.C_S_PRICE, c] else R_LAPSED
        S.I[L.C_WAKE, c] = push(S, tn, c, W_CHURN, 0)


@njit(cache=True, _nrt=False)
def winback(S, c, t):
    if S.I[L.C_STATUS, c] != CHURNED:
        return
    cf = S.cf
    S.ctl[WB_ATT] += 1
    post(S, L_WINBACK, t, cf[WB_COST], c)
    p = cf[WB_P]
    if S.PT.shape[0]:
        p = programmes.winback_multiplier(S, c, t, p)
    u = hi(mixed(S.key[c] + BA, S.I[L.C_WINBACKS, c] + (S.I[L.C_PURCHASES, c] << WINBACK_PURCHASE_SHIFT)))
    if u >= p:
        return
    S.ctl[WB_SUC] += 1
    S.D[L.D_WON_BACK, min(int(t), S.ctl[DAYS])] += 1
    S.I[L.C_WINBACKS, c] += 1
    S.I[L.C_STATUS, c] = ACTIVE
    S.F[L.C_CHURNED_AT, c] = math.nan
    S.I[L.C_REASON, c] = R_NONE
    S.ctl[N_ACTIVE] += 1
    S.ctl[NC0 + S.I[L.C_NPS, c]] += 1
    if cf[TRACK_PROM] != 0.0 and S.I[L.C_NPS, c] == 2:
        prom_add(S, c)
    if cf[HAZARD_PROCESS] != 0.0:
        defection_start(S, c, t)
    if S.PT.shape[0]:
        programmes.on_reactivate(S, c, t)
    purchase(S, c, t)
