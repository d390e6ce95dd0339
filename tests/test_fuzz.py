"""Fuzzing the inputs: bundled scenarios mutated (types, ranges, nesting, unicode, markup, paths
in ``extends``) and CLI arguments, run through ``loopsim check`` and ``run`` in-process on tiny
populations. Every case ends in success or in one line on stderr with exit code 2: never a
traceback (an exception escaping ``main`` fails the test) and never a partial store.

Deterministic: ``derandomize=True`` and no example database, a fixed number of examples."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loopsim.cli import main
from loopsim.scenario import load_raw

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.toml"))
# A tiny run whatever the mutation left: few customers, no arrivals, a few days.
TINY = ["--set", "market.initial_customers=15", "--set", "time.horizon_days=4",
        "--set", "market.organic_arrivals_per_day=0", "--set", "market.marketing_budget_per_day=0",
        "--set", "market.word_of_mouth_per_promoter_per_day=0",
        "--set", "journey.advocacy.referrals_per_promoter_per_day=0"]
FUZZ = dict(derandomize=True, database=None, deadline=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


def fuzz(n: int) -> settings:
    """Deterministic settings with ``n`` examples."""
    return settings(max_examples=n, **FUZZ)

MARKUP = ["x[/]y", "[bold red]pwn", ":joy:", "\x1b]0;title\x07", "\x1b[31mred", "[link=file:///etc/passwd]a[/link]", "\u202eevil", "é😀",
          "%s%n{0}", "\\[", "]]", "a\nb", "\t"]
names = st.sampled_from(MARKUP) | st.text(max_size=12)
small_numbers = st.sampled_from([-1, 0, 1, 2, 3, 10, -0.5, 0.0, 0.1, 0.5, 1.5, 7.5])
wild_numbers = (st.integers(min_value=-2**70, max_value=2**70) | st.floats(allow_nan=True, allow_infinity=True)
                | st.sampled_from([2**63, 2**63 - 1, -2**63 - 1, 10**23, 1e308, 5e-324]))


def _deep(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def values(numbers) -> st.SearchStrategy:
    leaves = numbers | st.booleans() | names
    nested = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(names, inner, max_size=3), max_leaves=6)
    return nested | st.sampled_from([_deep(10), _deep(40), _deep(120)])


def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(data, list) and data:
        return [p for i, v in enumerate(data) for p in _leaves(v, (*path, i))]
    return [path]


def _set(data: Any, path: tuple, value: Any, delete: bool = False) -> None:
    for p in path[:-1]:
        data = data[p]
    if delete and isinstance(data, dict):
        data.pop(path[-1], None)
    else:
        data[path[-1]] = value


EXTENDS = ["/dev/zero", "/dev/urandom", "/etc/passwd", "../../../../etc/hostname", "", ".", "..",
           "nowhere.toml", "x[/]y.toml", "pipe.toml", "self.toml", str(ROOT / "scenarios" / "baseline.toml"),
           "a" * 300, "\u202e.toml"]


@st.composite
def mutated_scenario(draw, numbers) -> tuple[dict, str | None]:
    """(raw scenario data, text to splice into the TOML or None) from a mutated bundled file."""
    data = load_raw(draw(st.sampled_from(BUNDLED)))
    for _ in range(draw(st.integers(1, 3))):
        leaves = _leaves(data)
        path = leaves[draw(st.integers(0, len(leaves) - 1))]
        kind = draw(st.sampled_from(["value", "value", "delete", "unknown", "extends", "name"]))
        if kind == "value" and path:
            _set(data, path, draw(values(numbers)))
        elif kind == "delete" and path:
            _set(data, path, None, delete=True)
        elif kind == "unknown" and path:
            _set(data, (*path[:-1], draw(names) or "k"), draw(values(numbers)))
        elif kind == "extends":
            data["extends"] = draw(st.sampled_from(EXTENDS) | values(numbers))
        else:
            data["name"] = draw(names)
    splice = draw(st.none() | st.sampled_from(["[", "]]", "{", "= =", "\x00", "\udcff", "x = 1\nx = 2",
                                                 "[" * 600, "é"]))
    return data, splice


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def _assert_clean(code: int, out: str, err: str, args: list[str]) -> None:
    assert code in (0, 2), (args, code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("loopsim: error: "), (args, err)
    assert "Traceback" not in err
    # output is not a terminal here, so rich adds no escape sequences: any would be the user's
    assert "\x1b" not in out + err and "\u202e" not in out + err, (args, out, err)


def _write(folder: Path, data: dict, splice: str | None) -> Path | None:
    path = folder / "s.toml"
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):   # not representable in TOML: nothing to feed loopsim
        return None
    if splice is not None:
        cut = len(text) // 2
        text = text[:cut] + splice + text[cut:]
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    (folder / "self.toml").write_text('extends = "s.toml"\n')
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe.toml")
    return path


@pytest.fixture(autouse=True)
def _little_memory(monkeypatch):
    # a population that a mutation made huge is refused by the memory estimate, not run
    monkeypatch.setenv("LOOPSIM_MEMORY_BYTES", "3e8")
    monkeypatch.delenv("LOOPSIM_SCENARIO_PATH", raising=False)


@fuzz(200)
@given(case=mutated_scenario(wild_numbers))
def test_check_survives_wild_mutations(case):
    data, splice = case
    with tempfile.TemporaryDirectory() as d:
        path = _write(Path(d), data, splice)
        if path is not None:
            args = ["check", str(path)]
            code, out_text, err = _cli(args)
            _assert_clean(code, out_text, err, args)


@fuzz(50)
@given(case=mutated_scenario(small_numbers), reps=st.sampled_from([1, 2]))
def test_run_of_mild_mutations_succeeds_or_leaves_nothing(case, reps):
    data, _ = case
    with tempfile.TemporaryDirectory() as d:
        path = _write(Path(d), data, None)
        if path is None:
            return
        out = Path(d) / "out"
        args = ["run", str(path), *TINY, "--reps", str(reps), "--out", str(out)]
        code, out_text, err = _cli(args)
        _assert_clean(code, out_text, err, args)
        if code == 2:
            assert not out.exists(), f"partial store after: {err}"
        else:
            assert (out / "summary.json").is_file()


SET_PATHS = ["market.initial_customers", "time.horizon_days", "service.agents", "name",
             "time.record_transactions", "policies.0.type", "policies.punch_card.stamps_required",
             "population.segments.0.share", "population.segments.9.share", "rewards.points.earn_rate",
             "x[/]y", "", ".", "market..x", "policies.-1.type"]
huge = st.sampled_from([2**63, -2**63 - 1, 10**23, 1e308, "nan", "inf", "-inf"])
set_value = (small_numbers.map(str) | names | huge.map(str)
             | st.sampled_from(["true", "yes", "[1, 2]", "{a = 1}", "[" * 500 + "]" * 500, '"x[/]y"']))
option = st.one_of(
    st.tuples(st.just("--seed"), st.sampled_from(["-1", "0", "2", "x", "1e3", str(2**64), "nan"])),
    st.tuples(st.just("--reps"), st.sampled_from(["0", "-2", "1", "2", "x", "1.5"])),
    st.tuples(st.just("--set"), st.builds(lambda p, v, eq: f"{p}{eq}{v}", st.sampled_from(SET_PATHS) | names,
                                          set_value, st.sampled_from(["=", "=", ""]))),
    st.tuples(st.just("--format"), st.sampled_from(["csv", "parquet", "xlsx", "[red]"])),
    st.tuples(st.just("--precision"), st.sampled_from(["0", "-1", "nan", "inf", "x"])),
    st.tuples(st.just("--metric"), names),
    st.tuples(st.just("--workers"), st.sampled_from(["0", "1", "-3", "x"])),
    st.tuples(st.just("--customer"), st.sampled_from(["0", "-1", "99999", "x", str(2**70)])),
    st.tuples(st.just("--scenario-path"), st.sampled_from(["/dev/null", "/nowhere", "."])),
    st.tuples(names.map(lambda s: "--" + s)),
)


@fuzz(80)
@given(command=st.sampled_from(["check", "run", "trace"]), options=st.lists(option, max_size=4),
       global_first=st.booleans())
def test_cli_arguments(command, options, global_first):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "tiny.toml"
        path.write_text('name = "tiny"\n[market]\ninitial_customers = 15\n[time]\nhorizon_days = 4\n'
                        '[[policies]]\ntype = "punch_card"\n')
        # a global option before the command (as documented) or after it (a usage error)
        head = [a for opt in options if global_first and opt[0] == "--scenario-path" for a in opt]
        rest = [a for opt in options if not (global_first and opt[0] == "--scenario-path") for a in opt]
        args = [*head, command, str(path), *rest]
        out = Path(d) / "out"
        if command == "run":
            args += ["--out", str(out)]
        code, out_text, err = _cli(args)
        _assert_clean(code, out_text, err, args)
        if code == 2 and command == "run":
            assert not out.exists(), f"partial store after: {err}"


def test_fuzz_reads_real_scenarios():
    # the mutations start from the bundled designs, resolved
    assert len(BUNDLED) >= 5 and all("extends" not in load_raw(p) for p in BUNDLED)
    assert tomllib.loads(tomli_w.dumps(load_raw(BUNDLED[0])))
