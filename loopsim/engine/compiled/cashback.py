"""The compiled cash-back and discount offers (:mod:`loopsim.policies.rewards.cashback`): money back
(``reward_cost``) or off (``discount``) on qualifying purchases, and the offers' uplifts of the
purchase rate, the purchase-stage conversion and the win-back probability. Same conditions, same
arithmetic and the same order as the Python policies; the two types differ only in where the
amount goes (configuration column ``AS_DISCOUNT``).

Policy row ``j``'s configuration is ``S.PC[j, ...]`` (columns below, after the behaviour switches
of :mod:`.programmes`), its counters ``S.PS[j, ...]``; per customer it keeps two int rows in
``S.PI`` from ``S.PT[j, T_ROW_I]``: the qualifying purchases so far (``Cashback.uses``) and a
pending win-back offer (0/1, ``Cashback.pending``). The offers have no churn multiplier: the
Python policies' (``Mechanisms.churn``, the rewarded-behaviour effect) is always 1, since an offer
is never a redemption.
"""

from __future__ import annotations

from numba import njit

from ...scenario import STAGES
from . import layout as L
from . import programmes

#: S.PC columns (after the behaviour switches); CAP and MAX_USES are inf without a limit
(PERCENT, FIXED, CAP, MIN_BASKET, APPLIES_TO, MAX_USES, RATE_UPLIFT, CONVERSION_UPLIFT,
 WINBACK_UPLIFT, AS_DISCOUNT) = range(15, 25)
#: APPLIES_TO values, in the order of ``CashbackParams.applies_to``
APPLIES = ("every", "first", "winback")
EVERY, FIRST, WINBACK = range(3)
#: S.PS columns (0 is the member count, programmes.S_MEMBERS)
S_PAID, S_USES = 1, 2
#: per-customer rows in S.PI (offsets from the policy's first row)
I_USES, I_PENDING = 0, 1
ROWS_I, ROWS_F = 2, 0
#: the funnel stage whose conversion a first-purchase offer raises
PURCHASE_STAGE = STAGES.index("purchase")


@njit(cache=True, _nrt=False)
def _used_up(S, j, c):
    return S.PI[S.PT[j, programmes.T_ROW_I] + I_USES, c] >= S.PC[j, MAX_USES]


@njit(cache=True, _nrt=False)
def _eligible(S, j, c, k):
    """``Cashback._eligible`` for purchase number ``k`` (``c.purchases`` before it is booked)."""
    if _used_up(S, j, c):
        return False
    if S.PC[j, APPLIES_TO] == FIRST:
        return k == 0
    if S.PC[j, APPLIES_TO] == WINBACK:
        return S.PI[S.PT[j, programmes.T_ROW_I] + I_PENDING, c] != 0
    return True


@njit(cache=True, _nrt=False)
def _uplift(S, j, c, share):
    """``Mechanisms.uplift(c, share, c.s_price)``: 1 + share x the price-sensitivity response."""
    if S.PC[j, programmes.M_ON] == 0.0 or share == 0.0:
        return 1.0
    r = 2.0 * S.F[L.C_S_PRICE, c]
    if S.F[L.C_RATE, c] > S.PC[j, programmes.M_HEAVY_RATE]:
        r *= S.PC[j, programmes.M_HEAVY_RESPONSE]
    return 1.0 + share * r


@njit(cache=True, _nrt=False)
def on_reactivate(S, j, c):
    """A won-back customer's next purchase qualifies for a win-back offer."""
    if S.PC[j, APPLIES_TO] == WINBACK:
        S.PI[S.PT[j, programmes.T_ROW_I] + I_PENDING, c] = 1


@njit(cache=True, _nrt=False)
def on_purchase(S, j, c, k, gross, disc, rew):
    """The offer on purchase number ``k`` (``gross``: list price, currency); returns the new
    (discount, reward cost)."""
    if not _eligible(S, j, c, k):
        return disc, rew
    row = S.PT[j, programmes.T_ROW_I]
    S.PI[row + I_PENDING, c] = 0
    if gross < S.PC[j, MIN_BASKET]:
        return disc, rew
    paid = gross - disc
    amount = S.PC[j, PERCENT] * paid + S.PC[j, FIXED]
    amount = min(amount, S.PC[j, CAP])
    amount = min(amount, paid)
    if amount <= 0:
        return disc, rew
    if S.PC[j, AS_DISCOUNT] != 0.0:
        disc += amount
    else:
        rew += amount
    S.PI[row + I_USES, c] += 1
    S.PS[j, S_PAID] += amount
    S.PS[j, S_USES] += 1
    return disc, rew


@njit(cache=True, _nrt=False)
def rate(S, j, c):
    """The purchase-rate uplift while an ``every`` offer still applies."""
    if S.PC[j, programmes.M_ON] == 0.0 or S.PC[j, APPLIES_TO] != EVERY or S.PC[j, RATE_UPLIFT] == 0.0:
        return 1.0
    if _used_up(S, j, c):
        return 1.0
    return _uplift(S, j, c, S.PC[j, RATE_UPLIFT])


@njit(cache=True, _nrt=False)
def conversion(S, j, c, stage):
    """A first-purchase offer's uplift of the purchase stage's conversion."""
    if S.PC[j, programmes.M_ON] == 0.0 or S.PC[j, APPLIES_TO] != FIRST or stage != PURCHASE_STAGE:
        return 1.0
    return _uplift(S, j, c, S.PC[j, CONVERSION_UPLIFT])


@njit(cache=True, _nrt=False)
def winback(S, j, c):
    """A win-back offer's uplift of the win-back success probability."""
    if S.PC[j, programmes.M_ON] == 0.0 or S.PC[j, APPLIES_TO] != WINBACK:
        return 1.0
    return _uplift(S, j, c, S.PC[j, WINBACK_UPLIFT])
