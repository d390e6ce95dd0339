"""Designs side by side with common random numbers (:func:`compare`, :class:`Comparison`)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LoopsimError
from ..metrics import metric_bounds
from ..scenario import Scenario
from .jobs import Job, _frame, check_seed
from .replicate import DEFAULT_MAX_REPS
from .runner import Runner
from .stats import (
    BETTER,
    _check_precision,
    _describe,
    _metric_values,
    _until_precise,
    half_width,
)
from .storage import design_parameters, open_store


@dataclass
class Comparison:
    """Designs run side by side: ``runs`` has one row per (design, replication).

    With ``crn=True`` replication ``i`` of every design used the same seed, so rows with the
    same replication number are paired observations."""

    designs: dict[str, Scenario]
    reference: str
    seed: int
    crn: bool
    runs: pd.DataFrame
    precision: float | None = None
    metric: str | None = None
    converged: bool | None = None

    @property
    def n(self) -> int:
        return int(self.runs["replication"].nunique())

    def wide(self, metric: str) -> pd.DataFrame:
        """One row per replication, one column per design (values of ``metric``)."""
        w = self.runs.pivot(index="replication", columns="design", values=metric)
        return w[list(self.designs)]

    def differences(self, metric: str = "profit") -> pd.DataFrame:
        """Per replication: design minus reference, one column per other design."""
        w = self.wide(metric)
        return w.drop(columns=[self.reference]).sub(w[self.reference], axis=0)

    def table(self, metrics: Sequence[str] | None = None, confidence: float = 0.95,
              method: str = "t") -> pd.DataFrame:
        """Per design and metric: mean and CI; paired difference vs the reference with its CI;
        ``p_better``.

        ``p_better`` is the share of paired replications in which the design beats the
        reference (higher is better for profit, retention, revenue, ...; lower for costs, churn
        and waiting; ties count one half). It is an estimate of P(design beats reference in a
        run), not a posterior probability; it is NaN for the reference and for metrics without
        a direction. With ``crn=False`` the pairs are independent runs. ``p5``, ``p50`` and
        ``p95`` are quantiles across replications. By default every metric the runs report:
        the core metrics, every money component of profit, the points liability and every
        policy metric (:func:`loopsim.explain.table_metrics`).
        """
        if metrics is None:
            from ..explain import table_metrics

            metrics = table_metrics(self.runs)
        rows = []
        for m in metrics:
            w = self.wide(m)
            ref = w[self.reference].to_numpy(dtype=float)
            for d in self.designs:
                x = w[d].to_numpy(dtype=float)
                mean, sd, n, lo, hi = _describe(x[~np.isnan(x)], confidence, method, metric_bounds(m))
                q = np.quantile(x[~np.isnan(x)], (0.05, 0.5, 0.95)) if n else [math.nan] * 3
                row = {"design": d, "metric": m, "mean": mean, "sd": sd, "n": n, "ci_low": lo, "ci_high": hi,
                       "p5": float(q[0]), "p50": float(q[1]), "p95": float(q[2]), "diff": math.nan, "diff_ci_low": math.nan, "diff_ci_high": math.nan,
                       "p_better": math.nan}
                if d != self.reference:
                    diff = x - ref
                    diff = diff[~np.isnan(diff)]
                    dm, _dsd, _dn, dlo, dhi = _describe(diff, confidence, method)
                    row.update(diff=dm, diff_ci_low=dlo, diff_ci_high=dhi)
                    sign = BETTER.get(m)
                    if sign and len(diff):
                        row["p_better"] = float(np.mean(np.sign(diff) * sign > 0)
                                                + 0.5 * np.mean(diff == 0))
                rows.append(row)
        return pd.DataFrame(rows)


def _checked(designs: Mapping[str, Scenario], n: int | None, reference: str | None,
             precision: float | None, metric: str, seed: int) -> tuple[dict, int, str, int]:
    """Validated arguments of :func:`compare`: (designs, n, reference, seed)."""
    designs = dict(designs)
    if len(designs) < 1:
        raise ValueError("compare needs at least one design")
    for k, v in designs.items():
        if not isinstance(v, Scenario):
            raise TypeError(f"design {k!r} is not a Scenario")
    reference = next(iter(designs)) if reference is None else reference
    if reference not in designs:
        raise LoopsimError(f"reference {reference!r} is not one of the designs: {', '.join(designs)}")
    if n is None:
        n = 10 if precision is not None else 30
    if n < 1:
        raise ValueError("n must be >= 1")
    _check_precision(precision, metric)
    seed = check_seed(seed)
    return designs, n, reference, seed


def compare(designs: Mapping[str, Scenario], n: int | None = None, seed: int = 0, crn: bool = True,
            reference: str | None = None, workers: int = 1, executor: Executor | None = None, *,
            precision: float | None = None, metric: str = "profit", max_reps: int = DEFAULT_MAX_REPS,
            dask: str | None = None, out: str | os.PathLike | None = None, tables: bool = False,
            progress: bool | None = None, wait: bool | float = False) -> Comparison:
    """Run every design ``n`` times and pair them (common random numbers by default).

    ``reference`` defaults to the first design. ``precision``: adaptive replication (starting
    from ``n``, default 10): add replications until the 95% CI half-width of the paired
    difference in ``metric`` of every design vs the reference is at most ``precision`` times the
    reference's mean ``|metric|`` (a relative precision that does not depend on how small the
    difference is), or ``max_reps`` is reached. ``runs`` has, besides ``design``, one column per
    scenario field in which the designs differ (dotted path; see :func:`design_parameters`).
    """
    designs, n, reference, seed = _checked(designs, n, reference, precision, metric, seed)
    names = list(designs)
    data = {k: s.to_dict() for k, s in designs.items()}
    params = design_parameters(designs)
    labels = {d: {"design": d, **params[d]} for d in names}

    def jobs(r0: int, r1: int) -> list[Job]:
        return [Job(j, r, data[d], designs[d].hash, int(seed), (r,) if crn else (j, r),
                    labels=tuple(labels[d].items()), tables=tables)
                for j, d in enumerate(names) for r in range(r0, r1)]

    points = [{"labels": labels[d], "scenario_hash": designs[d].hash} for d in names]
    converged = None
    with open_store(out, "compare", seed, designs, points, crn, tables, wait) as store, \
            Runner(workers, executor, dask, store, progress, "comparing designs") as runner:
        rows = runner.run(jobs(0, n))
        if precision is not None:
            def rel_of(rows):
                _metric_values(rows, metric)
                w = Comparison(designs, reference, seed, crn, _frame(rows[k] for k in sorted(rows))).wide(metric)
                scale = abs(float(w[reference].mean()))
                hws = [half_width(w[d] - w[reference]) for d in names if d != reference] or \
                      [half_width(w[reference])]
                return max(hws) / scale if scale else math.inf

            n, converged = _until_precise(runner, rows, n, max(n, max_reps), precision, rel_of, jobs)
        runs = _frame((rows[k] for k in sorted(rows)), drop=("point",))
        cmp = Comparison(designs, reference, seed, crn, runs, precision,
                         metric if precision is not None else None, converged)
        if store is not None:
            _finalize(store, cmp, rows, params)
    return cmp


def _finalize(store, cmp: Comparison, rows: dict, params: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the store's final tables: ``comparison/comparison.parquet`` (with the designs'
    parameters as columns after ``design``) and ``summary.json``."""
    from .. import __version__

    tab = cmp.table()
    table = tab.to_dict("records")
    wide = pd.DataFrame([params[d] for d in tab["design"]], index=tab.index)
    tab = pd.concat([tab[["design"]], wide, tab.drop(columns=["design"])], axis=1)
    store.finalize(rows, {"kind": "compare", "seed": cmp.seed, "reference": cmp.reference, "crn": cmp.crn,
                          "designs": {k: {"name": s.name, "scenario_hash": s.hash, "parameters": params[k]}
                                      for k, s in cmp.designs.items()},
                          "replications": cmp.n, "precision": cmp.precision, "metric": cmp.metric,
                          "converged": cmp.converged, "loopsim_version": __version__, "table": table},
                   {"comparison": tab})
