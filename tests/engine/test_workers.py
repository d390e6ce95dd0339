"""The compiled engine under experiments: the worker-count identity, common random numbers, the
``LOOPSIM_ENGINE`` variable reaching worker processes, and one clear line where it cannot run."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

import loopsim
from loopsim.errors import LoopsimError

from .conftest import ROOT
from .equal import table_differences

SMALL = {"market.initial_customers": 200, "time.horizon_days": 60, "market.marketing_budget_per_day": 30.0}
#: a scenario the compiled engine cannot run: a tier_priority with more thresholds than its
#: configuration row holds (every built-in policy type has a compiled form)
UNSUPPORTED_TOML = f"""schema_version = 1
name = "Shop with many thresholds"
[market]
initial_customers = 50
[[policies]]
type = "tier_priority"
thresholds = {[float(i) for i in range(1, 48)]}
"""
#: why it cannot
WHY = "tier_priority with 47 thresholds (compiled: at most 46)"


@pytest.fixture
def unsupported(tmp_path):
    path = tmp_path / "thresholds.toml"
    path.write_text(UNSUPPORTED_TOML)
    return path


def small(path="scenarios/baseline.toml", **overrides) -> loopsim.Scenario:
    return loopsim.load_scenario(ROOT / path, SMALL | overrides)


def test_replicate_rows_do_not_depend_on_workers_and_match_python(monkeypatch):
    sc = small()
    monkeypatch.setenv("LOOPSIM_ENGINE", "compiled")
    one = loopsim.replicate(sc, n=3, seed=3, workers=1, progress=False).runs
    two = loopsim.replicate(sc, n=3, seed=3, workers=2, progress=False).runs
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    monkeypatch.setenv("LOOPSIM_ENGINE", "python")
    py = loopsim.replicate(sc, n=3, seed=3, workers=1, progress=False).runs
    assert table_differences("runs", py, one) == []


def test_compare_common_random_numbers_on_compiled(monkeypatch):
    # the designs differ only in the margin, which draws nothing: with common random numbers
    # replication r of both sees the same customers (same purchases and revenue), not the same profit
    designs = {"base": small(), "margin": small(**{"economics.gross_margin_rate": 0.5})}
    monkeypatch.setenv("LOOPSIM_ENGINE", "compiled")
    one = loopsim.compare(designs, n=3, seed=0, workers=1, progress=False)
    two = loopsim.compare(designs, n=3, seed=0, workers=2, progress=False)
    pd.testing.assert_frame_equal(one.runs, two.runs, check_exact=True)
    for metric in ("purchases", "revenue"):
        w = one.wide(metric)
        assert (w["base"] == w["margin"]).all(), metric
    assert (one.wide("profit")["base"] != one.wide("profit")["margin"]).all()
    independent = loopsim.compare(designs, n=3, seed=0, crn=False, progress=False).wide("purchases")
    assert (independent["base"] != independent["margin"]).any()


def test_compiled_on_an_unsupported_scenario_is_one_clear_error(unsupported):
    with pytest.raises(LoopsimError, match=rf"^engine 'compiled' cannot run .*: {re.escape(WHY)} "
                                           r"\(use --engine auto or python\)$"):
        loopsim.simulate(small(unsupported), 1, engine="compiled")


def test_the_engine_variable_reaches_worker_processes(monkeypatch, unsupported):
    monkeypatch.setenv("LOOPSIM_ENGINE", "compiled")
    with pytest.raises(LoopsimError, match="engine 'compiled' cannot run") as err:
        loopsim.replicate(small(unsupported), n=2, seed=1, workers=2, progress=False)
    # raised in a worker process: concurrent.futures chains the worker's traceback as the cause
    assert type(err.value.__cause__).__name__ == "_RemoteTraceback"


@pytest.mark.parametrize("extra", [[], ["--reps", "2", "--workers", "2"]])
def test_cli_compiled_on_an_unsupported_scenario(extra, unsupported):
    cmd = [sys.executable, "-m", "loopsim.cli", "--engine", "compiled", "run", str(unsupported),
           "--set", "time.horizon_days=20", "--set", "market.initial_customers=50", *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.splitlines() == [
        f"loopsim: error: engine 'compiled' cannot run 'Shop with many thresholds': {WHY} "
        "(use --engine auto or python)"]
