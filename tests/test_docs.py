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


def _documented_commands():
    """Every ``loopsim ...`` command line in the README's and docs' bash blocks."""
    import shlex

    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```bash\n(.*?)\n```", doc.read_text(), flags=re.S):
            text = block.replace("\\\n", " ")
            for line in text.splitlines():
                line = line.split(" #")[0].strip()
                for part in re.split(r"&&", line):
                    part = part.strip()
                    if part.startswith((".venv/bin/loopsim ", "loopsim ")):
                        yield doc.name, shlex.split(part)[1:]


def test_documented_commands_parse():
    """Each documented command names a real sub-command with real options (parsed, not run)."""
    import click

    from loopsim.cli import app

    seen = 0
    for doc, args in _documented_commands():
        seen += 1
        name, rest = args[0], args[1:]
        if name.startswith("-"):
            continue
        cmd = app.get_command(click.Context(app), name)
        assert cmd is not None, f"{doc}: unknown command loopsim {name}"
        try:
            cmd.make_context(name, list(rest), resilient_parsing=False)
        except click.exceptions.Exit:
            pass
        except click.UsageError as exc:
            raise AssertionError(f"{doc}: loopsim {' '.join(args)}: {exc}") from None
    assert seen > 20


def test_documented_python_snippets_compile_and_name_real_api():
    """Every ```python block in the README and docs is valid Python, and every ``loopsim.X`` it
    uses exists."""
    import loopsim

    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, block in enumerate(re.findall(r"```python\n(.*?)\n```", doc.read_text(), flags=re.S)):
            compile(block, f"{doc.name} python block {i}", "exec")
            for name in re.findall(r"\bloopsim\.([a-z_]+)\b", block):
                assert hasattr(loopsim, name) or name in {"experiment", "calibrate", "btyd", "theory",
                                                          "metrics", "dists", "rng"}, f"{doc.name}: loopsim.{name}"


def test_quick_documented_commands_run(monkeypatch):
    """The documented commands that take a second (check, policies, trace) run as written, from
    the repository root, and succeed: a placeholder file name in a doc is a broken command."""
    from click.testing import CliRunner

    from loopsim.cli import app

    monkeypatch.chdir(ROOT)
    ran = 0
    for doc, args in _documented_commands():
        if args and args[0] in {"check", "policies", "trace"}:
            res = CliRunner().invoke(app, args)
            assert res.exit_code == 0, f"{doc}: loopsim {' '.join(args)}: {res.output}"
            ran += 1
    assert ran >= 4
