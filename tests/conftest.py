"""Settings for the whole test session: every test sees the same environment however pytest is
run (serially, with ``-n 2``, from a terminal or from CI)."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Forget the terminal size that pytest's start-up exported; with workers, start compiling the
    kernel (:func:`_compile_kernel_once`).

    pytest imports ``readline`` (its capture plugin's readline workaround), and GNU readline then
    exports COLUMNS and LINES (80 x 24 without a terminal) into the process's C environment,
    where ``os.environ`` does not show them but every process started later inherits them:
    pytest-xdist's workers and the commands the tests run would print 80 columns wide. This hook
    runs in the controller before it starts the workers, and in each worker."""
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
        os.unsetenv(name)   # os.environ may not hold it, the C environment may
    _compile_kernel_once(config)


#: a tiny compiled run: it compiles the whole kernel (one call graph, one state type)
_COMPILE = ("import loopsim; from pathlib import Path; "
            "sc = loopsim.load_scenario(Path('scenarios/baseline.toml'), "
            "{'market.initial_customers': 20, 'time.horizon_days': 3.0}); "
            "loopsim.simulate(sc, seed=1, engine='compiled')")
_READY = "LOOPSIM_TEST_KERNEL_READY"


def _compile_kernel_once(config: pytest.Config) -> None:
    """With several workers (``-n 2``), compile the kernel once, in one process started before the
    workers (from :func:`pytest_configure`, which runs before pytest-xdist starts them): otherwise
    every worker compiles it at its first compiled run, at the same time, and so do the processes
    some tests start meanwhile. The workers wait for it (:func:`_kernel`)."""
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    ready = Path(tempfile.mkdtemp(prefix="loopsim-kernel-")) / "ready"
    root = Path(__file__).resolve().parents[1]
    # the marker is written when the compile ends, however it ends (a failed compile leaves the
    # workers to compile, and the test that needs it to report the failure)
    code = f"try:\n    {_COMPILE}\nfinally:\n    open({str(ready)!r}, 'w').close()"
    subprocess.Popen([sys.executable, "-c", code], cwd=root,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ[_READY] = str(ready)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The controller removes the compile's marker folder."""
    marker = os.environ.get(_READY)
    if marker and not hasattr(config, "workerinput"):
        import shutil
        from pathlib import Path

        shutil.rmtree(Path(marker).parent, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _kernel():
    """In a worker: wait until the controller's compile (:func:`_compile_kernel_once`) has ended,
    polling its marker with a deadline (a compile takes under a minute on 2 idle cores)."""
    marker = os.environ.get(_READY)
    if marker:
        import time
        from pathlib import Path

        deadline = time.monotonic() + 600
        while not Path(marker).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    yield
