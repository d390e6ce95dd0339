"""Settings for the whole test session: every test sees the same environment however pytest is
run (serially, with ``-n 2``, from a terminal or from CI)."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Forget the terminal size that pytest's start-up exported.

    pytest imports ``readline`` (its capture plugin's readline workaround), and GNU readline then
    exports COLUMNS and LINES (80 x 24 without a terminal) into the process's C environment,
    where ``os.environ`` does not show them but every process started later inherits them:
    pytest-xdist's workers and the commands the tests run would print 80 columns wide. This hook
    runs in the controller before it starts the workers, and in each worker."""
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
        os.unsetenv(name)   # os.environ may not hold it, the C environment may
