"""The compiled exclusive access (:mod:`loopsim.policies.rewards.exclusive_access`): eligibility
by purchases, attendance at an open event (its cost and satisfaction gain) and the purchase-rate
uplift during and just before an event. Same arithmetic and order as the Python policy; the
events' cost is the driver's, once a day (:mod:`.exclusive_access_host`).

Policy row ``j``'s configuration is ``S.PC[j, ...]`` (columns below, after the behaviour switches
of :mod:`.programmes`), its counters ``S.PS[j, ...]``; per customer it keeps one int row in
``S.PI`` from ``S.PT[j, T_ROW_I]``: the last event attended plus one (0: none).
"""

from __future__ import annotations

import math

from numba import njit

from . import core, programmes
from . import layout as L

#: S.PC columns (after the behaviour switches): eligibility (purchases), the event calendar
#: (days), the uplift (share), the satisfaction gain (points on 0-10) and the costs (currency)
(MIN_PURCHASES, FIRST_DAY, INTERVAL, DURATION, ANTICIPATION, RATE_UPLIFT, SAT_GAIN, COST_EVENT,
 COST_ATTENDEE) = range(15, 24)
#: S.PS columns (0 is the member count, programmes.S_MEMBERS): attendees, the operating cost so
#: far (currency; the kernel's attendee costs and the driver's daily costs in time order, so the
#: sum is the Python policy's), events opened
S_ATTENDEES, S_OPERATING_COST, S_EVENTS = 1, 2, 3
#: per-customer rows in S.PI (offsets from the policy's first row)
I_ATTENDED = 0
ROWS_I, ROWS_F = 1, 0


@njit(cache=True, _nrt=False)
def _event(S, j, t):
    """Index of the event open at day ``t``, or -1 (``ExclusiveAccess._event``)."""
    first = S.PC[j, FIRST_DAY]
    if t < first:
        return -1
    k = math.floor((t - first) / S.PC[j, INTERVAL])
    return k if t - (first + k * S.PC[j, INTERVAL]) < S.PC[j, DURATION] else -1


@njit(cache=True, _nrt=False)
def _soon(S, j, t):
    """An event is open at ``t`` or opens within the anticipation days (``_soon``)."""
    if _event(S, j, t) >= 0:
        return True
    first = S.PC[j, FIRST_DAY]
    k = max(0, math.ceil((t - first) / S.PC[j, INTERVAL]))
    return first + k * S.PC[j, INTERVAL] - t <= S.PC[j, ANTICIPATION]


@njit(cache=True, _nrt=False)
def _eligible(S, j, c):
    return S.I[L.C_PURCHASES, c] >= S.PC[j, MIN_PURCHASES]


@njit(cache=True, _nrt=False)
def on_acquire(S, j, c):
    """Count the customer if eligible (``Programme.on_acquire``; ``on_reactivate`` alike)."""
    if _eligible(S, j, c):
        S.PS[j, programmes.S_MEMBERS] += 1


@njit(cache=True, _nrt=False)
def on_churn(S, j, c):
    if _eligible(S, j, c):
        S.PS[j, programmes.S_MEMBERS] -= 1


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, t):
    """Purchase at day ``t`` (before it is counted): eligibility, then attendance."""
    n = S.I[L.C_PURCHASES, c]
    least = S.PC[j, MIN_PURCHASES]
    if n + 1 == least and least > 0 and S.I[L.C_STATUS, c] == L.ACTIVE:
        S.PS[j, programmes.S_MEMBERS] += 1        # becomes eligible with this purchase
    if n < least:
        return
    k = _event(S, j, t)
    row = S.PT[j, programmes.T_ROW_I] + I_ATTENDED
    if k < 0 or S.PI[row, c] == k + 1:
        return
    S.PI[row, c] = k + 1
    S.PS[j, S_ATTENDEES] += 1
    cost = S.PC[j, COST_ATTENDEE]
    if cost:
        core.post(S, L.L_PROGRAMME, t, cost, c)
        S.PS[j, S_OPERATING_COST] += cost
    if S.PC[j, programmes.M_ON] != 0.0 and S.PC[j, SAT_GAIN]:
        core.change_satisfaction(S, c, S.PC[j, SAT_GAIN] * programmes.response(S, j, c), t)


@njit(cache=True, _nrt=False)
def rate(S, j, c, t):
    """An eligible customer's purchase-rate uplift during and just before an event."""
    if S.PC[j, programmes.M_ON] == 0.0 or not _eligible(S, j, c) or not _soon(S, j, t):
        return 1.0
    share = S.PC[j, RATE_UPLIFT]
    if share == 0.0:
        return 1.0
    return 1.0 + share * programmes.response(S, j, c)
