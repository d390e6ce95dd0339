"""docs/tutorial_calibration.md: every ```bash block runs, in order, as a new user would run it
(from a copy of the repository's scenarios/ in a temporary folder), so the tutorial cannot rot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

import loopsim

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "tutorial_calibration.md"


def bash_blocks() -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def test_tutorial_commands_run(tmp_path):
    blocks = bash_blocks()
    assert len(blocks) >= 6
    script = "\n".join(blocks)
    for cmd in ("loopsim calibrate cdnow", "--extends", "loopsim run", "loopsim compare",
                "loopsim export-transactions", "scenario_draws"):
        assert cmd in script, cmd
    # small sizes: fewer replications (the cohort itself is small already)
    script = script.replace("--reps 5", "--reps 2")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               COLUMNS="120")
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    assert "loopsim: error" not in r.stderr

    study = tmp_path / "my_study"
    # the calibrated scenario extends the base by a relative path and has the published values
    text = (study / "calibrated.toml").read_text()
    assert 'extends = "../scenarios/calibrated/cdnow_base.toml"' in text
    sc = loopsim.load_scenario(study / "calibrated.toml")
    assert abs(sc.population.segments[0].purchase_rate.shape - 0.243) < 0.001
    assert (study / "no_programme" / "summary.json").exists()
    # the comparison: one row per design and replication, paired differences and P(better)
    runs = pd.read_parquet(study / "compare" / "runs")
    assert sorted(set(runs["design"])) == ["calibrated", "personalised", "punch_card"]
    assert len(runs) == 3 * 2
    tab = pd.read_parquet(study / "compare" / "comparison")
    cost = tab[(tab["metric"] == "reward_cost") & (tab["design"] == "punch_card")].iloc[0]
    assert cost["diff"] > 0 and cost["p_better"] == 0.0
    assert "P(better)" in r.stdout and "reward_cost" in r.stdout and "personalised" in r.stdout
    assert re.search(r"alpha = \d", r.stdout) and "draw 4:" in r.stdout
    tx = pd.read_csv(study / "sim_transactions.csv", parse_dates=["date"])
    assert list(tx.columns) == ["customer_id", "date", "monetary_value"]
    assert tx["date"].min() >= pd.Timestamp("1997-01-01")


def test_tutorial_python_snippet_for_btyd_libraries_is_valid_python():
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)
    assert blocks
    for b in blocks:
        compile(b, "tutorial", "exec")
