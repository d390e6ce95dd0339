"""Figures of an optimisation (matplotlib, one function each; each returns its Figure):
history, parameter importances, slices, a contour of two parameters, the Pareto front."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .problem import Problem


def _plt():
    # no backend is forced: matplotlib falls back to Agg without a display, and a notebook keeps
    # its inline backend
    import matplotlib.pyplot as plt

    return plt


def _label(text: str) -> str:
    """An axis label short enough to fit: long objective expressions wrap."""
    import textwrap

    return "\n".join(textwrap.wrap(text, 38)) or text


def _done(trials: pd.DataFrame, col: str) -> pd.DataFrame:
    return trials[(trials["state"] == "COMPLETE") & trials[col].notna()]


def history(problem: Problem, trials: pd.DataFrame):
    """Each trial's objective (mean and 95% CI over its replications) and the best so far among
    feasible trials."""
    plt = _plt()
    o = problem.objectives[0]
    col = "objective" if "objective" in trials else "objective_0"
    d = _done(trials, col)
    fig, ax = plt.subplots(figsize=(7, 4))
    err = np.vstack([d[col] - d[f"{col}_ci_low"], d[f"{col}_ci_high"] - d[col]])
    ax.errorbar(d["trial"], d[col], yerr=np.nan_to_num(err), fmt="o", ms=4, alpha=0.6,
                label="trial (mean, 95% CI)")
    feas = d[d["feasible"]]
    if len(feas):
        best = feas[col].cummax() if o.direction == "maximize" else feas[col].cummin()
        ax.step(feas["trial"], best, where="post", color="C3", label="best feasible so far")
    infeas = d[~d["feasible"]]
    if len(infeas):
        ax.plot(infeas["trial"], infeas[col], "x", color="grey", label="violates a constraint")
    ax.set(xlabel="trial", ylabel=_label(o.text), title="Optimisation history")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def importances(problem: Problem, study):
    """Parameter importances of the first objective (Optuna's default PED-ANOVA evaluator, which
    scores how much each parameter matters for reaching good values; Watanabe et al. 2023)."""
    import optuna

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 0.5 + 0.5 * len(problem.params)))
    try:
        with warnings.catch_warnings():   # optuna's notes on degenerate samples
            warnings.simplefilter("ignore")
            sign = -1.0 if problem.objectives[0].direction == "maximize" else 1.0   # low = good
            imp = optuna.importance.get_param_importances(study, target=lambda t: sign * t.values[0])
    except (RuntimeError, ValueError) as exc:   # too few trials, or a single parameter value
        imp = {}
        ax.text(0.5, 0.5, f"importances unavailable: {exc}", ha="center", va="center", wrap=True)
    names = list(imp)[::-1]
    ax.barh(names, [imp[k] for k in names])
    ax.set(xlabel="importance (PED-ANOVA, normalised)", title="Parameter importances")
    fig.tight_layout()
    return fig


def slices(problem: Problem, trials: pd.DataFrame):
    """The objective against each parameter, one panel per parameter."""
    plt = _plt()
    col = "objective" if "objective" in trials else "objective_0"
    d = _done(trials, col)
    k = len(problem.params)
    fig, axes = plt.subplots(1, k, figsize=(4 * k, 3.5), squeeze=False)
    for ax, p in zip(axes[0], problem.params, strict=True):
        x = d[p.path].astype(str) if p.kind == "choice" else d[p.path]
        ax.scatter(x, d[col], c=d["trial"], cmap="viridis", s=18)
        if p.kind == "log":
            ax.set_xscale("log")
        ax.set(xlabel=p.path, ylabel=_label(problem.objectives[0].text))
    fig.suptitle("Slices (colour: trial number)")
    fig.tight_layout()
    return fig


def contour(problem: Problem, trials: pd.DataFrame):
    """The objective over the first two numeric parameters (a triangulated contour), or None."""
    nums = [p for p in problem.params if p.kind != "choice"]
    col = "objective" if "objective" in trials else "objective_0"
    d = _done(trials, col)
    if len(nums) < 2 or len(d) < 4:
        return None
    plt = _plt()
    a, b = nums[0].path, nums[1].path
    fig, ax = plt.subplots(figsize=(6, 5))
    try:
        cs = ax.tricontourf(d[a].astype(float), d[b].astype(float), d[col], levels=12, cmap="viridis")
        fig.colorbar(cs, ax=ax, label=_label(problem.objectives[0].text))
    except (ValueError, RuntimeError):   # collinear points cannot be triangulated
        pass
    ax.scatter(d[a], d[b], c="k", s=8)
    ax.set(xlabel=a, ylabel=b, title="Objective over two parameters")
    fig.tight_layout()
    return fig


def pareto_front(problem: Problem, trials: pd.DataFrame, front: list[int]):
    """Trials in the plane of the first two objectives, the Pareto front highlighted, or None."""
    if len(problem.objectives) < 2:
        return None
    plt = _plt()
    d = _done(trials, "objective_0")
    on = d[d["trial"].isin(front)].sort_values("objective_0")
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(d["objective_0"], d["objective_1"], c="lightgrey", s=14, label="trial")
    ax.plot(on["objective_0"], on["objective_1"], "o-", color="C3", label="Pareto front")
    ax.set(xlabel=_label(f"{problem.objectives[0].text} ({problem.objectives[0].direction})"),
           ylabel=_label(f"{problem.objectives[1].text} ({problem.objectives[1].direction})"), title="Pareto front")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def save_figures(folder: Path, problem: Problem, result) -> list[str]:
    """Draw every figure that applies and save it as PNG under ``folder``; returns the paths
    relative to the output folder."""
    plt = _plt()
    figs = {"history": history(problem, result.trials), "importances": importances(problem, result.study),
            "slices": slices(problem, result.trials), "contour": contour(problem, result.trials),
            "pareto_front": pareto_front(problem, result.trials, result.pareto or [])}
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, fig in figs.items():
        if fig is None:
            continue
        fig.savefig(folder / f"{name}.png", dpi=120)
        plt.close(fig)
        names.append(f"figures/{name}.png")
    return names


__all__ = ["contour", "history", "importances", "pareto_front", "save_figures", "slices"]
