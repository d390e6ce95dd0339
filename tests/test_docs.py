"""Docs stay in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from loopsim import docgen

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_reference_is_up_to_date():
    committed = (ROOT / "docs" / "scenarios.md").read_text()
    assert committed.strip() == docgen.render().strip(), \
        "docs/scenarios.md is stale: run `python -m loopsim.docgen > docs/scenarios.md`"


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    install_run, test_cmd = blocks[0].strip(), blocks[1].strip()
    assert "pip install" in install_run and "loopsim run scenarios/" in install_run
    assert "pytest" in test_cmd and ".[test]" in test_cmd
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd in ci


def test_readme_links_exist():
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\((docs/[^)#]+)\)", readme):
        assert (ROOT / link).exists(), link
    for path in re.findall(r"(scenarios/[\w/]+\.toml)", readme):
        assert (ROOT / path).exists(), path
