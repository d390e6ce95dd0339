"""Result store: atomic per-run files, metadata, resume (also after SIGKILL), refusal to mix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import loopsim
from loopsim.errors import LoopsimError
from loopsim.experiment import compare, sweep

ROOT = Path(__file__).resolve().parents[1]


def as_float(df: pd.DataFrame) -> pd.DataFrame:
    """A stored table as the API returns it: counts (int64 on disk) as floats."""
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype) == "Int64":
            out[c] = out[c].astype("float64")
    return out


def small(**extra):
    return loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"time.horizon_days": 40, "market.initial_customers": 150, "market.marketing_budget_per_day": 20,
         **extra})


def test_replicate_store_files_metadata_and_resume(tmp_path):
    sc = small()
    out = tmp_path / "store"
    exp = loopsim.replicate(sc, n=3, seed=9, out=out)
    runs = sorted((out / "runs").iterdir())
    assert [p.name for p in runs] == [f"p00000_r00000{i}.parquet" for i in range(3)]   # rows only
    meta = json.loads((out / "meta" / "p00000_r000001.json").read_text())
    assert meta["seed"] == 9 and meta["spawn_key"] == [1] and meta["scenario_hash"] == sc.hash
    assert meta["loopsim_version"] == loopsim.__version__ and meta["timings"]["wall_seconds"] > 0
    manifest = json.loads((out / "store.json").read_text())
    assert manifest["scenarios"]["scenario"]["name"] == sc.name
    pd.testing.assert_frame_equal(as_float(pd.read_parquet(out / "runs").drop(columns="point")), exp.runs)
    assert len(pd.read_parquet(out / "summary")) == len(exp.summary())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 3 and any(r["metric"] == "profit" for r in summary["table"])
    assert not list(out.rglob("*.tmp"))

    # resume: a finished run is read back, not re-run; a lost or torn one is redone
    (out / "runs" / "p00000_r000002.parquet").unlink()
    (out / "runs" / "p00000_r000000.parquet").write_bytes(b"torn")
    before = (out / "meta" / "p00000_r000001.json").stat().st_mtime_ns
    again = loopsim.replicate(sc, n=5, seed=9, out=out)
    assert (out / "meta" / "p00000_r000001.json").stat().st_mtime_ns == before
    pd.testing.assert_frame_equal(again.runs, loopsim.replicate(sc, n=5, seed=9).runs)
    assert len(list((out / "runs").glob("*.parquet"))) == 5


def test_store_refuses_a_different_experiment(tmp_path):
    sc = small()
    loopsim.replicate(sc, n=2, seed=1, out=tmp_path)
    for kwargs in ({"seed": 2}, {"seed": 1, "scenario": small(**{"economics.gross_margin_rate": 0.5})}):
        args = {"scenario": sc, "n": 2, **kwargs}
        with pytest.raises(LoopsimError) as exc:
            loopsim.replicate(out=tmp_path, **args)
        assert "\n" not in str(exc.value) and "different experiment" in str(exc.value)
    with pytest.raises(LoopsimError):
        compare({"a": sc, "b": sc}, n=2, seed=1, out=tmp_path)


def test_store_tables_and_compare(tmp_path):
    sc = small()
    cmp = compare({"a": sc, "b": small(**{"economics.gross_margin_rate": 0.5})}, n=2, seed=1,
                  out=tmp_path, tables=True)
    customers = pd.read_parquet(tmp_path / "tables" / "customers")
    assert sorted(set(zip(customers["point"], customers["replication"], strict=True))) == \
        [(p, r) for p in (0, 1) for r in (0, 1)]
    assert len(pd.read_parquet(tmp_path / "comparison")) > 0
    pd.testing.assert_frame_equal(as_float(pd.read_parquet(tmp_path / "runs").drop(columns="point")), cmp.runs)


SWEEP_ARGS = ["--grid", "economics.gross_margin_rate=0.3,0.4,0.5", "--grid", "market.marketing_budget_per_day=10,20",
              "--reps", "4", "--seed", "7", "--set", "time.horizon_days=60", "--set", "market.initial_customers=250"]


def test_sweep_resumes_after_sigkill(tmp_path):
    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "loopsim.cli", "sweep", str(ROOT / "scenarios" / "baseline.toml"),
           *SWEEP_ARGS, "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "runs").glob("*.parquet"))) >= 6 if (out / "runs").exists() else False:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((out / "runs").glob("*.parquet")))
    assert 6 <= done < 24 and not (out / "summary.json").exists()

    # resume with the CLI: only the missing runs are run
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert f"resuming {out}: kept {done} finished runs" in res.stderr
    resumed = as_float(pd.read_parquet(out / "runs"))
    base = loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml",
                                 {"time.horizon_days": 60, "market.initial_customers": 250})
    fresh = sweep(base, grid={"economics.gross_margin_rate": [0.3, 0.4, 0.5],
                              "market.marketing_budget_per_day": [10, 20]}, n=4, seed=7)
    pd.testing.assert_frame_equal(resumed, fresh)
    assert len(list((out / "runs").glob("*.parquet"))) == 24 and not list(out.rglob("*.tmp"))


@pytest.mark.parametrize("executor", [["--workers", "2"], ["--dask", "local", "--workers", "2"]],
                         ids=["local-workers", "dask-local-cluster"])
def test_ctrl_c_gives_one_line_exit_2_and_resumes(tmp_path, executor):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) during a sweep with two
    worker processes, local or a Dask LocalCluster's: one line saying what was kept, exit code 2,
    no traceback or log noise from the parent, the workers or Dask; the same command then resumes
    to the uninterrupted result."""
    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "loopsim.cli", "sweep", str(ROOT / "scenarios" / "baseline.toml"),
           *SWEEP_ARGS, *executor, "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "runs").exists() and len(list((out / "runs").glob("*.parquet"))) >= 4:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("loopsim: error: interrupted") and str(out) in err and "resume" in err
    kept = len(list((out / "runs").glob("*.parquet")))
    assert 4 <= kept < 24 and not (out / "summary.json").exists()

    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    base = loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml",
                                 {"time.horizon_days": 60, "market.initial_customers": 250})
    fresh = sweep(base, grid={"economics.gross_margin_rate": [0.3, 0.4, 0.5],
                              "market.marketing_budget_per_day": [10, 20]}, n=4, seed=7)
    pd.testing.assert_frame_equal(as_float(pd.read_parquet(out / "runs")), fresh)


def test_written_files_get_the_usual_permissions(tmp_path):
    """Atomic writes go through a private temporary file; the result follows the umask like
    any file the user writes (not 0600), so results can be shared."""
    from loopsim.store import atomic_write_json

    old = os.umask(0o022)
    try:
        atomic_write_json(tmp_path / "summary.json", {"a": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "summary.json").stat().st_mode & 0o777 == 0o644
