"""The Python side of the compiled streaks (kernel: :mod:`.streaks`): its configuration for the
kernel and its summary, as the Python policy computes them."""

from __future__ import annotations

from . import programmes as P
from . import streaks as ST
from .policy_base import CompiledProgramme


class CompiledStreaks(CompiledProgramme):
    """Streaks: streaks, badges and bonuses are the kernel's; the running cost is the base's."""

    code = P.STREAKS
    prefix = "streaks"
    #: calendar entries one new customer may need at once: a badge at its first purchase
    #: (``bonus_every = 1``) reschedules the defection wake-up and schedules the hazard refresh at
    #: the end of the rewarded effect
    timers_per_customer = 2

    def config(self, sc) -> dict[int, float]:
        p = self.p
        out = super().config(sc)
        out.update({ST.BONUS_EVERY: p.bonus_every, ST.BONUS_VALUE: p.bonus_value,
                    ST.PERIOD: p.period_days, ST.STRENGTH: p.streak_strength})
        return out

    def summary(self, run) -> dict[str, float]:
        ps = run.a["PS"][self.j]
        out = {"streak_badges": float(ps[ST.S_BADGES]), "streak_bonus_paid": float(ps[ST.S_PAID]),
               "streak_longest": float(ps[ST.S_LONGEST])}
        out.update(super().summary(run))
        return out
