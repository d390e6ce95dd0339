"""Figures of loopsim results (matplotlib, Agg backend), one public function per figure.

Every function takes results from the public API (a :class:`~loopsim.RunResult`, a list of
replications, ``{design: runs}``, an experiment's runs table, a :class:`Comparison`, a sweep
table, Sobol indices or a calibration) and an optional ``ax`` to draw into, and returns the
:class:`matplotlib.figure.Figure`. Titles and axis labels carry units; colours are Okabe-Ito;
service waits are in minutes. :func:`save` writes PNG and SVG. See ``docs/figures.md``.
"""

from __future__ import annotations

from .calibration import cumulative_repeat, frequency_recency, holdout, p_alive_matrix
from .distributions import clv_distribution, forest, replication_ecdf
from .funnel import customer_flow, funnel
from .money import cumulative_profit, profit_bridge
from .operations import points, service_by_hour
from .retention import active_base, kaplan_meier, survival
from .style import PALETTE, save
from .sweeps import heatmap, response, sobol_indices

__all__ = ["PALETTE", "active_base", "clv_distribution", "cumulative_profit", "cumulative_repeat",
           "customer_flow", "forest", "frequency_recency", "funnel", "heatmap", "holdout",
           "kaplan_meier", "p_alive_matrix", "points", "profit_bridge", "replication_ecdf",
           "response", "save", "service_by_hour", "sobol_indices", "survival"]
