"""Local workers die with their parent (issue 12, item 2): a parent killed by SIGKILL cannot shut
its pool down, so each worker must notice on its own (Linux: PR_SET_PDEATHSIG; elsewhere and as
a fallback: a watchdog thread polling getppid). Reads /proc, so Linux only (fails elsewhere)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "time.horizon_days=40", "--set", "market.initial_customers=150",
         "--set", "market.marketing_budget_per_day=20"]


def children(pid: int) -> set[int]:
    """Live processes whose parent is ``pid`` (from /proc)."""
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.add(int(d.name))
    return out


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_until(cond, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_sigkill_of_the_parent_leaves_no_worker_or_resource_tracker(tmp_path):
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "loopsim.cli", "run", str(ROOT / "scenarios" / "baseline.toml"), *SMALL,
           "--reps", "400", "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def both_workers_ran() -> bool:   # each has run its initializer, then a job
            pids = set()
            for f in (out / "meta").glob("p*.json") if (out / "meta").is_dir() else []:
                try:
                    pids.add(json.loads(f.read_text())["pid"])
                except (OSError, ValueError):
                    continue
            return len(pids) >= 2 or proc.poll() is not None

        wait_until(both_workers_ran, 120, "the workers never ran")
        assert proc.poll() is None, "the experiment ended before it could be killed"
        kids = children(proc.pid)
        assert len(kids) >= 3, kids   # two workers and multiprocessing's resource tracker
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        wait_until(lambda: not any(alive(k) for k in kids), 10,
                   f"still alive 10 s after the parent was killed: {[k for k in kids if alive(k)]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_watchdog_alone_ends_an_orphaned_worker(tmp_path):
    """The portable fallback, without prctl: the watchdog thread sees the parent change."""
    child = textwrap.dedent("""
        import os, sys, time
        import loopsim.experiment.workers as w
        w._pdeathsig = lambda: False
        w.die_with_parent(int(sys.argv[1]))
        print("armed", flush=True)
        time.sleep(120)
    """)
    parent = textwrap.dedent(f"""
        import os, subprocess, sys, time
        c = subprocess.Popen([sys.executable, "-c", {child!r}, str(os.getpid())], stdout=subprocess.PIPE, text=True)
        assert c.stdout.readline() == "armed\\n"
        print(c.pid, flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip().isdigit(), line
        kid = int(line)
        assert alive(kid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        wait_until(lambda: not alive(kid), 10, "the orphan outlived its parent by 10 s")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
