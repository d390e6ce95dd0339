"""The compiled tier-based service priority (:mod:`loopsim.policies.service`): a customer's tier
by cumulative revenue or purchases; higher tiers queue ahead (priority ``-tier``).

Configuration ``S.PC[j, ...]``: the basis (1 = purchases, 0 = revenue), the number of thresholds
and the ascending thresholds from column :data:`THRESHOLDS` on; counter ``S.PS[j, S_PRIORITISED]``.
"""

from __future__ import annotations

from numba import njit

from . import layout as L

#: S.PC columns; at most N_PC - THRESHOLDS thresholds (programmes.N_PC)
BY_PURCHASES, N_THRESHOLDS, THRESHOLDS = 0, 1, 2
#: S.PS column: contacts given a priority above the lowest tier
S_PRIORITISED = 1
ROWS_I, ROWS_F = 0, 0


@njit(cache=True, _nrt=False)
def priority(S, j, c):
    """The customer's service priority, ``-tier`` (``TierPriority.service_priority``)."""
    by_purchases = S.PC[j, BY_PURCHASES] != 0.0
    x = float(S.I[L.C_PURCHASES, c]) if by_purchases else S.F[L.C_REVENUE, c]
    n = 0
    for i in range(int(S.PC[j, N_THRESHOLDS])):
        if x >= S.PC[j, THRESHOLDS + i]:
            n += 1
    if n:
        S.PS[j, S_PRIORITISED] += 1
    return -n
