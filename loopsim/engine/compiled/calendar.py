"""The compiled calendar: one order of events, (time, scheduling order), as in the Python engine.

Entries live in a pool (``ev_*`` arrays, reused through a free list). An entry for a later day is
appended to that day's list: chunks of :data:`~.layout.CHUNK` (entry, time) pairs by value
(``bk_e``/``bk_t``; a day's chunks are chained through ``bk_next`` from ``bk_head`` to ``bk_tail``),
so starting a day reads its entries' times in runs of contiguous memory rather than one entry at a
time across the pool (a cache miss each once the pool outgrows the caches). When the day starts
its entries are sorted by (time, seq), so equal times keep scheduling order. An entry for the day
being run goes onto a small heap (``side``) keyed on (time, seq). This is the Python engine's day
calendar (:mod:`loopsim.engine.calendar`) with arrays for lists.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import layout as L
from .layout import (
    BK_FREE_N,
    BK_USED,
    CAL_DAY,
    CHUNK,
    CUR_I,
    CUR_N,
    DAYS,
    EV_FREE_N,
    EV_USED,
    SEQ,
    SIDE_N,
)
from .pools import give, take


@njit(cache=True, _nrt=False)
def release(S, e):
    """Give entry ``e`` back to the pool."""
    give(S.ctl, EV_FREE_N, S.EVL[L.EV_FREE], e)


@njit(cache=True, _nrt=False)
def _before(S, a, b):
    """Whether entry ``a`` runs before entry ``b``: (time, seq) order."""
    ta = S.EVT[a]
    tb = S.EVT[b]
    return ta < tb or (ta == tb and S.EVI[L.EV_SEQ, a] < S.EVI[L.EV_SEQ, b])


@njit(cache=True, _nrt=False)
def _side_push(S, e):
    h = S.EVL[L.SIDE]
    i = S.ctl[SIDE_N]
    S.ctl[SIDE_N] = i + 1
    while i > 0:
        p = (i - 1) >> 1
        if _before(S, e, h[p]):
            h[i] = h[p]
            i = p
        else:
            break
    h[i] = e


@njit(cache=True, _nrt=False)
def side_pop(S):
    """Remove and return the first entry of the day's heap."""
    h = S.EVL[L.SIDE]
    top = h[0]
    n = S.ctl[SIDE_N] - 1
    S.ctl[SIDE_N] = n
    if n > 0:
        last = h[n]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and _before(S, h[c + 1], h[c]):
                c += 1
            if _before(S, h[c], last):
                h[i] = h[c]
                i = c
            else:
                break
        h[i] = last
    return top


@njit(cache=True, _nrt=False)
def push(S, t, x, kind, a):
    """Schedule event ``kind`` for ``x`` (a customer, a contact slot or a channel; ``a`` is an
    argument) at day ``t``; returns its sequence number, the token a customer's pending wake-up
    holds. Entries at or after the last day boundary are dropped (they would never run)."""
    seq = S.ctl[SEQ] + 1
    S.ctl[SEQ] = seq
    _insert(S, t, x, kind, a, seq)
    return seq


#: added to the sequence numbers of :func:`push_simpy`'s entries: they sort before every calendar
#: entry at the same time and among themselves in scheduling order
SIMPY_FIRST = -(1 << 62)


@njit(cache=True, _nrt=False)
def push_simpy(S, t, x, kind, a):
    """Schedule an event that the Python engine puts on SimPy's own queue (a policy's
    ``ctx.schedule``, a SimPy timeout) rather than on its calendar.

    The Python engine's customer clock hands control to SimPy whenever SimPy's queue holds an
    event due at or before the next calendar entry (``Calendar._run_day``: ``q[0][0] <= t``), so
    such an event runs before every calendar entry at the same time, whenever either was
    scheduled. SimPy orders its own queue by (time, priority, event id); these timeouts all have
    the normal priority, so among themselves they run in scheduling order. Here they are a second
    class of calendar entry: the same pool and day lists, with sequence numbers offset by
    :data:`SIMPY_FIRST`, so the (time, seq) order puts them first at equal times and keeps their
    scheduling order. The daily tick is also a SimPy event, at integer days (its timeout is
    created at the end of the previous tick): the driver runs it before the day's entries, except
    that an entry of this class at exactly that day scheduled before that timeout runs before it
    (:func:`.loop.before_tick`)."""
    seq = S.ctl[SEQ] + 1
    S.ctl[SEQ] = seq
    _insert(S, t, x, kind, a, seq + SIMPY_FIRST)


@njit(cache=True, _nrt=False)
def _insert(S, t, x, kind, a, key):
    """Put an entry with order key ``key`` on today's heap or a later day's list."""
    ctl = S.ctl
    d = int(t)
    today = d <= ctl[CAL_DAY]
    if not today and d >= ctl[DAYS]:
        return          # at or after the last day boundary: would never run
    e = take(S.ctl, EV_FREE_N, EV_USED, S.EVL[L.EV_FREE])
    S.EVT[e] = t
    S.EVI[L.EV_SEQ, e] = key
    S.EVI[L.EV_X, e] = x
    S.EVI[L.EV_A, e] = a
    S.EVI[L.EV_KIND, e] = kind
    if today:
        _side_push(S, e)
    else:
        _append(S, d, e, t)


@njit(cache=True, _nrt=False)
def _append(S, d, e, t):
    """Append entry ``e`` at time ``t`` to day ``d``'s list (a new chunk when its last is full)."""
    k = S.D[L.BK_TAIL, d]
    f = S.D[L.BK_FILL, d]
    if k < 0 or f == CHUNK:
        new = take(S.ctl, BK_FREE_N, BK_USED, S.EVL[L.BK_FREE])
        S.EVL[L.BK_NEXT, new] = -1
        if k < 0:
            S.D[L.BK_HEAD, d] = new
        else:
            S.EVL[L.BK_NEXT, k] = new
        S.D[L.BK_TAIL, d] = new
        k = new
        f = 0
    S.EVL[L.BK_E, k * CHUNK + f] = e
    S.EVLT[L.BK_T, k * CHUNK + f] = t
    S.D[L.BK_FILL, d] = f + 1


@njit(cache=True, _nrt=False)
def _chunk_len(S, day, k):
    """How many entries chunk ``k`` of day ``day``'s list holds (all but the last are full)."""
    return S.D[L.BK_FILL, day] if k == S.D[L.BK_TAIL, day] else CHUNK


@njit(cache=True, _nrt=False)
def open_day(S, day):
    """Start day ``day``: its entries, sorted by (time, seq), become the day's list ``cur``, their
    times ``cur_t`` beside them (contiguous: the sort reads an entry only on a tie). Its chunks go
    back to the free list."""
    n = 0
    cur = S.EVL[L.CUR]
    cur_t = S.EVLT[L.CUR_T]
    ctl = S.ctl
    k = S.D[L.BK_HEAD, day]
    while k >= 0:
        base = k * CHUNK
        for j in range(_chunk_len(S, day, k)):
            cur[n] = S.EVL[L.BK_E, base + j]
            cur_t[n] = S.EVLT[L.BK_T, base + j]
            n += 1
        give(ctl, BK_FREE_N, S.EVL[L.BK_FREE], k)
        k = S.EVL[L.BK_NEXT, k]
    S.D[L.BK_HEAD, day] = -1
    S.D[L.BK_TAIL, day] = -1
    S.D[L.BK_FILL, day] = 0
    _merge_sort(S, cur_t, cur, S.EVLT[L.TMP_T], S.EVL[L.TMP], n)
    ctl[CUR_N] = n
    ctl[CUR_I] = 0
    ctl[CAL_DAY] = day


@njit(cache=True, _nrt=False)
def _merge_sort(S, keys, vals, tkeys, tvals, n):
    """Sort entries ``vals[:n]`` by (time ``keys``, seq), bottom-up, with ``tkeys``/``tvals`` as
    scratch (no allocation: the kernel runs without numba's reference counting). Times are
    contiguous; an entry's seq is read only on a tie."""
    width = 1
    sk, sv, dk, dv = keys, vals, tkeys, tvals
    in_tmp = False
    while width < n:
        i = 0
        while i < n:
            mid = min(i + width, n)
            hi_ = min(i + 2 * width, n)
            p, q, k = i, mid, i
            while p < mid and q < hi_:
                if sk[q] < sk[p] or (sk[q] == sk[p]
                                     and S.EVI[L.EV_SEQ, sv[q]] < S.EVI[L.EV_SEQ, sv[p]]):
                    dk[k] = sk[q]
                    dv[k] = sv[q]
                    q += 1
                else:
                    dk[k] = sk[p]
                    dv[k] = sv[p]
                    p += 1
                k += 1
            while p < mid:
                dk[k] = sk[p]
                dv[k] = sv[p]
                p += 1
                k += 1
            while q < hi_:
                dk[k] = sk[q]
                dv[k] = sv[q]
                q += 1
                k += 1
            i += 2 * width
        sk, sv, dk, dv = dk, dv, sk, sv
        in_tmp = not in_tmp
        width *= 2
    if in_tmp:
        for j in range(n):
            keys[j] = sk[j]
            vals[j] = sv[j]


@njit(cache=True, _nrt=False)
def _side_first(S, i):
    """Whether the heap's first entry runs before the day list's entry ``i``: (time, seq) order
    (a heap entry has the larger seq unless it is SimPy-class, see :func:`push_simpy`)."""
    side = S.EVL[L.SIDE, 0]
    ts = S.EVT[side]
    tc = S.EVLT[L.CUR_T, i]
    return ts < tc or (ts == tc and S.EVI[L.EV_SEQ, side] < S.EVI[L.EV_SEQ, S.EVL[L.CUR, i]])


@njit(cache=True, _nrt=False)
def next_entry(S):
    """The next entry of the day (removed from the day's list or heap), or -1 at the day's end.
    On equal times the (time, seq) order decides: the day's list's calendar entries were all
    scheduled earlier than the heap's, but a heap entry may be SimPy-class (:func:`push_simpy`)."""
    ctl = S.ctl
    i = ctl[CUR_I]
    n = ctl[CUR_N]
    if ctl[SIDE_N] > 0 and (i >= n or _side_first(S, i)):
        return side_pop(S)
    if i < n:
        ctl[CUR_I] = i + 1
        return S.EVL[L.CUR, i]
    return -1


@njit(cache=True, _nrt=False)
def before_tick_entry(S, day, tick_seq):
    """Whether day ``day``'s next entry is a :func:`push_simpy` entry at exactly ``day`` scheduled
    no later than sequence number ``tick_seq`` (SimPy runs it before the day's tick). The day is
    opened (its list sorted) only if its list holds one."""
    ctl = S.ctl
    if ctl[CUR_I] < 0:
        if not _list_has_simpy_before(S, day, tick_seq):
            return False
        open_day(S, day)
    i = ctl[CUR_I]
    n = ctl[CUR_N]
    if ctl[SIDE_N] > 0 and (i >= n or _side_first(S, i)):     # as next_entry chooses
        e = S.EVL[L.SIDE, 0]
    elif i < n:
        e = S.EVL[L.CUR, i]
    else:
        return False
    return _simpy_before(S, e, day, tick_seq)


@njit(cache=True, _nrt=False)
def _list_has_simpy_before(S, day, tick_seq):
    """Whether day ``day``'s list holds an entry :func:`_simpy_before` the tick."""
    k = S.D[L.BK_HEAD, day]
    while k >= 0:
        for j in range(_chunk_len(S, day, k)):
            if _simpy_before(S, S.EVL[L.BK_E, k * CHUNK + j], day, tick_seq):
                return True
        k = S.EVL[L.BK_NEXT, k]
    return False


@njit(cache=True, _nrt=False)
def _simpy_before(S, e, day, tick_seq):
    key = S.EVI[L.EV_SEQ, e]
    return S.EVT[e] == day and key < 0 and key - SIMPY_FIRST <= tick_seq


@njit(cache=True, _nrt=False)
def peek_time(S):
    """The time of the next entry of the day (inf at the day's end)."""
    ctl = S.ctl
    i = ctl[CUR_I]
    t = np.inf
    if i < ctl[CUR_N]:
        t = S.EVLT[L.CUR_T, i]
    if ctl[SIDE_N] > 0 and S.EVT[S.EVL[L.SIDE, 0]] < t:
        t = S.EVT[S.EVL[L.SIDE, 0]]
    return t
