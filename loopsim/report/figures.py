"""Which figures a result store (or one run) gets, drawn and written as PNG + SVG."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from .. import plots
from ..errors import LoopsimError
from ..result import RunResult
from .store import FIGURE_REPS, StoreView

#: A named figure, drawn on demand (name -> a function returning the Figure).
Drawn = Iterator[tuple[str, str, Callable[[], Figure]]]


def slug(text: str) -> str:
    """A file-name-safe form of a design or parameter name (letters, digits, -, _)."""
    return re.sub(r"[^A-Za-z0-9-]+", "_", text).strip("_")


def run_figures(results: dict[str, list[RunResult]]) -> Drawn:
    """Figures of runs' tables: ``(file name, caption, draw)`` for every figure that applies."""
    yield "survival", "Retention by tenure (Kaplan-Meier)", lambda: plots.survival(results)
    yield "active_base", "Active customers over time", lambda: plots.active_base(results)
    yield "cumulative_profit", "Cumulative profit (payback)", lambda: plots.cumulative_profit(results)
    yield "clv", "CLV across customers", lambda: plots.clv_distribution(results)
    for design, runs in results.items():
        tag = "" if len(results) == 1 else "_" + slug(design)
        yield f"funnel{tag}", f"Funnel: {design}", lambda runs=runs: plots.funnel(runs)
        yield f"flow{tag}", f"Customer flow: {design}", lambda runs=runs: plots.customer_flow(runs)
        if "points_liability" in runs[0].timeline.columns:
            yield f"points{tag}", f"Points: {design}", lambda runs=runs: plots.points(runs)
        if len(runs[0].contacts):
            yield f"service{tag}", f"Service desk: {design}", lambda runs=runs: plots.service_by_hour(runs)


def store_figures(view: StoreView, k: int = FIGURE_REPS) -> Drawn:
    """Every figure of a result store (runs re-run for the table figures: ``k`` per design)."""
    cur = view.currency
    if view.kind == "sweep":
        from ..plots.sweeps import is_grid, parameters

        params = parameters(view.runs)
        for p in params:
            for m in ("profit", "retention_rate"):
                yield f"sweep_{m}_{slug(p)}", f"{m} against {p}", lambda p=p, m=m: plots.response(view.runs, p, m)
        if len(params) >= 2 and is_grid(view.runs):
            yield "sweep_heatmap", f"profit by {params[0]} and {params[1]}", \
                lambda: plots.heatmap(view.runs, params[0], params[1], "profit")
        sobol = view.root / "sobol" / "sobol.parquet"
        if sobol.is_file():
            yield "sobol", "Sobol indices", lambda: plots.sobol_indices(pd.read_parquet(sobol))
        return
    for m in ("profit", "retention_rate", "clv_mean"):
        yield f"distribution_{m}", f"{m} across replications", \
            lambda m=m: plots.replication_ecdf(view.runs, m, cur)
    if view.kind == "compare":
        cmp = view.comparison()
        for d in (x for x in cmp.designs if x != cmp.reference):
            yield f"bridge_{slug(d)}", f"Profit bridge: {cmp.reference} to {d}", \
                lambda d=d: plots.profit_bridge(cmp, d)
        yield "forest", "Paired differences", lambda: plots.forest(cmp)
    results = view.results(k)
    yield from run_figures(results)


def calibration_figures(cal, transactions: pd.DataFrame, holdout: pd.DataFrame | None = None) -> Drawn:
    """Figures of a calibration: the two BG/NBD matrices, the holdout check (when ``holdout``,
    an RFM summary with a holdout period, is given) and cumulative repeat transactions."""
    yield "calibration_frequency_recency", "Expected purchases by frequency and recency", \
        lambda: plots.frequency_recency(cal)
    yield "calibration_p_alive", "P(alive) by frequency and recency", lambda: plots.p_alive_matrix(cal)
    if holdout is not None:
        yield "calibration_holdout", "Calibration vs holdout purchases", lambda: plots.holdout(cal, holdout)
    yield "calibration_cumulative_repeat", "Cumulative repeat transactions", \
        lambda: plots.cumulative_repeat(cal, transactions)


def write_figures(figures: Drawn, folder: Path, skipped: list[str] | None = None) -> list[tuple[str, str, Path]]:
    """Draw and save every figure as ``folder/NAME.png`` and ``.svg``; ``(name, caption, png)``.

    A figure whose data the runs do not have (no service contacts, a Pareto/NBD fit for a
    BG/NBD figure) is skipped; ``skipped``, if given, collects ``"name: why"`` for each."""
    out = []
    for name, caption, draw in figures:
        try:
            fig = draw()
        except LoopsimError as exc:
            if skipped is not None:
                skipped.append(f"{name}: {exc}")
            continue
        png, _svg = plots.save(fig, folder, name)
        out.append((name, caption, png))
    return out
