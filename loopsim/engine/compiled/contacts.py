"""The service desk's parts (:mod:`.desk`): when contacts arrive (the daily profile), the pool of
contact slots, the contact log, and each channel's priority queue (a binary heap on (priority,
arrival number) of contact slots; :class:`simpy.PriorityResource`'s order).

A contact's slot is reused once nothing refers to it any more (``k_refs``: its calendar entries
and its queue place) and its story is over (``k_term``).
"""

from __future__ import annotations

import math

from numba import njit

from . import layout as L
from .calendar import push
from .layout import CL_N, K_FREE_N, K_USED, PROFILE_INV0
from .pools import give, take


# ------------------------------------------------------------------ the daily arrival profile
@njit(cache=True, _nrt=False)
def _cumulative(S, t):
    day = math.floor(t)
    x = t - day
    h = min(23, int(x * 24.0))
    return day + S.MISC[L.PROF_CUM, h] + (x * 24.0 - h) * S.MISC[L.PROF_SHARE, h]


@njit(cache=True, _nrt=False)
def _inverse(S, s):
    day = math.floor(s)
    y = s - day
    i = 0
    while i < 25 and S.MISC[L.PROF_CUM, i] <= y:
        i += 1
    h = min(23, i - 1)
    while S.MISC[L.PROF_SHARE, h] == 0.0:
        h += 1
        if h == 24:
            return day + 1.0 + S.cf[PROFILE_INV0]
    return day + (h + (y - S.MISC[L.PROF_CUM, h]) / S.MISC[L.PROF_SHARE, h]) / 24.0


@njit(cache=True, _nrt=False)
def arrival(S, t, u):
    """When a contact caused at ``t`` arrives (``arrivals.DailyProfile.arrival``)."""
    a = _inverse(S, _cumulative(S, t) + u)
    return a if a >= t else t


# ------------------------------------------------------------------ contact slots
@njit(cache=True, _nrt=False)
def k_alloc(S):
    k = take(S.ctl, K_FREE_N, K_USED, S.KI[L.K_FREE])
    S.KI[L.K_REFS, k] = 0
    S.KI[L.K_TERM, k] = 0
    return k


@njit(cache=True, _nrt=False)
def k_maybe_free(S, k):
    if S.KI[L.K_REFS, k] == 0 and S.KI[L.K_TERM, k] != 0:
        S.KI[L.K_TERM, k] = 0
        give(S.ctl, K_FREE_N, S.KI[L.K_FREE], k)


@njit(cache=True, _nrt=False)
def unref(S, k):
    """A calendar entry or queue place of contact ``k`` is gone."""
    S.KI[L.K_REFS, k] -= 1
    k_maybe_free(S, k)


@njit(cache=True, _nrt=False)
def terminate(S, k):
    S.KI[L.K_TERM, k] = 1
    k_maybe_free(S, k)


@njit(cache=True, _nrt=False)
def at(S, t, k, kind):
    S.KI[L.K_REFS, k] += 1
    push(S, t, k, kind, 0)


@njit(cache=True, _nrt=False)
def log_contact(S, k, t, wait, handling, outcome, resolved):
    n = S.ctl[CL_N]
    S.ctl[CL_N] = n + 1
    S.CLI[L.CL_CID, n] = S.KI[L.K_C, k]
    S.CLF[L.CL_ARRIVED, n] = t
    S.CLF[L.CL_WAIT, n] = wait
    S.CLF[L.CL_HANDLING, n] = handling
    S.CLI[L.CL_OUTCOME, n] = outcome
    S.CLI[L.CL_RESOLVED, n] = resolved
    S.CLI[L.CL_PRIO, n] = S.KI[L.K_PRIO, k]
    S.CLI[L.CL_REASON, n] = S.KI[L.K_REASON, k]
    S.CLI[L.CL_CH, n] = S.KI[L.K_CH, k]
    S.CLI[L.CL_ATTEMPT, n] = S.KI[L.K_ATTEMPT, k]
    S.CLF[L.CL_PATIENCE, n] = S.KF[L.K_PATIENCE, k]


# ------------------------------------------------------------------ queues
@njit(cache=True, _nrt=False)
def _q_before(S, ch, i, j):
    return S.Q[L.Q_PRIO, ch, i] < S.Q[L.Q_PRIO, ch, j] or (S.Q[L.Q_PRIO, ch, i] == S.Q[L.Q_PRIO, ch, j]
                                                  and S.Q[L.Q_SEQ, ch, i] < S.Q[L.Q_SEQ, ch, j])


@njit(cache=True, _nrt=False)
def q_push(S, ch, k):
    i = S.CHI[L.Q_N, ch]
    S.CHI[L.Q_N, ch] = i + 1
    S.Q[L.Q_PRIO, ch, i] = S.KI[L.K_PRIO, k]
    S.Q[L.Q_SEQ, ch, i] = S.KI[L.K_SEQ, k]
    S.Q[L.Q_K, ch, i] = k
    while i > 0:
        p = (i - 1) >> 1
        if _q_before(S, ch, i, p):
            _q_swap(S, ch, i, p)
            i = p
        else:
            break
    S.KI[L.K_REFS, k] += 1


@njit(cache=True, _nrt=False)
def _q_swap(S, ch, i, j):
    S.Q[L.Q_PRIO, ch, i], S.Q[L.Q_PRIO, ch, j] = S.Q[L.Q_PRIO, ch, j], S.Q[L.Q_PRIO, ch, i]
    S.Q[L.Q_SEQ, ch, i], S.Q[L.Q_SEQ, ch, j] = S.Q[L.Q_SEQ, ch, j], S.Q[L.Q_SEQ, ch, i]
    S.Q[L.Q_K, ch, i], S.Q[L.Q_K, ch, j] = S.Q[L.Q_K, ch, j], S.Q[L.Q_K, ch, i]


@njit(cache=True, _nrt=False)
def _q_pop(S, ch):
    k = S.Q[L.Q_K, ch, 0]
    n = S.CHI[L.Q_N, ch] - 1
    S.CHI[L.Q_N, ch] = n
    if n > 0:
        _q_swap(S, ch, 0, n)
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and _q_before(S, ch, c + 1, c):
                c += 1
            if _q_before(S, ch, c, i):
                _q_swap(S, ch, c, i)
                i = c
            else:
                break
    return k


@njit(cache=True, _nrt=False)
def next_waiting(S, ch):
    while True:
        k = _q_pop(S, ch)
        S.KI[L.K_REFS, k] -= 1
        if S.KI[L.K_DONE, k] == 0:
            S.CHI[L.CH_WAITING, ch] -= 1
            return k
        k_maybe_free(S, k)


