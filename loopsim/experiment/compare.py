"""Designs side by side with common random numbers (:func:`compare`, :class:`Comparison`)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import LoopsimError
from ..metrics import metric_bounds
from ..scenario import Scenario
from .jobs import Job, _frame, check_seed
from .replicate import DEFAULT_MAX_REPS
from .runner import Runner, _open_store
from .stats import (
    BETTER,
    _check_metric_known,
    _describe,
    _metric_values,
    _until_precise,
    half_width,
)


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


def compare(designs: Mapping[str, Scenario], n: int | None = None, seed: int = 0, crn: bool = True,
            reference: str | None = None, workers: int = 1, executor: Executor | None = None, *,
            precision: float | None = None, metric: str = "profit", max_reps: int = DEFAULT_MAX_REPS,
            dask: str | None = None, out: str | os.PathLike | None = None, tables: bool = False,
            progress: bool | None = None) -> Comparison:
    """Run every design ``n`` times and pair them (common random numbers by default).

    ``reference`` defaults to the first design. ``precision``: adaptive replication (starting
    from ``n``, default 10): add replications until the 95% CI half-width of the paired
    difference in ``metric`` of every design vs the reference is at most ``precision`` times the
    reference's mean ``|metric|`` (a relative precision that does not depend on how small the
    difference is), or ``max_reps`` is reached.
    """
    from .. import __version__

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
    if precision is not None and not (math.isfinite(precision) and precision > 0):
        raise LoopsimError(f"precision must be a finite number > 0 (got {precision!r})")
    seed = check_seed(seed)
    if precision is not None:
        _check_metric_known(metric)
    names = list(designs)
    data = {k: s.to_dict() for k, s in designs.items()}

    def jobs(r0: int, r1: int) -> list[Job]:
        return [Job(j, r, data[d], designs[d].hash, int(seed), (r,) if crn else (j, r),
                    labels=(("design", d),), tables=tables)
                for j, d in enumerate(names) for r in range(r0, r1)]

    store = _open_store(out, "compare", seed, designs, {"crn": bool(crn), "designs": names}, tables)
    cap = max(n, max_reps)
    converged = None
    with Runner(workers, executor, dask, store, progress, "comparing designs") as runner:
        rows = runner.run(jobs(0, n))
        if precision is not None:
            def rel_of(rows):
                _metric_values(rows, metric)
                w = Comparison(designs, reference, seed, crn, _frame(rows[k] for k in sorted(rows))).wide(metric)
                scale = abs(float(w[reference].mean()))
                hws = [half_width(w[d] - w[reference]) for d in names if d != reference] or \
                      [half_width(w[reference])]
                return max(hws) / scale if scale else math.inf

            n, converged = _until_precise(runner, rows, n, cap, precision, rel_of, jobs)
    runs = _frame((rows[k] for k in sorted(rows)), drop=("point",))
    cmp = Comparison(designs, reference, seed, crn, runs, precision,
                     metric if precision is not None else None, converged)
    if store is not None:
        tab = cmp.table()
        store.finalize(runs, {"kind": "compare", "seed": seed, "reference": reference, "crn": crn,
                              "designs": {k: {"name": s.name, "scenario_hash": s.hash}
                                          for k, s in designs.items()},
                              "replications": cmp.n, "precision": precision, "metric": cmp.metric,
                              "converged": converged, "loopsim_version": __version__,
                              "table": tab.to_dict("records")},
                       {"comparison": tab})
    return cmp
