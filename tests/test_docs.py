"""Docs stay in step with the code."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from loopsim import docgen

ROOT = Path(__file__).resolve().parents[1]
#: documented things delivered later (issue 11: the report screenshot is made by the lead after
#: merging). The tests below accept them only while they are missing, and
#: test_pending_doc_items_exist fails under CI until they exist: delete an entry once it exists.
PENDING: dict[str, set[str]] = {"command": set(), "option": set(), "file": set()}


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
        assert (ROOT / link).exists() or link in PENDING["file"], link
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
        if cmd is None and name in PENDING["command"]:
            continue
        assert cmd is not None, f"{doc}: unknown command loopsim {name}"
        known = {o for p in cmd.params for o in getattr(p, "opts", [])}
        rest = [a for a in rest if not (a in PENDING["option"] and a not in known)]
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


QUICK = {"check", "policies", "trace", "calibrate", "export-transactions"}


def _quick_commands() -> dict[str, list[list[str]]]:
    """The documented quick commands, per document, in the document's order."""
    docs: dict[str, list[list[str]]] = {}
    for doc, args in _documented_commands():
        if args and args[0] in QUICK:
            docs.setdefault(doc, []).append(args)
    return docs


def test_every_quick_command_has_a_documented_example():
    ran = {args[0] for commands in _quick_commands().values() for args in commands}
    assert ran == QUICK, f"no documented example of {QUICK - ran}"


@pytest.mark.parametrize("doc", sorted(_quick_commands()))
def test_quick_documented_commands_run(doc, monkeypatch, tmp_path):
    """The documented commands that take seconds (check, policies, trace, calibrate,
    export-transactions) run as written and succeed: a placeholder file name in a doc is a broken
    command. They run in a scratch folder that sees the repository's scenarios (what they write,
    a figure or a calibrated scenario, lands there), each doc's commands in order in a folder of
    its own, as a reader of that doc would type them (one test per doc: they run in parallel)."""
    from click.testing import CliRunner

    from loopsim.cli import app

    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    for args in _quick_commands()[doc]:
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, f"{doc}: loopsim {' '.join(args)}: {res.output}"
        if "--plot" in args:   # the figure was drawn (the README's trace --plot)
            assert (tmp_path / args[args.index("--plot") + 1]).stat().st_size > 0


def test_pending_doc_items_exist():
    """What the docs describe from another branch exists once merged (fails under CI until then)."""
    from loopsim.cli import app

    missing = [f"command loopsim {c}" for c in PENDING["command"] if app.get_command(None, c) is None]
    compare = app.get_command(None, "compare")
    opts = {o for p in compare.params for o in getattr(p, "opts", [])}
    missing += [f"option compare {o}" for o in PENDING["option"] if o not in opts]
    missing += [f"file {f}" for f in PENDING["file"] if not (ROOT / f).exists()]
    if missing and os.environ.get("CI") != "true":
        pytest.skip("documented but not made yet (issue 11: the lead makes the report screenshot "
                    "after merging): " + ", ".join(missing))
    assert not missing, f"documented but missing: {', '.join(missing)}"


def test_docs_index_links_every_page():
    """docs/index.md (Tutorial / How-to / Reference / Background) links every page under docs/."""
    index = (ROOT / "docs" / "index.md").read_text()
    for heading in ("## Tutorials", "## How-to guides", "## Reference", "## Background"):
        assert heading in index, heading
    linked = set(re.findall(r"\]\(([\w./-]+\.md)(?:#[\w-]+)?\)", index))
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "index.md":
            assert page.name in linked, f"docs/index.md does not link {page.name}"
