"""Time-based defection (``journey.churn.process = "hazard"``): a hazard per day, not per purchase.

Why: under BG/NBD's per-purchase dropout a customer who buys more often drops out sooner, so
every programme that raises the purchase rate lowers retention, an artefact of a model built to
fit transaction logs, not a behavioural law (programmes lengthen lifetimes: Meyer-Waarden 2007;
Bolton, Kannan & Bramlett 2000). Here a customer defects when its cumulative hazard reaches an
Exp(1) threshold drawn once (per acquisition or win-back) from its own ``Purpose.DEFECTION``
stream. The hazard per day is

    h(t) = (churn_hazard + competitor.hazard_per_day * s_price) * hazard_multiplier
           * exp(churn_effect * (reference - satisfaction)) * prod(churn_multiplier hooks)

piecewise constant: it is re-evaluated at each purchase, at each satisfaction change and when a
policy calls ``ctx.refresh_churn(customer)`` (its tie changed between purchases). Because the
threshold does not depend on when purchases happen, the same customer defects at the same moment
under two designs unless something changes its hazard (common random numbers); a design that
only changes purchase timing leaves defection times bit-identical.

A mixin of :class:`~loopsim.engine.world.World` (it reads the world's hooks and calendar).
"""

from __future__ import annotations

import math

from ..rng import B_DEFECTION, DEFECTION_REASON_DRAWS, M64, uniform2
from .customer import ACTIVE, W_DEFECT, Customer


class Defection:
    """The world's time-based defection process (inactive unless the scenario asks for it)."""

    hazard_process: bool = False

    def defection_hazard(self, c: Customer) -> tuple[float, float]:
        """The customer's defection hazard now, ``(total, competitor part)``, in 1/day."""
        mult = self._hazard_scale
        if self._sat_effect:
            mult *= math.exp(self._sat_effect * (self._sat_ref - c.satisfaction))
        for h in self._h_churn_mult:
            mult *= h(self.ctx, c)
        comp = self._comp_h * c.s_price * mult
        return c.hazard * mult + comp, comp

    def _defection_start(self, c: Customer, t: float) -> None:
        """A new lifetime (acquisition or win-back): draw the Exp(1) threshold of the cumulative
        hazard; the first :meth:`_defection_refresh` schedules the defection."""
        u = uniform2((c.key + B_DEFECTION) & M64, c.winbacks)[0]
        c.dleft = -math.log(u)
        c.dref = t
        c.dh = -1.0     # no hazard yet: the next refresh always schedules
        c.dwake = None

    def refresh_churn(self, c: Customer) -> None:
        """Re-evaluate the customer's defection hazard now (policy API): call after changing a
        customer's tie between purchases (an expiry, a demotion, a cancelled membership). A no-op
        under the per-purchase process, or when the hazard did not change."""
        if self.hazard_process and c.status == ACTIVE:
            self._defection_refresh(c, self.env.now)

    def _defection_refresh(self, c: Customer, t: float) -> None:
        h = self.defection_hazard(c)[0]
        if h == c.dh:
            return      # unchanged: keep the scheduled moment exactly (CRN across designs)
        if c.dh > 0.0:
            left = c.dleft - c.dh * (t - c.dref)
            c.dleft = left if left > 0.0 else 0.0
        c.dref = t
        c.dh = h
        c.dwake = None
        if h > 0.0:
            td = t + c.dleft / h
            if td < self.horizon:
                c.dwake = self._wake(c, td, W_DEFECT)

    def _defect(self, c: Customer, t: float, token) -> None:
        """The defection wake-up: the customer churns, 'competitor' with the competitor's share
        of the hazard, else 'lapsed'."""
        if c.dwake is not token or c.status != ACTIVE:
            return          # replaced by a refresh, or already gone
        h, comp = self.defection_hazard(c)
        u = uniform2((c.key + B_DEFECTION) & M64, DEFECTION_REASON_DRAWS + c.winbacks)[0]
        self._churn(c, t, "competitor" if u * h < comp else "lapsed")
