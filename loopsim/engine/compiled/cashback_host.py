"""The Python side of the compiled cash-back and discount offers (kernel: :mod:`.cashback`): their
configuration and their summaries, as :mod:`loopsim.policies.rewards.cashback` computes them. The
daily running cost is the programmes' common one (:class:`.policy_base.CompiledProgramme`)."""

from __future__ import annotations

import math

from . import cashback as CB
from . import programmes as P
from .policy_base import CompiledProgramme


class CompiledCashback(CompiledProgramme):
    """Money back on qualifying purchases (``reward_cost``; the customer pays list price)."""

    code = P.CASHBACK
    prefix = "cashback"

    def config(self, sc) -> dict[int, float]:
        p = self.p
        out = super().config(sc)
        out.update({CB.PERCENT: p.percent, CB.FIXED: p.fixed,
                    CB.CAP: math.inf if p.cap is None else p.cap, CB.MIN_BASKET: p.min_basket,
                    CB.APPLIES_TO: CB.APPLIES.index(p.applies_to),
                    CB.MAX_USES: math.inf if p.max_uses is None else p.max_uses,
                    CB.RATE_UPLIFT: p.rate_uplift, CB.CONVERSION_UPLIFT: p.conversion_uplift,
                    CB.WINBACK_UPLIFT: p.winback_uplift, CB.AS_DISCOUNT: self.code == P.DISCOUNT})
        return out

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        out = {f"{self.prefix}_paid": float(ps[CB.S_PAID]), f"{self.prefix}_uses": float(ps[CB.S_USES])}
        out.update(super().summary(run))
        return out


class CompiledDiscount(CompiledCashback):
    """A price reduction on qualifying purchases (``discount``; the customer pays less)."""

    code = P.DISCOUNT
    prefix = "discount"
