"""The compiled event loop: run one day's entries in order, and the market's entry points (the
initial cohort, arrivals) that the driver calls between days."""

from __future__ import annotations

import math

from numba import njit

from . import layout as L
from . import programmes
from .calendar import before_tick_entry, next_entry, open_day, peek_time, push, release
from .contacts import unref
from .core import churn, defect, defection_refresh, defection_start, refresh_churn
from .desk import arrive_contact, finished, renege, repeat, start_shifts, step
from .journey import (
    acquire,
    become_active,
    enter_stage,
    funnel_step,
    onboarded,
    purchase,
    schedule_churn,
    winback,
)
from .layout import (
    CH_EXISTING,
    CH_INITIAL,
    CL_N,
    COMP_H,
    CUR_I,
    EV_FREE_N,
    EV_USED,
    HAZARD_PROCESS,
    HORIZON,
    IN_FUNNEL,
    K_ARRIVE,
    K_FINISHED,
    K_FREE_N,
    K_RENEGE,
    K_REPEAT,
    K_SHIFT,
    K_USED,
    R_LAPSED,
    R_NONE,
    SIDE_N,
    STOPPED,
    TX_N,
    W_CHURN,
    W_DEFECT,
    W_FUNNEL,
    W_ONBOARDED,
    W_PURCHASE,
    W_WINBACK,
)
from .prefetch import prefetch
from .rand import hi, lo, mixed
from .ref import ref
from .streams import BI, CHURN_INITIAL_DRAW, INITIAL_FIRST_EVENT_DRAW, INITIAL_SPREAD_DRAW

DONE, GROW, END = 0, 1, 2


@njit(cache=True, _nrt=False)
def _dispatch(S, kind, x, a, seq, t):
    if kind == W_PURCHASE:
        if S.I[L.C_WAKE, x] == seq:
            S.I[L.C_WAKE, x] = -1
            purchase(S, x, t)
    elif kind == W_CHURN:
        if S.I[L.C_WAKE, x] == seq:
            S.I[L.C_WAKE, x] = -1
            r = S.I[L.C_REASON, x]
            churn(S, x, t, r if r != R_NONE else R_LAPSED)
    elif kind == W_FUNNEL:
        funnel_step(S, x, t)
    elif kind == W_WINBACK:
        winback(S, x, t)
    elif kind == W_ONBOARDED:
        onboarded(S, x, t)
    elif kind == W_DEFECT:
        defect(S, x, t, seq)
    elif kind == K_ARRIVE:
        arrive_contact(S, x)
        unref(S, x)
    elif kind == K_RENEGE:
        renege(S, x, t)
        unref(S, x)
    elif kind == K_FINISHED:
        finished(S, x, t)
        unref(S, x)
    elif kind == K_SHIFT:
        step(S, x, a, t)
    elif kind == K_REPEAT:
        repeat(S, x, a, t)
    elif kind == L.K_REFRESH:
        refresh_churn(S, x, t)
    elif kind == L.K_POLICY:
        programmes.timer(S, x, a // 64, a % 64, t)


@njit(cache=True, _nrt=False)
def run_day(state, day, ev_room, k_room, row_room):
    """Run day ``day``'s events in order. Returns DONE at the day's end, END at the horizon, or
    GROW (nothing half-done) when a pool is near full: the driver grows it and calls again, and
    the day resumes where it stopped."""
    S = ref(state)
    ctl = S.ctl
    if ctl[CUR_I] < 0:
        open_day(S, day)
    horizon = S.cf[HORIZON]
    while True:
        if peek_time(S) >= horizon:
            if peek_time(S) < math.inf:
                ctl[STOPPED] = 1
                return END
            break
        if not room(S, ev_room, k_room, row_room):
            return GROW
        _step(S)
    ctl[CUR_I] = -1
    return DONE


@njit(cache=True, _nrt=False)
def before_tick(state, day, tick_seq, ev_room, k_room, row_room):
    """Run day ``day``'s SimPy-class entries (:func:`.calendar.push_simpy`) at exactly ``day`` that
    were scheduled before the day's tick (sequence numbers up to ``tick_seq``): SimPy orders its
    queue by (time, priority, event id) and the tick's timeout was created at the end of the
    previous tick, so these run before the tick; the rest of the day runs after it. Returns DONE
    or GROW (as :func:`run_day`; the day, if opened, stays open for :func:`run_day`)."""
    S = ref(state)
    while before_tick_entry(S, day, tick_seq):
        if not room(S, ev_room, k_room, row_room):
            return GROW
        _step(S)
    return DONE


@njit(cache=True, _nrt=False)
def _step(S):
    """Take the day's next entry off the calendar and run it."""
    _ahead(S)
    e = next_entry(S)
    kind = S.EVI[L.EV_KIND, e]
    x = S.EVI[L.EV_X, e]
    a = S.EVI[L.EV_A, e]
    seq = S.EVI[L.EV_SEQ, e]
    t = S.EVT[e]
    release(S, e)
    _dispatch(S, kind, x, a, seq, t)


#: how many entries of the day's list ahead the kernel asks for an entry's record, and for its
#: customer's (read from the entry, which arrived meanwhile)
_ENTRY_AHEAD, _CUSTOMER_AHEAD = 8, 4


@njit(cache=True, _nrt=False)
def _ahead(S):
    """Prefetch the records the day's next events will read (:mod:`.prefetch`): a customer's
    for a customer's event, a contact's for the desk's."""
    i = S.ctl[CUR_I]
    n = S.ctl[L.CUR_N]
    if i + _ENTRY_AHEAD < n:
        e = S.EVL[L.CUR, i + _ENTRY_AHEAD]
        prefetch(S.EVI, e, S.EVI.strides[1])
        prefetch(S.EVT, e, 8)
    if i + _CUSTOMER_AHEAD < n:
        e = S.EVL[L.CUR, i + _CUSTOMER_AHEAD]
        x = S.EVI[L.EV_X, e]
        kind = S.EVI[L.EV_KIND, e]
        if kind < K_ARRIVE and x < S.F.shape[1]:
            prefetch(S.F, x, S.F.strides[1])
            prefetch(S.I, x, S.I.strides[1])
            prefetch(S.key, x, 8)
            if S.PI.shape[1]:
                prefetch(S.PI, x, S.PI.strides[1])
                prefetch(S.PF, x, S.PF.strides[1])
        elif kind <= K_FINISHED and x < S.KI.shape[1]:
            prefetch(S.KI, x, S.KI.strides[1])
            prefetch(S.KF, x, S.KF.strides[1])


@njit(cache=True, _nrt=False)
def room(S, ev_room, k_room, row_room):
    """Whether every pool has room for one more event's worth of entries, contacts, rows and
    points batches."""
    ctl = S.ctl
    if ctl[EV_FREE_N] + S.EVT.shape[0] - ctl[EV_USED] < ev_room:
        return False
    if S.EVL.shape[1] - ctl[SIDE_N] < ev_room:
        return False
    if S.EVL.shape[1] // L.CHUNK - (ctl[L.BK_USED] - ctl[L.BK_FREE_N]) < ev_room:
        return False     # each new entry may open a chunk of a day's list
    if ctl[K_FREE_N] + S.KI.shape[1] - ctl[K_USED] < k_room:
        return False
    if S.PB.shape[1] - ctl[L.PB_LIVE] < row_room:
        return False
    return S.TXF.shape[1] - ctl[TX_N] >= row_room and S.CLF.shape[1] - ctl[CL_N] >= row_room


# ------------------------------------------------------------------ the market's entry points
@njit(cache=True, _nrt=False)
def start(state):
    """Before the initial cohort: the desk's shifts (the Python engine builds the desk first)."""
    S = ref(state)
    start_shifts(S)


@njit(cache=True, _nrt=False)
def initial_cohort(state, lo_id, hi_id, spread):
    """New customers ``lo_id`` .. ``hi_id - 1`` at day 0, first purchase now or spread over
    ``spread`` days (``Market._initial_cohort``)."""
    S = ref(state)
    for c in range(lo_id, hi_id):
        S.I[L.C_CHANNEL, c] = CH_INITIAL
        S.F[L.C_AWARE_AT, c] = 0.0
        if spread > 0:
            t0 = spread * hi(mixed(S.key[c] + BI, INITIAL_SPREAD_DRAW))
            push(S, t0, c, W_FUNNEL, 0)
            S.I[L.C_STAGE, c] = 6
        else:
            acquire(S, c, 0.0, True)


@njit(cache=True, _nrt=False)
def existing_cohort(state, lo_id, hi_id):
    """Existing customers ``lo_id`` .. ``hi_id - 1`` at day 0 (``Market._existing_cohort``)."""
    S = ref(state)
    for c in range(lo_id, hi_id):
        S.I[L.C_CHANNEL, c] = CH_INITIAL
        S.F[L.C_AWARE_AT, c] = 0.0
        become_active(S, c, 0.0)
        S.I[L.C_STAGE, c] = 0
        if S.PT.shape[0]:
            programmes.on_acquire(S, c, 0.0)
        S.I[L.C_CHANNEL, c] = CH_EXISTING
        z = mixed(S.key[c] + BI, INITIAL_FIRST_EVENT_DRAW)
        _first_event(S, c, hi(z), lo(z))


@njit(cache=True, _nrt=False)
def _first_event(S, c, un, uh):
    cf = S.cf
    rate = S.F[L.C_RATE, c]
    if S.PT.shape[0]:
        rate = programmes.rate_multiplier(S, c, 0.0, rate)
    if rate <= 0.0:
        dt = math.inf
    elif S.I[L.C_PERIODIC, c]:
        dt = 1.0 / rate
    else:
        dt = -math.log(un) / rate
    if cf[HAZARD_PROCESS] != 0.0:
        defection_start(S, c, 0.0)
        defection_refresh(S, c, 0.0)
        tot = 0.0
    else:
        tot = S.F[L.C_HAZARD, c] + cf[COMP_H] * S.F[L.C_S_PRICE, c]
    if tot > 0.0:
        dtc = -math.log(uh) / tot
        if dtc < dt:
            schedule_churn(S, c, 0.0 + dtc, tot, CHURN_INITIAL_DRAW)
            return
    tn = 0.0 + dt
    if tn < cf[HORIZON]:
        S.I[L.C_WAKE, c] = push(S, tn, c, W_PURCHASE, 0)


@njit(cache=True, _nrt=False)
def arrivals(state, lo_id, hi_id, times, stages):
    """Prospects ``lo_id`` .. ``hi_id - 1`` become aware at ``times`` and enter the funnel at
    ``stages`` (``Market._arrivals``; the driver set their channels)."""
    S = ref(state)
    for j in range(hi_id - lo_id):
        c = lo_id + j
        S.F[L.C_AWARE_AT, c] = times[j]
        S.ctl[IN_FUNNEL] += 1
        enter_stage(S, c, times[j], stages[j])
