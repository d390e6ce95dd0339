"""The loopsim command end to end (run, check, trace, policies, --version)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

import loopsim
from loopsim.metrics import CORE_METRICS

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.toml"
SMALL = ["--set", "time.horizon_days=60", "--set", "market.initial_customers=200",
         "--set", "market.marketing_budget_per_day=30"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loopsim.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_version():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"loopsim {loopsim.__version__}"


def test_run_prints_table_and_writes_contracted_files(tmp_path):
    r = cli("run", str(BASE), *SMALL, "--seed", "3", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    for metric in ("retention_rate", "profit_discounted", "mean_service_wait (min)"):
        assert metric in r.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["scenario_hash"] == loopsim.load_scenario(BASE).with_overrides(
        {"time.horizon_days": 60, "market.initial_customers": 200, "market.marketing_budget_per_day": 30}).hash
    assert set(CORE_METRICS) <= set(summary["metrics"])
    for name in ("customers", "transactions", "timeline", "contacts"):
        assert (tmp_path / f"{name}.parquet").exists()
    tx = pd.read_parquet(tmp_path / "transactions.parquet")
    assert {"customer_id", "time", "amount"} <= set(tx.columns)
    assert len(tx) == summary["metrics"]["purchases"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_run_csv_and_same_seed_same_output(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli("run", str(BASE), *SMALL, "--format", "csv", "--out", str(a)).returncode == 0
    assert cli("run", str(BASE), *SMALL, "--format", "csv", "--out", str(b)).returncode == 0
    for name in ("customers", "transactions", "timeline"):
        assert (a / f"{name}.csv").read_text() == (b / f"{name}.csv").read_text()


def test_run_reps_gives_ci(tmp_path):
    r = cli("run", str(BASE), *SMALL, "--reps", "3", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "ci_low" in r.stdout and "ci_high" in r.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["replications"] == 3
    m = summary["metrics"]["profit"]
    assert m["ci_low"] <= m["mean"] <= m["ci_high"]


def test_check_and_policies():
    r = cli("check", str(BASE))
    assert r.returncode == 0 and "OK" in r.stdout and loopsim.load_scenario(BASE).hash in r.stdout
    r = cli("policies")
    assert r.returncode == 0
    for name in loopsim.policy_types():
        assert name in r.stdout


def test_policies_lists_every_parameter_of_one_type_with_dotted_nested_names():
    from loopsim.scenario import policy_types

    r = subprocess.run([sys.executable, "-m", "loopsim.cli", "policies", "points"], capture_output=True,
                       text=True, timeout=120, cwd=ROOT, env={**__import__("os").environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    params = policy_types()["points"].Params
    for f in params.model_fields:
        if f != "type":
            assert f in r.stdout, f
    for f in type(params.model_fields["behaviour"].default).model_fields:
        assert f"behaviour.{f}" in r.stdout, f
    assert "punch_card" not in r.stdout
    r = cli("policies", "nope")
    assert r.returncode == 2 and "unknown policy type 'nope'" in r.stderr and "points" in r.stderr
    assert "Traceback" not in r.stderr


def test_run_precision_adds_replications_until_the_ci_is_narrow(tmp_path):
    r = cli("run", str(BASE), *SMALL, "--precision", "0.05", "--metric", "revenue", "--reps", "3",
            "--max-reps", "30", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    m = summary["metrics"]["revenue"]
    assert summary["converged"] is True and summary["replications"] >= 3
    assert (m["ci_high"] - m["ci_low"]) / 2 <= 0.05 * abs(m["mean"])
    assert "precision 0.05 on revenue reached" in " ".join(r.stdout.split())
    assert len(pd.read_parquet(tmp_path / "runs")) == summary["replications"]


def test_trace_tells_a_story():
    r = cli("trace", str(BASE), *SMALL, "--seed", "2")
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert "Journey of customer" in text and "day" in text
    for word in ("awareness", "acquired", "purchase #1"):
        assert word in text
    r = cli("trace", str(BASE), *SMALL, "--customer", "5")
    assert r.returncode == 0 and "Journey of customer 5" in r.stdout
    r = cli("trace", str(BASE), *SMALL, "--customer", "99999999")
    assert r.returncode == 2 and "never appeared" in r.stderr


def test_every_bundled_scenario_checks(capsys):
    from loopsim.cli import main

    for path in sorted((ROOT / "scenarios").rglob("*.toml")):
        main(["check", str(path)])          # raises SystemExit on any error
        assert "OK" in capsys.readouterr().out, path


def test_mean_and_half_width_shown_to_the_precision_of_the_interval():
    from loopsim.cli.common import fmt_ci as _ci

    assert _ci(12290.4, 12290.4 - 522.87, 12290.4 + 522.87) == "12,290 ± 523"
    assert _ci(0.835, 0.8338, 0.8362) == "0.8350 ± 0.0012"
    assert _ci(-9.28, -9.4355, -9.1245) == "-9.28 ± 0.16"
    assert _ci(0.0, 0.0, 0.0) == "0 ± 0"
    assert _ci(5.5, float("nan"), float("nan")) == "5.50"
