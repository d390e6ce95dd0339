"""The validation suite's engine fixture (``tests/validation/conftest.py``) does what it claims:
each test runs once per engine with ``LOOPSIM_ENGINE`` set, a compiled run the engine cannot do
is a strict xfail naming the policy, and a test that swallows that error fails (XPASS strict).
Runs the real conftest on probe tests in a pytest subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

from .conftest import ROOT

PROBES = textwrap.dedent('''
    import os
    import loopsim
    from loopsim.errors import LoopsimError
    from loopsim.scenario import validate_scenario

    # a tier_priority with more thresholds than the compiled engine holds (every built-in
    # policy type has a compiled form)
    POINTS = {"market": {"initial_customers": 5}, "time": {"horizon_days": 5},
              "policies": [{"type": "tier_priority", "thresholds": [float(i) for i in range(1, 48)]}]}

    def test_env(engine):
        assert os.environ["LOOPSIM_ENGINE"] == engine

    def test_raises():
        loopsim.simulate(validate_scenario(POINTS), 1)

    def test_swallows():
        try:
            loopsim.simulate(validate_scenario(POINTS), 1)
        except LoopsimError:
            pass
''')


def test_each_engine_runs_and_no_compiled_form_is_a_strict_xfail(tmp_path):
    shutil.copy(ROOT / "tests" / "validation" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBES)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                          "-c", "/dev/null", "--rootdir", str(tmp_path), str(tmp_path)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "LOOPSIM_VALIDATION_ENGINES": "both"})
    lines = {ln.split(" - ")[0] for ln in out.stdout.splitlines()
             if ln.startswith(("PASSED", "FAILED", "XFAIL", "XPASS", "ERROR", "SKIPPED"))}
    assert lines == {"PASSED test_probe.py::test_env[compiled]", "PASSED test_probe.py::test_env[python]",
                     "PASSED test_probe.py::test_raises[python]", "PASSED test_probe.py::test_swallows[python]",
                     "XFAIL test_probe.py::test_raises[compiled]",
                     "FAILED test_probe.py::test_swallows[compiled]"}, out.stdout
    assert "tier_priority with 47 thresholds (compiled: at most 46)" in out.stdout
    assert "[XPASS(strict)]" in out.stdout
