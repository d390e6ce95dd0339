"""How many times fewer replications common random numbers (CRN) need than independent streams.

For the profit difference between ``scenarios/baseline.toml`` and the points design
``scenarios/retailer_points.toml``, run ``--reps`` paired replications with CRN and with independent streams.
The CI half-width of the mean difference is ``t * sd / sqrt(n)``, so the number of replications
needed for a given width scales with the variance of the per-replication difference:

    ratio = var(difference, independent) / var(difference, CRN)

is how many times fewer replications CRN needs (target: >= 5x). A 95% CI of the ratio (F
distribution) is printed too.

    python benchmarks/crn_efficiency.py [--reps 30] [--workers 2] [--quick]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy import stats

import loopsim
from loopsim.experiment import compare

ROOT = Path(__file__).resolve().parents[1]
QUICK = {"time.horizon_days": 120, "market.initial_customers": 500, "market.marketing_budget_per_day": 75}


def designs(quick: bool):
    over = QUICK if quick else {}
    base = loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml", over)
    points_file = ROOT / "scenarios" / "retailer_points.toml"
    return base, loopsim.load_scenario(points_file, over), points_file.name


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="a smaller market and a shorter horizon")
    a = ap.parse_args(argv)
    base, other, label = designs(a.quick)
    pair = {"baseline": base, "points": other}
    t0 = time.perf_counter()
    crn = compare(pair, n=a.reps, seed=a.seed, crn=True, workers=a.workers)
    ind = compare(pair, n=a.reps, seed=a.seed, crn=False, workers=a.workers)
    d_crn = crn.differences("profit")["points"].to_numpy()
    d_ind = ind.differences("profit")["points"].to_numpy()
    v_crn, v_ind = d_crn.var(ddof=1), d_ind.var(ddof=1)
    ratio = v_ind / v_crn
    df = a.reps - 1
    lo, hi = ratio / stats.f.ppf(0.975, df, df), ratio / stats.f.ppf(0.025, df, df)
    hw = lambda d: stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))  # noqa: E731
    print(f"design: {label}{' (quick)' if a.quick else ''}; {a.reps} replications per design and mode, "
          f"{time.perf_counter() - t0:.0f} s")
    print(f"profit difference, CRN:         {d_crn.mean():12,.0f} +- {hw(d_crn):10,.0f}  (sd {d_crn.std(ddof=1):,.0f})")
    print(f"profit difference, independent: {d_ind.mean():12,.0f} +- {hw(d_ind):10,.0f}  (sd {d_ind.std(ddof=1):,.0f})")
    print(f"CRN needs {ratio:,.1f}x fewer replications for the same CI width "
          f"(95% CI {lo:,.1f}x to {hi:,.1f}x; target >= 5x)")
    return ratio


if __name__ == "__main__":
    main()
