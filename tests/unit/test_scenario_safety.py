"""Inputs that cannot hurt the machine: scenario files are regular files under a size cap,
``extends`` stays inside the allowed folders, nesting and integers are bounded, booleans are
booleans, user strings print literally, and a run that cannot fit in memory is refused."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import loopsim
from loopsim.errors import LoopsimError, ScenarioError
from loopsim.resources import BYTES_PER_CUSTOMER, check_memory, estimate_bytes
from loopsim.scenario.files import (
    LIBRARY_MARKER,
    MAX_EXTENDS_CHAIN,
    MAX_NESTING,
    MAX_SCENARIO_BYTES,
    SCENARIO_PATH_ENV,
)
from tests.test_bad_input import run_main

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "baseline.toml"
TINY = 'name = "tiny"\n[market]\ninitial_customers = 30\n[time]\nhorizon_days = 20\n'


def _error(path, **kw) -> str:
    with pytest.raises(ScenarioError) as info:
        loopsim.load_scenario(path, **kw)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- files
def test_devices_and_directories_are_refused_as_extends_and_top_level(tmp_path):
    top = _write(tmp_path / "a.toml", 'extends = "/dev/zero"\nname = "a"\n')
    # allowed folder or not, a device is never read (it grew the process without limit)
    msg = _error(top, scenario_path=["/dev"])
    assert "/dev/zero" in msg and "not a regular file" in msg
    assert "not a regular file" in _error("/dev/zero")
    (tmp_path / "sub").mkdir()
    _write(top, 'extends = "sub"\n')
    assert "directory" in _error(top)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    top = _write(tmp_path / "a.toml", 'extends = "pipe.toml"\n')
    result: dict[str, str] = {}

    def load():
        for path in (top, tmp_path / "pipe.toml"):
            try:
                loopsim.load_scenario(path)
            except ScenarioError as exc:
                result[path.name] = str(exc)

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(timeout=30)   # a deadline, not a sleep: returns as soon as the loads are done
    assert not t.is_alive(), "loading a FIFO hangs"
    assert all("not a regular file" in m for m in result.values()) and len(result) == 2


def test_a_file_over_the_size_cap_is_refused(tmp_path):
    big = _write(tmp_path / "big.toml", TINY + "#" * MAX_SCENARIO_BYTES + "\n")
    assert "larger than 1 MiB" in _error(big)
    top = _write(tmp_path / "a.toml", 'extends = "big.toml"\n')
    assert "big.toml" in _error(top) and "MiB" in _error(top)
    # just under the cap is fine
    _write(big, TINY + "#" * (MAX_SCENARIO_BYTES - len(TINY) - 2) + "\n")
    assert loopsim.load_scenario(big).name == "tiny"


# ----------------------------------------------------------------------------- the allowed tree
def test_extends_outside_the_tree_is_refused_without_echoing_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv(SCENARIO_PATH_ENV, raising=False)
    outside = _write(tmp_path / "private" / "secret.toml",
                     'name = "SECRET-NAME"\n[market]\ncost_per_aware = "SECRET-VALUE"\n')
    for written in ("../private/secret.toml", str(outside)):
        top = _write(tmp_path / "study" / "a.toml", f'extends = "{written}"\n')
        msg = _error(top)
        assert "outside the scenario's folder tree" in msg and "--scenario-path" in msg
        assert "SECRET" not in msg
    # allowed by the API, the environment or the CLI: read (and its bad value named)
    assert "SECRET-VALUE" in _error(top, scenario_path=[tmp_path / "private"])
    monkeypatch.setenv(SCENARIO_PATH_ENV, os.pathsep.join(["/nowhere", str(tmp_path / "private")]))
    assert "SECRET-VALUE" in _error(top)


def test_scenario_path_option_allows_a_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(SCENARIO_PATH_ENV, raising=False)
    _write(tmp_path / "shared" / "base.toml", TINY)
    top = _write(tmp_path / "study" / "a.toml", 'extends = "../shared/base.toml"\nname = "mine"\n')
    code, _, err = run_main(["check", str(top)], capsys)
    assert code == 2 and err.count("\n") == 1 and "outside" in err
    code, out, err = run_main(["--scenario-path", str(tmp_path / "shared"), "check", str(top)], capsys)
    assert code == 0 and "'mine'" in out, err
    code, _, err = run_main(["--scenario-path", str(tmp_path / "nope"), "check", str(top)], capsys)
    assert code == 2 and "--scenario-path" in err and "not a folder" in err


def test_a_scenario_library_may_be_extended_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv(SCENARIO_PATH_ENV, raising=False)
    _write(tmp_path / "lib" / "base.toml", TINY)
    _write(tmp_path / "lib" / "cafe" / "design.toml", 'extends = "../base.toml"\nname = "cafe"\n')
    top = _write(tmp_path / "study" / "a.toml", 'extends = "../lib/cafe/design.toml"\n')
    assert "outside" in _error(top)
    (tmp_path / "lib" / LIBRARY_MARKER).write_text("")
    assert loopsim.load_scenario(top).name == "cafe"
    # a subfolder of a library extends its parent (the bundled scenarios' layout)
    assert loopsim.load_scenario(tmp_path / "lib" / "cafe" / "design.toml").name == "cafe"


def test_bundled_scenarios_are_a_library():
    assert (ROOT / "scenarios" / LIBRARY_MARKER).is_file()
    for path in sorted((ROOT / "scenarios").rglob("*.toml")):
        loopsim.load_scenario(path)


def test_a_symlink_out_of_the_tree_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(SCENARIO_PATH_ENV, raising=False)
    target = _write(tmp_path / "private" / "x.toml", TINY)
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "link.toml").symlink_to(target)
    top = _write(tmp_path / "study" / "a.toml", 'extends = "link.toml"\n')
    assert "outside" in _error(top)


def test_a_long_extends_chain_is_refused(tmp_path):
    _write(tmp_path / "f0.toml", TINY)
    for i in range(1, MAX_EXTENDS_CHAIN + 1):
        _write(tmp_path / f"f{i}.toml", f'extends = "f{i - 1}.toml"\n')
    assert loopsim.load_scenario(tmp_path / f"f{MAX_EXTENDS_CHAIN - 1}.toml").name == "tiny"
    assert "extends chain of more than" in _error(tmp_path / f"f{MAX_EXTENDS_CHAIN}.toml")


# ----------------------------------------------------------------------------- values
@pytest.mark.parametrize("text", [
    "a = " + "[" * 450 + "]" * 450,                       # tomllib itself would recurse too deep
    "a = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),
    "[" + ".".join(["t"] * (MAX_NESTING + 1)) + "]\nx = 1",  # dotted keys nest without brackets
    "a = " + "{b = " * 500 + "1" + "}" * 500,
])
def test_deep_nesting_is_refused_in_one_line(tmp_path, text):
    assert "nested more than" in _error(_write(tmp_path / "deep.toml", TINY + text + "\n"))
    with pytest.raises(ScenarioError, match="nested more than"):
        loopsim.loads_scenario(TINY + text)


def test_deep_data_from_python_is_refused():
    deep: dict = {}
    for _ in range(5000):
        deep = {"k": deep}
    with pytest.raises(ScenarioError, match="nested more than"):
        loopsim.scenario.validate_scenario({"name": "x", "market": deep})
    with pytest.raises(ScenarioError, match="nested more than"):
        loopsim.load_scenario(BASE).with_overrides({"market.x": deep})


def test_nesting_at_the_limit_is_read(tmp_path):
    text = TINY + "[" + ".".join(["t"] * MAX_NESTING) + "]\nx = 1\n"
    assert "t: unknown key" in _error(_write(tmp_path / "ok.toml", text))


def test_huge_integers_are_refused(tmp_path):
    big = 10**23
    msg = _error(_write(tmp_path / "a.toml", TINY.replace("[time]", f"[service]\nagents = {big}\n[time]")))
    assert "service.agents" in msg and "64-bit" in msg
    # a field with its own bound says so (more helpful than the 64-bit limit)
    msg = _error(_write(tmp_path / "b.toml", f'name = "b"\n[market]\ninitial_customers = {big}\n'))
    assert "market.initial_customers" in msg and "less than or equal to" in msg
    sc = loopsim.load_scenario(BASE)
    with pytest.raises(ScenarioError, match="service.agents: must fit in a 64-bit integer"):
        sc.with_overrides({"service.agents": big})
    with pytest.raises(ScenarioError, match="service.agents"):
        sc.with_overrides({"service.agents": 1e20})
    with pytest.raises(ScenarioError, match="64-bit"):
        loopsim.scenario.parse_override(f"service.agents={big}")


def test_sweep_with_a_huge_grid_value_leaves_no_store(tmp_path, capsys):
    out = tmp_path / "sweep"
    code, _, err = run_main(["sweep", str(BASE), "--grid", "service.agents=1,100000000000000000000000",
                             "--out", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1 and "64-bit" in err and "service.agents" in err
    assert not out.exists()


@pytest.mark.parametrize("table, key, value", [
    ("[time]", "record_transactions", '"yes"'),
    ("[time]", "record_transactions", "1"),
    ("[[policies]]\ntype = \"punch_card\"\n[policies.behaviour]", "enabled", "1"),
    ("[[policies]]\ntype = \"punch_card\"\n[policies.behaviour]", "enabled", '"off"'),
])
def test_booleans_must_be_true_or_false(tmp_path, table, key, value):
    msg = _error(_write(tmp_path / "a.toml", f'name = "b"\n{table}\n{key} = {value}\n'))
    assert f"{key}: must be true or false" in msg and value.strip('"') in msg


# ----------------------------------------------------------------------------- printing
NAMES = ["x[/]y", "[bold red]pwn", ":joy: [link=http://x]z[/link]"]


@pytest.mark.parametrize("name", NAMES)
def test_user_strings_print_literally(tmp_path, capsys, monkeypatch, name):
    from loopsim.cli.common import console

    monkeypatch.setattr(console, "_width", 250)   # wide enough that no name is folded mid-word
    text = (f'name = "{name}"\n[market]\ninitial_customers = 20\n[time]\nhorizon_days = 15\n'
            f'[[population.segments]]\nname = "seg {name}"\nshare = 1.0\n')
    a = _write(tmp_path / "a.toml", text)
    b = _write(tmp_path / f"{name.replace('/', '_')}.toml", text)
    for args, shown in ((["check", str(a)], name), (["run", str(a)], name), (["trace", str(a)], name),
                        (["compare", str(a), str(b), "--reps", "2"], b.stem)):   # designs by file
        code, out, err = run_main(args, capsys)
        assert code == 0, (args, err)
        flat = " ".join(out.split())   # tables may wrap; compare word by word
        assert " ".join(shown.split()) in flat, (args, out)
    assert f"seg {name}" in run_main(["check", str(a)], capsys)[1]


def test_notes_print_their_text_literally(capsys):
    from loopsim.cli.common import note

    note("column [bold]amount[/] has \x1b[2J")
    assert capsys.readouterr().out == "note: column [bold]amount[/] has \\x1b[2J\n"


def test_control_characters_are_escaped(tmp_path, capsys):
    path = _write(tmp_path / "a.toml", 'name = "a\\u001b]0;pwn\\u0007b\\u202ec"\n[market]\n'
                  'initial_customers = 20\n[time]\nhorizon_days = 10\n')
    for args in (["check", str(path)], ["run", str(path)]):
        code, out, err = run_main(args, capsys)
        assert code == 0 and "a\\x1b]0;pwn\\x07b\\u202ec" in out and "\x1b" not in out, err
    # a key with a line break and an escape sequence stays one line in the error
    _write(path, 'name = "x"\n[market]\n"k\\nx\\u001b[31m" = 1\n')
    code, _, err = run_main(["check", str(path)], capsys)
    assert code == 2 and err.count("\n") == 1 and "market.k\\nx\\x1b[31m: unknown key" in err


# ----------------------------------------------------------------------------- memory
def _population(n: int):
    return loopsim.loads_scenario(f'name = "big"\n[market]\ninitial_customers = {n}\n')


def test_memory_estimate_follows_the_benchmark():
    # docs/engine.md: the larger engine's footprint: at 1,000,000 customers the Python engine's
    # (1,505 MiB), at 100,000 the compiled engine's (363 MiB)
    assert abs(estimate_bytes(_population(1_000_000)) - 1_505 * 2**20) < 2e6
    assert abs(estimate_bytes(_population(100_000)) - 363 * 2**20) < 2e6
    assert estimate_bytes(_population(100_000), workers=2) == 2 * estimate_bytes(_population(100_000))
    assert 1_000 < BYTES_PER_CUSTOMER < 2_000


def test_a_population_that_cannot_fit_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LOOPSIM_MEMORY_BYTES", "1e9")
    check_memory(_population(400_000), workers=1)        # about 0.75 GB: fits
    with pytest.raises(LoopsimError, match=r"needs about 1\.5 GB on 2 workers.*has 1\.0 GB"):
        check_memory(_population(400_000), workers=2)
    path = _write(tmp_path / "big.toml", 'name = "big"\n[market]\ninitial_customers = 1000000\n')
    code, out, err = run_main(["run", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and err.count("\n") == 1 and "needs about 1.6 GB; this machine has 1.0 GB" in err
    assert not (tmp_path / "out").exists() and out == ""
    code, _, err = run_main(["check", str(path)], capsys)
    assert code == 0, err   # checking is not running
    monkeypatch.setenv("LOOPSIM_MEMORY_BYTES", "lots")
    code, _, err = run_main(["run", str(path)], capsys)
    assert code == 2 and "LOOPSIM_MEMORY_BYTES" in err and err.count("\n") == 1


def test_a_sweep_point_that_cannot_fit_is_refused_before_the_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LOOPSIM_MEMORY_BYTES", "1e9")
    path = _write(tmp_path / "s.toml", TINY)
    out = tmp_path / "sweep"
    code, _, err = run_main(["sweep", str(path), "--grid", "market.initial_customers=10,2000000",
                             "--out", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1 and "needs about 3.0 GB" in err and not out.exists()
