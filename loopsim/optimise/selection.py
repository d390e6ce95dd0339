"""The final stage: re-evaluate the best candidates with more replications and choose one with a
statistical statement about it.

The top ``k`` distinct feasible trials (by the first objective; with several objectives, from
the Pareto front) are run for ``final_n`` replications with the same seeds as the search
(common random numbers: replications ``0..n-1`` are the search's own, re-used). Then, on the
first objective, with every comparison paired by replication:

* the chosen design is the feasible candidate with the best mean;
* its paired difference against each runner-up, with a 95% Student-t CI (positive: chosen is
  better);
* the screening procedure of Nelson, Swann, Goldsman & Song (2001, *Operations Research* 49(6),
  "Simple procedures for selecting the best simulated system when the number of alternatives is
  large", sec. 2) at ``1 - alpha``: candidate ``i`` stays in the subset when
  ``mean_i >= mean_j - t * S_ij / sqrt(N)`` for every other ``j``, with ``S_ij`` the sd of the
  paired differences and ``t`` the ``(1 - alpha)^(1/(k-1))`` Student-t quantile with ``N - 1``
  degrees of freedom; the subset contains the best design with probability at least
  ``1 - alpha`` (under CRN too, since it uses the paired variances);
* ``p_best``: the probability of being the best, estimated by a paired bootstrap (replications
  resampled together across candidates, keeping the CRN pairing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..experiment import Job, Runner
from .problem import Problem
from .study import _metric_row

BOOTSTRAP = 2000


def candidates(problem: Problem, trials: Sequence, k: int) -> list:
    """The top ``k`` distinct feasible finished trials (Pareto front first with several
    objectives), best first by the first objective."""
    o = problem.objectives[0]
    ok = [t for t in trials if t.values is not None and max(t.user_attrs.get("violations") or [0]) <= 0]
    if len(problem.objectives) > 1:
        ok = pareto(problem, ok)
    ok.sort(key=lambda t: t.values[0], reverse=o.direction == "maximize")
    seen, out = set(), []
    for t in ok:
        key = tuple(sorted((p, repr(v)) for p, v in t.params.items()))
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out[:k]


def pareto(problem: Problem, trials: Sequence) -> list:
    """The trials no other trial dominates (all objectives at least as good, one better)."""
    sign = np.array([1.0 if o.direction == "maximize" else -1.0 for o in problem.objectives])
    vals = np.array([np.asarray(t.values) * sign for t in trials]) if trials else np.empty((0, 0))
    keep = []
    for i, t in enumerate(trials):
        dominated = np.any(np.all(vals >= vals[i], axis=1) & np.any(vals > vals[i], axis=1))
        if not dominated:
            keep.append(t)
    return keep


def reevaluate(problem: Problem, cands: Sequence, final_n: int, runner: Runner) -> list[list[dict]]:
    """Each candidate's runs for replications ``0..final_n-1`` (the search's own re-used)."""
    out = []
    for t in cands:
        stored = t.user_attrs["runs"]
        have = [{k: v[r] for k, v in stored.items()} for r in range(problem.n)]
        if final_n > problem.n:
            sc = problem.scenario(t.params, f"trial {t.number}")
            data = sc.to_dict()
            rows = runner.run([Job(t.number, r, data, sc.hash, problem.seed, (r,))
                               for r in range(problem.n, final_n)])
            have += [_metric_row(rows[k]) for k in sorted(rows)]
        out.append(have)
    return out


def _screen(y: np.ndarray, sign: float, alpha: float) -> np.ndarray:
    """Nelson et al. (2001) screening: which candidates stay in the subset containing the best."""
    k, n = y.shape
    if k == 1:
        return np.array([True])
    t = stats.t.ppf((1 - alpha) ** (1 / (k - 1)), n - 1)
    keep = np.ones(k, dtype=bool)
    for i in range(k):
        for j in range(k):
            if i != j:
                s = np.std(y[i] - y[j], ddof=1)
                if sign * y[i].mean() < sign * y[j].mean() - t * s / math.sqrt(n):
                    keep[i] = False
    return keep


def _p_best(y: np.ndarray, sign: float, feasible: np.ndarray, seed: int) -> np.ndarray:
    """Paired bootstrap probability that each (feasible) candidate has the best mean."""
    k, n = y.shape
    rng = np.random.default_rng([int(seed), 14])
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    means = sign * y[:, idx].mean(axis=2)            # k x B
    means[~feasible] = -np.inf
    wins = np.bincount(means.argmax(axis=0), minlength=k)
    return wins / BOOTSTRAP


def select(problem: Problem, cands: Sequence, runs: list[list[dict]], alpha: float = 0.05) -> pd.DataFrame:
    """The selection table: one row per candidate, the chosen one first (``chosen`` True)."""
    o = problem.objectives[0]
    sign = 1.0 if o.direction == "maximize" else -1.0
    y = np.array([o.values(r) for r in runs])
    n = y.shape[1]
    evs = [problem.evaluate(r) for r in runs]
    feasible = np.array([max(e["violations"] or [0]) <= 0 for e in evs])
    pool = feasible if feasible.any() else np.ones(len(cands), dtype=bool)
    best = int(np.argmax(np.where(pool, sign * y.mean(axis=1), -np.inf)))
    in_subset = _screen(y, sign, alpha)
    p_best = _p_best(y, sign, pool, problem.seed)
    rows: list[dict[str, Any]] = []
    tq = stats.t.ppf(0.975, n - 1)
    for i, t in enumerate(cands):
        d = sign * (y[best] - y[i])
        half = tq * np.std(d, ddof=1) / math.sqrt(n) if n > 1 else math.nan
        rows.append({"trial": t.number, **t.params, "replications": n,
                     "objective_mean": float(y[i].mean()), "objective_sd": float(np.std(y[i], ddof=1)),
                     "chosen_advantage": float(d.mean()) if i != best else 0.0,
                     "chosen_advantage_ci_low": float(d.mean() - half) if i != best else 0.0,
                     "chosen_advantage_ci_high": float(d.mean() + half) if i != best else 0.0,
                     "p_best": float(p_best[i]), "in_best_subset": bool(in_subset[i]),
                     "feasible": bool(feasible[i]), "chosen": i == best,
                     **{f"constraint_{k}": v for k, v in enumerate(evs[i]["constraint_values"])}})
    df = pd.DataFrame(rows)
    return pd.concat([df[df["chosen"]], df[~df["chosen"]]]).reset_index(drop=True)
