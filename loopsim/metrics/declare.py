"""``Metric``: one summary metric declared once (name, unit, range, better direction, meaning)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

#: A placeholder in a metric's name, e.g. ``<stage>`` in ``funnel_<stage>``: a configured name.
_PLACEHOLDER = re.compile(r"<[a-z_]+>")
#: What a metric name (once its placeholders are filled) may be made of.
_NAME = re.compile(r"[a-z][a-z0-9_]*")

UNBOUNDED: tuple[float, float] = (-math.inf, math.inf)
NONNEGATIVE: tuple[float, float] = (0.0, math.inf)
SHARE: tuple[float, float] = (0.0, 1.0)


@dataclass(frozen=True)
class Metric:
    """A summary metric of a run, declared once: everything else (the contracted list, the
    ranges confidence intervals are clipped to, the docs tables) is derived from declarations.

    Attributes
    ----------
    name : the key in ``RunResult.summary``. A part in angle brackets is a configured name
        (``funnel_<stage>``, ``service_<channel>_contacts``, ``tier_<tier>_at_end``) and matches
        any non-empty text.
    unit : what the value counts or measures (e.g. ``"currency"``, ``"customers"``, ``"days"``,
        ``"share"``).
    bounds : ``(low, high)``, the range the value (and so a mean of it) can take; confidence
        intervals are intersected with it. Default: ``>= 0``.
    better : ``"higher"``, ``"lower"`` or None (neither: e.g. a count of contacts).
    doc : what it means, one sentence or two (shown in docs/metrics.md).
    nan_when : when the value is NaN (empty: never).
    core : one of the contracted metrics present in every run (:data:`CORE_METRICS`, in
        declaration order).
    group : the docs section it is listed under.
    """

    name: str
    unit: str
    bounds: tuple[float, float] = NONNEGATIVE
    better: Literal["higher", "lower"] | None = None
    doc: str = ""
    nan_when: str = ""
    core: bool = False
    group: str = ""
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lo, hi = (float(v) for v in self.bounds)
        if not lo <= hi:
            raise ValueError(f"Metric {self.name!r}: bounds {self.bounds!r} must be (low, high) with low <= high")
        if self.better not in ("higher", "lower", None):
            raise ValueError(f"Metric {self.name!r}: better must be 'higher', 'lower' or None, "
                             f"not {self.better!r}")
        if not _NAME.fullmatch(_PLACEHOLDER.sub("x", self.name)):
            raise ValueError(f"Metric {self.name!r}: a name is lower-case letters, digits and "
                             "underscores (and <placeholders> for configured names)")
        object.__setattr__(self, "bounds", (lo, hi))
        if _PLACEHOLDER.search(self.name):
            parts = _PLACEHOLDER.split(self.name)
            # any characters: a configured name (a tier, a channel) is the user's own text
            regex = ".+".join(re.escape(p) for p in parts)
            object.__setattr__(self, "_pattern", re.compile(regex, re.DOTALL))

    @property
    def is_pattern(self) -> bool:
        """Whether the name has a configured part (``<...>``)."""
        return self._pattern is not None

    def matches(self, name: str) -> bool:
        """Whether the summary key ``name`` is this metric."""
        if self._pattern is None:
            return name == self.name
        return self._pattern.fullmatch(name) is not None
