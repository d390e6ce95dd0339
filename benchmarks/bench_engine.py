"""Engine speed and memory: loopsim's engines against a plain-SimPy reference model, side by side.

    python benchmarks/bench_engine.py                      # full run (about 10 minutes, idle 2 cores)
    python benchmarks/bench_engine.py --reference-million  # also the reference at 1M (+2-7 minutes)
    python benchmarks/bench_engine.py --quick              # a fast look (about a minute)

Rows, each model in its own fresh subprocess so its peak memory (max RSS) is its own:

- scale: the reference (``reference_simpy.py``) and loopsim's compiled engine
  (``engine_benchmark.toml``, the same model) at 10k, 100k and 1M customers x 365 days, with 10
  agents per 100k customers (the same desk load at every size); the reference at 1M only with
  ``--reference-million``;
- the Python engine at 100k (the readable reference implementation);
- the punch card's behavioural mechanisms on (``engine_benchmark_behaviour.toml``);
- a service desk under real load (15% of purchases open a contact: utilisation about 0.75,
  measured and printed), with the reference under the same load;
- a horizon check: 100k x 730 days;
- the start of ``loopsim run scenarios/baseline.toml``: cold (a fresh, empty ``NUMBA_CACHE_DIR``:
  numba compiles the engine), warm (the cache filled) and on the Python engine.

Speeds are compared as ratios measured in the same run (targets, issue 13: loopsim >= 10x the
reference at 100k and 1M; <= 1 GB at 1M); seconds depend on the machine and its load, which is
printed. loopsim's timed run follows a small warm-up run in the same process, so loading the
compiled code is not counted in the rows (the start-up rows measure it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAIN = HERE / "engine_benchmark.toml"
BEHAVIOUR = HERE / "engine_benchmark_behaviour.toml"
#: the reference's contact probability (``reference_simpy.CONTACT_P``) and the desk row's
BASE_CONTACT_P, LOADED_CONTACT_P = 0.10, 0.15
MODELS = ("reference", "compiled", "python", "loopsim")


def agents_for(n: int, per_100k: int) -> int:
    """Agents for ``n`` customers at ``per_100k`` agents per 100,000 customers (at least one)."""
    return max(1, round(n * per_100k / 100_000))


def _run_reference(n: int, agents: int, days: float, contact_p: float) -> dict:
    sys.path.insert(0, str(HERE))
    import reference_simpy

    reference_simpy.CONTACT_P = contact_p    # a module constant the customer process reads
    t0, c0 = time.perf_counter(), time.process_time()
    st = reference_simpy.run(n, agents=agents, days=days)
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "purchases": st.purchases, "churned": st.churned, "utilisation": None}


def _run_loopsim(engine: str, scenario: Path, n: int, agents: int, days: float,
                 contact_p: float) -> dict:
    import loopsim

    def load(customers: int, horizon: float):
        return loopsim.load_scenario(scenario, {
            "market.initial_customers": customers, "service.agents": agents,
            "service.contact_probability": contact_p, "time.horizon_days": horizon})

    eng = None if engine == "loopsim" else engine   # "loopsim": whatever ``auto`` picks
    t0 = time.perf_counter()
    loopsim.simulate(load(min(n, 500), 5.0), seed=2, engine=eng)   # warm-up: loads compiled code
    warmup = time.perf_counter() - t0
    sc = load(n, days)
    t0, c0 = time.perf_counter(), time.process_time()
    res = loopsim.simulate(sc, seed=1, engine=eng)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = res.summary
    util = float(s["agent_utilisation"]) if "agent_utilisation" in s else None
    return {"seconds": seconds, "cpu": cpu, "purchases": int(s["purchases"]),
            "churned": int(s["churned"]), "utilisation": util, "warmup": warmup}


def _child(model: str, n: int, agents: int, days: float = 365.0,
           contact_p: float = BASE_CONTACT_P, scenario: Path | None = None) -> dict:
    """One measurement, in this process: ``model`` (``reference``, or loopsim's ``compiled`` /
    ``python`` engine, ``loopsim`` = the engine ``auto`` picks) with ``n`` customers, ``agents``
    agents, ``days`` days and ``contact_p`` contacts per purchase, loopsim on ``scenario``
    (default :data:`PLAIN`). Seconds are wall time of the
    simulation; peak MiB (``peak_mb``) is this process's max RSS so far."""
    if model == "reference":
        out = _run_reference(n, agents, days, contact_p)
    else:
        out = _run_loopsim(model, scenario or PLAIN, n, agents, days, contact_p)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: KiB
    out.update(model=model, n=n, days=days, agents=agents, peak_mb=peak_mb,
               customer_years_per_s=n * days / 365.0 / out["seconds"])
    return out


def measure(model: str, n: int, agents: int, days: float = 365.0,
            contact_p: float = BASE_CONTACT_P, scenario: Path | None = None) -> dict:
    """:func:`_child` in a fresh subprocess (its own peak memory). A run that fails gives a row
    with ``error`` (its last line of stderr) instead of stopping the benchmark."""
    cmd = [sys.executable, __file__, "--child", model, "--n", str(n), "--agents", str(agents),
           "--days", str(days), "--contact-p", str(contact_p), "--scenario", str(scenario or PLAIN)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines() or [f"exit code {out.returncode}"]
        return {"model": model, "n": n, "days": days, "error": lines[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------- start-up
def _loopsim_command() -> list[str]:
    """The ``loopsim`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "loopsim"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from loopsim.cli import main; sys.exit(main())"]


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of ``cmd`` run in the repository; a failure raises with its last line."""
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines() or [f"exit code {out.returncode}"]
        raise RuntimeError(f"{' '.join(cmd[-4:])}: {lines[-1]}")
    return time.perf_counter() - t0


def startup(cold: bool) -> dict[str, float]:
    """Wall seconds of ``loopsim --engine E run scenarios/baseline.toml``: ``cold`` (compiled
    engine, numba compiling into a fresh, empty ``NUMBA_CACHE_DIR``; only if ``cold``), ``warm``
    (compiled, the cache filled) and ``python``. Without ``cold`` the usual cache is used,
    filled by an untimed first run."""
    cmd = [*_loopsim_command(), "--engine"]
    run = ["run", "scenarios/baseline.toml"]
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="loopsim-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache} if cold else dict(os.environ)
        first = _wall([*cmd, "compiled", *run], env)
        if cold:
            out["cold"] = first
        out["warm"] = _wall([*cmd, "compiled", *run], env)
        out["python"] = _wall([*cmd, "python", *run], env)
    return out


# ---------------------------------------------------------------------- printing
_HEAD = (f"{'row':<18} {'model':<9} {'customers':>9} {'days':>4} {'wall s':>7} {'cpu s':>7} "
         f"{'cust-yr/s':>9} {'us/cust-yr':>10} {'peak MiB':>8} {'purchases':>9} {'util':>4} "
         f"{'x wall':>6} {'x cpu':>6}")


def ratio(fast: dict, ref: dict | None, key: str = "seconds") -> float | None:
    """Speed of ``fast`` over the reference's (same customers and days) by wall ``seconds`` or
    ``cpu`` seconds, or None if either was not run."""
    if ref is None or "error" in ref or "error" in fast or fast is ref:
        return None
    return ref[key] / fast[key]


def fmt_row(label: str, r: dict, ref: dict | None = None) -> str:
    """One table line: ``r`` measured; ``x wall`` / ``x cpu``: the reference's seconds over
    these (the speed ratio, same run)."""
    head = f"{label:<18} {r['model']:<9} {r['n']:>9,} {r['days']:>4.0f}"
    if "error" in r:
        return f"{head}  not run: {r['error']}"
    util = f"{r['utilisation']:.2f}" if r.get("utilisation") is not None else "-"
    xs = [ratio(r, ref, k) for k in ("seconds", "cpu")]
    xs_txt = " ".join("     -" if x is None else f"{x:>5.1f}x" for x in xs)
    years = r["n"] * r["days"] / 365.0
    return (f"{head} {r['seconds']:>7.2f} {r['cpu']:>7.2f} {r['customer_years_per_s']:>9,.0f} "
            f"{1e6 * r['seconds'] / years:>10.2f} {r['peak_mb']:>8.0f} {r['purchases']:>9,} "
            f"{util:>4} {xs_txt}")


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min) on {} cores".format(*os.getloadavg(),
                                                                                  os.cpu_count())


# ---------------------------------------------------------------------- the run
def scale_rows(sizes: list[int], per_100k: int, ref_million: bool) -> dict[int, tuple[dict, dict | None]]:
    """The scale rows: the compiled engine and (up to 100k, or with ``ref_million``) the
    reference at each size; prints them as they come."""
    rows: dict[int, tuple[dict, dict | None]] = {}
    for n in sizes:
        ag = agents_for(n, per_100k)
        ref = measure("reference", n, ag) if n < 1_000_000 or ref_million else None
        fast = measure("compiled", n, ag)
        label = f"scale {n:,}"
        if ref is not None:
            print(fmt_row(label, ref), flush=True)
        print(fmt_row(label, fast, ref), flush=True)
        rows[n] = (fast, ref)
    return rows


def feature_rows(n: int, per_100k: int, ref: dict | None) -> dict[str, tuple[dict, dict | None]]:
    """Python engine, punch card behaviour on, loaded desk and horizon rows at ``n`` customers,
    each with its reference (``ref``: the reference at ``n`` x 365 days, measured already)."""
    ag = agents_for(n, per_100k)
    rows: dict[str, tuple[dict, dict | None]] = {}
    rows["python engine"] = (measure("python", n, ag), ref)
    rows["card behaviour on"] = (measure("compiled", n, ag, scenario=BEHAVIOUR), ref)
    desk_ref = measure("reference", n, ag, contact_p=LOADED_CONTACT_P)
    rows["desk under load"] = (measure("compiled", n, ag, contact_p=LOADED_CONTACT_P), desk_ref)
    rows["horizon 730 days"] = (measure("compiled", n, ag, days=730.0), None)
    for label, (r, base) in rows.items():
        if label == "desk under load":
            print(fmt_row(label, desk_ref), flush=True)
        print(fmt_row(label, r, base), flush=True)
    return rows


def _x(fast: dict, ref: dict | None) -> str:
    """Both speed ratios of ``fast`` over ``ref``, as text."""
    return f"{ratio(fast, ref):.1f}x by wall time, {ratio(fast, ref, 'cpu'):.1f}x by CPU time"


def _per_customer(scale: dict, which: int) -> str:
    """Microseconds per customer-year (wall, CPU) at each size of the scale rows."""
    rows = [(n, pair[which]) for n, pair in scale.items()]
    return ", ".join(f"{n:,}: {1e6 * r['seconds'] / n:.2f} ({1e6 * r['cpu'] / n:.2f})"
                     for n, r in rows if r is not None and "error" not in r)


def summarise(scale: dict, feats: dict) -> None:
    """The targets and checks, as ratios measured in this run."""
    print()
    for n, (fast, ref) in scale.items():
        if ratio(fast, ref) is not None:
            print(f"compiled / reference at {n:,} customers: {_x(fast, ref)} (target >= 10x)")
        elif "error" not in fast and ref is None:
            print(f"reference not run at {n:,} customers (--reference-million)")
        if n >= 1_000_000 and "error" not in fast:
            mib = fast["peak_mb"]
            print(f"peak memory at {n:,} customers: {mib:,.0f} MiB = {mib * 1.048576:,.0f} MB"
                  " (target <= 1 GB)")
    print("microseconds per customer-year, wall (CPU); equal across sizes = linear in customers:")
    print(f"  compiled  {_per_customer(scale, 0)}")
    print(f"  reference {_per_customer(scale, 1)}")
    _horizon(scale, feats)
    for label in ("python engine", "card behaviour on", "desk under load"):
        if ratio(*feats[label]) is not None:
            print(f"{label}: {_x(*feats[label])} the reference")
    util = feats["desk under load"][0].get("utilisation")
    if util is not None:
        print(f"desk under load: agent utilisation {util:.2f} (from the run's summary)")


def _horizon(scale: dict, feats: dict) -> None:
    """The 730-day row against the 365-day row at the same size, per purchase (customers drop
    out, so the second year has fewer purchases than the first)."""
    long = feats["horizon 730 days"][0]
    short = scale.get(long.get("n"), (None,))[0]
    if short is None or "error" in long or "error" in short:
        return
    us = [1e6 * r["cpu"] / r["purchases"] for r in (short, long)]
    print(f"horizon: {long['n']:,} customers x 730 days took {long['seconds'] / short['seconds']:.2f}x "
          f"the 365-day wall time ({long['cpu'] / short['cpu']:.2f}x the CPU time) for "
          f"{long['purchases'] / short['purchases']:.2f}x the purchases ({us[0]:.2f} and {us[1]:.2f} "
          "CPU microseconds per purchase)")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (``--child`` is the subprocess side of :func:`measure`)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="a fast look: 2k and 20k customers, rows at 20k, no cold start")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                    help="customers of the scale rows, comma-separated (default 10000,100000,1000000)")
    ap.add_argument("--n", type=int, help="customers of the other rows (default 100000; --quick 20000)")
    ap.add_argument("--agents", type=int, default=10,
                    help="service agents per 100,000 customers (with --child: of that run)")
    ap.add_argument("--reference-million", action="store_true",
                    help="also run the reference at 1M customers (about 2 minutes on an idle core)")
    ap.add_argument("--no-million", action="store_true", help="skip the 1M-customer rows")
    ap.add_argument("--no-startup", action="store_true", help="skip the loopsim run start-up rows")
    ap.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    ap.add_argument("--days", type=float, default=365.0, help=argparse.SUPPRESS)
    ap.add_argument("--contact-p", type=float, default=BASE_CONTACT_P, help=argparse.SUPPRESS)
    ap.add_argument("--scenario", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    a.sizes = a.sizes or ([2_000, 20_000] if a.quick else [10_000, 100_000, 1_000_000])
    if a.no_million:
        a.sizes = [n for n in a.sizes if n < 1_000_000]
    a.n = a.n or (20_000 if a.quick else 100_000)
    return a


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark (or, with ``--child``, one measurement) and print it."""
    a = parse(argv)
    if a.child:
        print(json.dumps(_child(a.child, a.n, a.agents, a.days, a.contact_p, a.scenario)))
        return
    print(f"engine benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}; {_load()}")
    print(_HEAD)
    scale = scale_rows(a.sizes, a.agents, a.reference_million)
    side = scale.get(a.n, (None, None))[1]
    if side is None:    # the other rows' size is not a scale size: measure its reference
        side = measure("reference", a.n, agents_for(a.n, a.agents))
        print(fmt_row(f"reference {a.n:,}", side), flush=True)
    feats = feature_rows(a.n, a.agents, side)
    summarise(scale, feats)
    if not a.no_startup:
        try:
            start = startup(cold=not a.quick)
            line = ", ".join(f"{k} {v:.1f} s" for k, v in start.items())
        except RuntimeError as exc:
            line = f"failed: {exc}"
        print(f"loopsim run scenarios/baseline.toml, wall time: {line}")
    print(f"at the end: {_load()}")


if __name__ == "__main__":
    main()
