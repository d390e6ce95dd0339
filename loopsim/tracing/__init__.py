"""Tracing one customer's journey: what they did, felt and held, in words and as a figure.

:class:`loopsim.records.Tracer` collects the events; :mod:`.probe` adds satisfaction and programme
progress while the run goes on; :mod:`.words` tells the journey for ``loopsim trace``;
:mod:`.figure` draws it (``loopsim trace --plot FILE``).
"""

from __future__ import annotations

from .figure import journey_figure
from .probe import Probe, programme_state
from .words import ending, journey_lines, minutes, progress_words

__all__ = ["Probe", "ending", "journey_figure", "journey_lines", "minutes", "programme_state",
           "progress_words"]
