"""The validation suite's engines (``tests/validation/conftest.py``): every validation test runs
on ``compiled`` and on ``python`` with ``LOOPSIM_ENGINE`` set; a case the compiled engine cannot
run is generated on ``python`` alone (never an expected failure), and in the real suite those
cases are exactly the policies without a compiled form. The conftest runs on probe tests in a
pytest subprocess; the real suite is collected in one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

from loopsim.engine.compiled.policies import COMPILED
from loopsim.scenario import policy_types

from .conftest import ROOT

PROBES = textwrap.dedent('''
    import os
    from typing import ClassVar, Literal

    import pytest

    import loopsim
    from loopsim import PolicyParams, register_policy
    from loopsim.scenario import validate_scenario

    from conftest import engine_cases


    class ProbeParams(PolicyParams):
        type: Literal["probe_python_only"] = "probe_python_only"


    @register_policy
    class Probe:
        """A policy with no compiled form (a custom Python policy never has one)."""

        type_name: ClassVar[str] = "probe_python_only"
        Params: ClassVar[type[ProbeParams]] = ProbeParams
        kind: ClassVar[str] = "reward"

        def __init__(self, params):
            self.p = params


    def world(policy):
        return validate_scenario({"market": {"initial_customers": 5}, "time": {"horizon_days": 5},
                                  "policies": [{"type": policy}]})


    def test_env(engine):
        assert os.environ["LOOPSIM_ENGINE"] == engine


    @pytest.mark.parametrize("policy,engine", engine_cases(["punch_card", "probe_python_only"], world,
                                                           str), indirect=["engine"])
    def test_cases(policy, engine):
        assert os.environ["LOOPSIM_ENGINE"] == engine


    def test_not_declared(engine):
        loopsim.simulate(world("probe_python_only"), 1)
''')
OUTCOMES = ("PASSED", "FAILED", "XFAIL", "XPASS", "ERROR", "SKIPPED")


def _probe(tmp_path, engines: str | None) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "tests" / "validation" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBES)
    env = {k: v for k, v in os.environ.items() if k != "LOOPSIM_VALIDATION_ENGINES"}
    if engines is not None:
        env["LOOPSIM_VALIDATION_ENGINES"] = engines
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                           "-c", "/dev/null", "--rootdir", str(tmp_path), str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)


def _outcomes(out: subprocess.CompletedProcess) -> set[str]:
    return {ln.split(" - ")[0] for ln in out.stdout.splitlines() if ln.startswith(OUTCOMES)}


def test_both_engines_by_default_and_no_compiled_form_runs_on_python_alone(tmp_path):
    out = _probe(tmp_path, None)
    p = "test_probe.py::"
    assert _outcomes(out) == {
        f"PASSED {p}test_env[compiled]", f"PASSED {p}test_env[python]",
        f"PASSED {p}test_cases[punch_card-compiled]", f"PASSED {p}test_cases[punch_card-python]",
        f"PASSED {p}test_cases[probe_python_only-python]",
        # not declared with engine_cases: the compiled variant fails with the engine's error
        # (raised before any compilation: the probe never compiles the kernel)
        f"FAILED {p}test_not_declared[compiled]", f"PASSED {p}test_not_declared[python]"}, out.stdout
    assert "policies without a compiled form: probe_python_only" in out.stdout


def test_one_engine_for_a_quick_run_and_a_bad_choice_is_refused(tmp_path):
    out = _probe(tmp_path, "python")
    assert {ln.split("::")[1] for ln in _outcomes(out)} == {
        "test_env[python]", "test_cases[punch_card-python]", "test_cases[probe_python_only-python]",
        "test_not_declared[python]"}, out.stdout
    out = _probe(tmp_path, "all")
    assert out.returncode != 0
    assert "LOOPSIM_VALIDATION_ENGINES='all': allowed are both, compiled, python" in out.stdout + out.stderr


def test_validation_suite_runs_both_engines_except_the_policies_without_a_compiled_form():
    """Every validation test is collected on ``compiled`` and on ``python``; the ones on
    ``python`` alone are exactly the all-mechanisms-off cases of the policy types without a
    compiled form (none once every policy has one)."""
    env = {k: v for k, v in os.environ.items() if k != "LOOPSIM_VALIDATION_ENGINES"}
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "tests/validation"], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    engines: dict[str, set[str]] = {}
    for node in out.stdout.splitlines():
        m = re.fullmatch(r"(tests/validation/\S+::\w+)\[(.*)\]", node)
        if m is None:
            assert "::" not in node, f"{node}: not parametrized by engine"
            continue
        parts = m[2].split("-")
        engine = next(e for e in ("compiled", "python") if e in parts)
        parts.remove(engine)
        engines.setdefault(f"{m[1]}[{'-'.join(parts)}]", set()).add(engine)
    assert len(engines) > 50
    python_only = {case for case, e in engines.items() if e == {"python"}}
    assert all(e in ({"compiled", "python"}, {"python"}) for e in engines.values())
    no_compiled = sorted(set(policy_types()) - set(COMPILED))
    test = "tests/validation/test_reward_behaviour.py::test_all_mechanisms_off_is_no_programme_except_costs"
    assert python_only == {f"{test}[{t}]" for t in no_compiled}, (python_only, no_compiled)
