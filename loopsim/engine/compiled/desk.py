"""The compiled service desk: :mod:`loopsim.engine.service` with arrays.

Channels are counted pools of agents with a priority queue each (:mod:`.contacts` holds the queues,
the contact slots and the arrival profile); every timer is a calendar entry.
"""

from __future__ import annotations

import math

from numba import njit

from . import layout as L
from . import programmes
from .calendar import push
from .contacts import arrival, at, k_alloc, log_contact, next_waiting, q_push, terminate
from .core import change_satisfaction, churn, post, refresh_churn
from .layout import (
    ABANDONED,
    ACTIVE,
    BALKED,
    COMPLAINT_BELOW,
    CR_COMPLAINT,
    CR_ONBOARDING,
    CR_PRODUCT,
    DEFECTIONS,
    HAS_PROFILE,
    HORIZON,
    IN_FLIGHT,
    K_ARRIVE,
    K_FINISHED,
    K_RENEGE,
    K_REPEAT,
    K_SHIFT,
    L_SERVICE,
    MAX_ATTEMPTS,
    N_CH,
    OPENED,
    P_DEFECT,
    P_PRODUCT,
    R_SERVICE,
    RECOVERIES,
    RECOVERY,
    RECOVERY_BONUS,
    REPEAT_P,
    REPEATS,
    S_ABANDONED,
    S_RESOLVED,
    S_UNRESOLVED,
    S_WAIT,
    SERVED,
    SPEC_REPEAT_DELAY,
    UNRES_N,
)
from .rand import hi, lo, mixed, ppf, u53
from .streams import BS as _BS
from .streams import SERVICE_ARRIVAL_DRAWS as ARRIVAL_DRAWS
from .streams import SERVICE_DEFECTION_DRAWS as SDEFECT_DRAWS
from .streams import SERVICE_REPEAT_DRAWS as REPEAT_DRAWS


# ------------------------------------------------------------------ shifts
@njit(cache=True, _nrt=False)
def start_shifts(S):
    for ch in range(S.ctl[N_CH]):
        if S.CHI[L.CH_SELF, ch] or S.CHI[L.ST_LEN, ch] == 1:
            continue
        set_duty(S, ch, S.STN[ch, 0], 0.0)
        _next_step(S, ch, 0.0, 1)


@njit(cache=True, _nrt=False)
def _next_step(S, ch, day, i):
    if i >= S.CHI[L.ST_LEN, ch]:
        day, i = day + 1.0, 0
    t = day + S.STF[ch, i]
    if t < S.cf[HORIZON]:
        push(S, t, ch, K_SHIFT, int(day) * 64 + i)


@njit(cache=True, _nrt=False)
def step(S, ch, a, now):
    day = float(a // 64)
    i = a % 64
    set_duty(S, ch, S.STN[ch, i], now)
    _next_step(S, ch, day, i + 1)


@njit(cache=True, _nrt=False)
def set_duty(S, ch, on_duty, now):
    delta = on_duty - S.CHI[L.CH_ON_DUTY, ch]
    S.CHI[L.CH_ON_DUTY, ch] = on_duty
    if delta > 0:
        back = min(delta, S.CHI[L.CH_LEAVING, ch])
        S.CHI[L.CH_LEAVING, ch] -= back
        S.CHI[L.CH_FREE, ch] += delta - back
        while S.CHI[L.CH_FREE, ch] > 0 and S.CHI[L.CH_WAITING, ch] > 0:
            S.CHI[L.CH_FREE, ch] -= 1
            _granted(S, next_waiting(S, ch), now)
    elif delta < 0:
        idle = min(-delta, S.CHI[L.CH_FREE, ch])
        S.CHI[L.CH_FREE, ch] -= idle
        S.CHI[L.CH_LEAVING, ch] += -delta - idle


# ------------------------------------------------------------------ contacts
@njit(cache=True, _nrt=False)
def after_purchase(S, c, t, u, experience):
    """A purchase's contact draw ``u`` fell below product + complaint probability."""
    if u < S.cf[P_PRODUCT]:
        open_contact(S, c, t, CR_PRODUCT, 1, -1, 0)
    elif experience < S.cf[COMPLAINT_BELOW]:
        open_contact(S, c, t, CR_COMPLAINT, 1, -1, 0)


@njit(cache=True, _nrt=False)
def open_contact(S, c, t, reason, attempt, channel, counted):
    """A contact from customer ``c`` caused at ``t`` (``ServiceDesk.open``)."""
    n = S.I[L.C_CONTACTS, c]
    key = S.key[c] + _BS
    arrive = t
    if S.cf[HAS_PROFILE] != 0.0:
        arrive = arrival(S, t, u53(key, ARRIVAL_DRAWS + n))
        if arrive >= S.cf[HORIZON]:
            return
    S.I[L.C_CONTACTS, c] = n + 1
    z = mixed(key, 2 * n)
    z2 = mixed(key, 2 * n + 1)
    if channel < 0:
        channel = 0
        nch = S.ctl[N_CH]
        if nch > 1:
            u_route = lo(z2)
            while channel < nch - 1 and u_route >= S.CHF[L.CH_CUM, channel]:
                channel += 1
    k = k_alloc(S)
    S.KI[L.K_CH, k] = channel
    S.KI[L.K_C, k] = c
    S.KF[L.K_T, k] = arrive
    S.KF[L.K_UH, k] = hi(z)
    S.KF[L.K_UR, k] = lo(z)
    S.KI[L.K_REASON, k] = reason
    S.KI[L.K_DONE, k] = 0
    S.KI[L.K_ATTEMPT, k] = attempt
    S.KI[L.K_COUNTED, k] = counted
    S.KF[L.K_WAIT, k] = 0.0
    S.KF[L.K_HANDLING, k] = 0.0
    pat = S.CHI[L.CH_PATIENCE, channel]
    S.KF[L.K_PATIENCE, k] = ppf(S.spec[pat], hi(z2)) if pat >= 0 else math.inf
    if arrive > t:
        at(S, arrive, k, K_ARRIVE)
    else:
        arrive_contact(S, k)


@njit(cache=True, _nrt=False)
def arrive_contact(S, k):
    c = S.KI[L.K_C, k]
    ch = S.KI[L.K_CH, k]
    t = S.KF[L.K_T, k]
    S.ctl[OPENED] += 1
    S.KI[L.K_SEQ, k] = S.ctl[OPENED]
    S.KI[L.K_PRIO, k] = programmes.priority(S, c, t) if S.PT.shape[0] else 0
    if S.CHI[L.CH_SELF, ch]:
        S.KI[L.K_DONE, k] = 1
        S.KF[L.K_WAIT, k] = 0.0
        S.ctl[IN_FLIGHT] += 1
        _serve(S, k, t)
        return
    if S.CHI[L.CH_BALK, ch] >= 0 and S.CHI[L.CH_WAITING, ch] >= S.CHI[L.CH_BALK, ch]:
        log_contact(S, k, t, 0.0, 0.0, BALKED, 0)
        _feel(S, c, S.cf[S_ABANDONED], t)
        _after_failure(S, k, t)
        terminate(S, k)
        return
    S.ctl[IN_FLIGHT] += 1
    if S.CHI[L.CH_FREE, ch] > 0:
        S.CHI[L.CH_FREE, ch] -= 1
        _granted(S, k, t)
        return
    q_push(S, ch, k)
    S.CHI[L.CH_WAITING, ch] += 1
    if S.KF[L.K_PATIENCE, k] < math.inf:
        at(S, t + S.KF[L.K_PATIENCE, k], k, K_RENEGE)


@njit(cache=True, _nrt=False)
def _feel(S, c, delta, t):
    if S.I[L.C_STATUS, c] == ACTIVE and delta:
        change_satisfaction(S, c, delta * 2.0 * S.F[L.C_S_SERVICE, c], t)


@njit(cache=True, _nrt=False)
def renege(S, k, now):
    if S.KI[L.K_DONE, k]:
        return
    S.KI[L.K_DONE, k] = 1
    S.CHI[L.CH_WAITING, S.KI[L.K_CH, k]] -= 1
    S.ctl[IN_FLIGHT] -= 1
    t0 = S.KF[L.K_T, k]
    log_contact(S, k, t0, now - t0, 0.0, ABANDONED, 0)
    _feel(S, S.KI[L.K_C, k], S.cf[S_ABANDONED] + S.cf[S_WAIT] * (now - t0), now)
    _after_failure(S, k, now)
    terminate(S, k)


@njit(cache=True, _nrt=False)
def _granted(S, k, now):
    S.KI[L.K_DONE, k] = 1
    S.KF[L.K_WAIT, k] = now - S.KF[L.K_T, k]
    _serve(S, k, now)


@njit(cache=True, _nrt=False)
def _serve(S, k, now):
    ch = S.KI[L.K_CH, k]
    h = ppf(S.spec[S.CHI[L.CH_HANDLE, ch]], S.KF[L.K_UH, k])
    S.KF[L.K_HANDLING, k] = h
    if not S.CHI[L.CH_SELF, ch]:
        S.CHF[L.CH_BUSY, ch] += max(0.0, min(h, S.cf[HORIZON] - now))
    at(S, now + h, k, K_FINISHED)


@njit(cache=True, _nrt=False)
def finished(S, k, now):
    ch = S.KI[L.K_CH, k]
    if not S.CHI[L.CH_SELF, ch]:
        if S.CHI[L.CH_LEAVING, ch]:
            S.CHI[L.CH_LEAVING, ch] -= 1
        elif S.CHI[L.CH_WAITING, ch]:
            _granted(S, next_waiting(S, ch), now)
        else:
            S.CHI[L.CH_FREE, ch] += 1
    S.ctl[IN_FLIGHT] -= 1
    c = S.KI[L.K_C, k]
    resolved = S.KF[L.K_UR, k] < S.CHF[L.CH_P_RESOLVE, ch]
    log_contact(S, k, S.KF[L.K_T, k], S.KF[L.K_WAIT, k], S.KF[L.K_HANDLING, k], SERVED, 1 if resolved else 0)
    if S.CHF[L.CH_COST, ch]:
        post(S, L_SERVICE, now, S.CHF[L.CH_COST, ch], c)
    cf = S.cf
    delta = cf[S_WAIT] * S.KF[L.K_WAIT, k]
    if resolved:
        delta += cf[S_RESOLVED]
        if S.KI[L.K_COUNTED, k]:
            _uncount(S, c)
        if cf[RECOVERY] != 0.0 and S.KI[L.K_ATTEMPT, k] == 1 and S.KI[L.K_REASON, k] != CR_ONBOARDING:
            delta += cf[RECOVERY_BONUS]
            S.ctl[RECOVERIES] += 1
    else:
        delta += cf[S_UNRESOLVED]
    if delta and S.I[L.C_STATUS, c] == ACTIVE:
        change_satisfaction(S, c, delta * 2.0 * S.F[L.C_S_SERVICE, c], now)
    if not resolved:
        _after_failure(S, k, now)
    terminate(S, k)


@njit(cache=True, _nrt=False)
def _uncount(S, c):
    cur = S.I[L.C_UNRES, c]
    n = cur - 1
    if n > 0:
        S.I[L.C_UNRES, c] = n
    elif cur > 0:
        S.I[L.C_UNRES, c] = 0
        S.ctl[UNRES_N] -= 1


@njit(cache=True, _nrt=False)
def _after_failure(S, k, now):
    c = S.KI[L.K_C, k]
    if not S.KI[L.K_COUNTED, k]:
        if S.I[L.C_UNRES, c] == 0:
            S.ctl[UNRES_N] += 1
        S.I[L.C_UNRES, c] += 1
        S.KI[L.K_COUNTED, k] = 1
        refresh_churn(S, c, now)
    cf = S.cf
    key = S.key[c] + _BS
    if cf[REPEAT_P] > 0 and S.KI[L.K_ATTEMPT, k] < cf[MAX_ATTEMPTS]:
        z = mixed(key, REPEAT_DRAWS + S.I[L.C_CONTACTS, c])
        if hi(z) < cf[REPEAT_P]:
            delay = ppf(S.spec[SPEC_REPEAT_DELAY], lo(z))
            if now + delay >= cf[HORIZON]:
                return
            ch = S.KI[L.K_CH, k]
            nxt = S.CHI[L.CH_ESCALATE, ch] if S.CHI[L.CH_ESCALATE, ch] >= 0 else ch
            S.ctl[REPEATS] += 1
            push(S, now + delay, c, K_REPEAT, S.KI[L.K_REASON, k] | ((S.KI[L.K_ATTEMPT, k] + 1) << 8) | (nxt << 24))
            return
    if (cf[P_DEFECT] > 0 and S.I[L.C_STATUS, c] == ACTIVE
            and u53(key, SDEFECT_DRAWS + S.I[L.C_CONTACTS, c]) < cf[P_DEFECT]):
        S.ctl[DEFECTIONS] += 1
        churn(S, c, now, R_SERVICE)


@njit(cache=True, _nrt=False)
def repeat(S, c, a, now):
    if S.I[L.C_STATUS, c] != ACTIVE:
        return
    open_contact(S, c, now, a & 255, (a >> 8) & 0xFFFF, a >> 24, 1)
