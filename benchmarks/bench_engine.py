"""Engine speed and memory: loopsim against a plain-SimPy reference model, side by side.

    python benchmarks/bench_engine.py                 # 100k customers, both models, then 1M loopsim
    python benchmarks/bench_engine.py --n 20000 --no-million   # quick look

Each model runs in its own fresh subprocess so peak memory (max RSS) is its own. Prints
customer-years per second for each, the ratio loopsim / reference, and peak memory. Targets
(issue 2): ratio >= 1.5 at 100k customers; 1M customers x 365 days on one core in <= 90 s and
<= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _child(model: str, n: int, agents: int) -> dict:
    t0 = time.perf_counter()
    if model == "reference":
        sys.path.insert(0, str(HERE))
        import reference_simpy

        st = reference_simpy.run(n, agents=agents)
        purchases, churned = st.purchases, st.churned
    else:
        import loopsim

        sc = loopsim.load_scenario(HERE / "engine_benchmark.toml",
                                   {"market.initial_customers": n, "service.agents": agents})
        res = loopsim.simulate(sc, seed=1)
        purchases, churned = int(res.summary["purchases"]), int(res.summary["churned"])
    elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"model": model, "n": n, "seconds": elapsed, "peak_mb": peak_mb, "purchases": purchases,
            "churned": churned, "customer_years_per_s": n * 365.0 / 365.0 / elapsed}


def measure(model: str, n: int, agents: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", model, "--n", str(n), "--agents", str(agents)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="customers for the side-by-side run")
    ap.add_argument("--agents", type=int, default=10, help="service agents at --n customers")
    ap.add_argument("--no-million", action="store_true", help="skip the 1M-customer loopsim run")
    ap.add_argument("--child", choices=["reference", "loopsim"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child, a.n, a.agents)))
        return
    ref = measure("reference", a.n, a.agents)
    ls = measure("loopsim", a.n, a.agents)
    print(f"{'model':<10} {'customers':>10} {'seconds':>8} {'cust-years/s':>13} {'peak MB':>8} {'purchases':>10}")
    for r in (ref, ls):
        print(f"{r['model']:<10} {r['n']:>10,} {r['seconds']:>8.2f} {r['customer_years_per_s']:>13,.0f} "
              f"{r['peak_mb']:>8.0f} {r['purchases']:>10,}")
    ratio = ls["customer_years_per_s"] / ref["customer_years_per_s"]
    print(f"speed ratio loopsim / reference at {a.n:,} customers: {ratio:.2f}x (target >= 1.5x)")
    if not a.no_million:
        big = measure("loopsim", 1_000_000, a.agents * 10)
        print(f"loopsim 1,000,000 customers x 365 days: {big['seconds']:.1f} s (target <= 90 s), "
              f"peak {big['peak_mb']:.0f} MB (target <= 1536 MB), {big['purchases']:,} purchases; "
              f"per customer {big['seconds'] / ref['seconds'] * a.n / 1_000_000:.2f}x the reference's time at {a.n:,}")


if __name__ == "__main__":
    main()
