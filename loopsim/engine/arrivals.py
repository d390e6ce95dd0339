"""When service contacts arrive: a daily arrival profile applied by the inverse of its cumulative rate.

A contact has a cause at time ``t`` (a purchase with a problem, a new customer's question, a
repeat contact falling due); the customer gets in touch at

    arrival = L^-1( L(t) + u ),    u ~ Uniform(0, 1) (the contact's own draw),

where ``L`` is the cumulative profile: ``L(day + x) = day + F(x)``, ``F`` the share of a day's
contacts that arrive before time of day ``x`` (piecewise linear over the 24 hourly weights). So
the contact comes within 24 hours of its cause, never before it, and never in an hour of weight
0 (customers asleep). Because ``u`` is uniform and independent of ``t``, ``L(arrival)`` has a
uniform fractional part whatever the causes' times: contacts arrive by time of day with density
proportional to the weights, and a Poisson stream of causes becomes a non-homogeneous Poisson
stream of contacts with that daily rate (a Poisson process's points moved independently stay
Poisson: the displacement theorem, Kingman 1993, *Poisson Processes*, section 5.5). This is the
inversion method for a non-homogeneous Poisson process (Cinlar 1975; Law, *Simulation Modeling
and Analysis*, section on non-stationary Poisson processes).
"""

from __future__ import annotations

import math
from bisect import bisect_right


class DailyProfile:
    """The cumulative daily profile of 24 hourly weights (any scale; normalised here)."""

    def __init__(self, weights: tuple[float, ...]):
        total = float(sum(weights))
        self.share = [w / total for w in weights]      # share of a day's contacts in each hour
        self.cum = [0.0]                                 # share before hour h (h = 0..24)
        for s in self.share:
            self.cum.append(self.cum[-1] + s)
        self.cum[-1] = 1.0

    def cumulative(self, t: float) -> float:
        """``L(t)``: days of "contact time" up to day ``t`` (one per calendar day)."""
        day, x = divmod(t, 1.0)
        h = min(23, int(x * 24.0))
        return day + self.cum[h] + (x * 24.0 - h) * self.share[h]

    def inverse(self, s: float) -> float:
        """``L^-1(s)``: the calendar day at which ``s`` days of contact time have passed (the
        first such time: a zero-weight hour is jumped over)."""
        day, y = divmod(s, 1.0)
        # the last hour starting at or before y: hours of weight 0 have cum[h] == cum[h + 1], so
        # the search skips them
        h = min(23, bisect_right(self.cum, y) - 1)
        while self.share[h] == 0.0:        # y exactly on a boundary followed by empty hours
            h += 1
            if h == 24:
                return day + 1.0 + self.inverse(0.0)
        return day + (h + (y - self.cum[h]) / self.share[h]) / 24.0

    def arrival(self, t: float, u: float) -> float:
        """The arrival time (days) of a contact caused at ``t`` with uniform draw ``u`` in (0, 1)."""
        a = self.inverse(self.cumulative(t) + u)
        return a if a >= t else t    # float rounding only: L^-1(L(t) + u) >= t exactly


def profile_for(weights: tuple[float, ...] | None) -> DailyProfile | None:
    """A :class:`DailyProfile` for hourly weights, or None (contacts arrive at their cause)."""
    if weights is None:
        return None
    if not all(math.isfinite(w) and w >= 0 for w in weights):
        raise ValueError("arrival profile weights must be finite and >= 0")
    return DailyProfile(weights)
