"""Shared helpers for validation tests: simulate a bundled validation scenario with overrides;
the engines every validation test runs on (the ``engine`` fixture).

Every validation test runs twice, on ``compiled`` and on ``python`` (test ids ``[compiled]`` and
``[python]``): each engine is checked against the theory on its own, in CI and with the README's
command (docs/validation.md, docs/engine.md "Two engines"). Never on ``auto``, which would let a
scenario the compiled engine cannot run pass as a Python run.

A case the compiled engine cannot run (a policy without a compiled form,
``loopsim.engine.compiled.unsupported``) is not generated on ``compiled`` at all: a test whose
scenario depends on a parameter builds its parameter list with :func:`engine_cases`, which asks
``unsupported`` for each case. No case is an expected failure, and a test that simulates what the
compiled engine cannot run on its ``[compiled]`` variant fails with the engine's error.
``tests/engine/test_validation_engines.py`` checks that the Python-only cases are exactly the
policies without a compiled form (so they vanish when those forms land).

``LOOPSIM_VALIDATION_ENGINES=python`` (or ``compiled``) runs one engine only, for a quick local
run; ``both`` is the default."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import loopsim
from loopsim.engine import compiled

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "validation"
_CHOICES = {"both": ("compiled", "python"), "compiled": ("compiled",), "python": ("python",)}
_CHOICE = os.environ.get("LOOPSIM_VALIDATION_ENGINES", "both")
if _CHOICE not in _CHOICES:
    raise pytest.UsageError(f"LOOPSIM_VALIDATION_ENGINES={_CHOICE!r}: allowed are "
                            f"{', '.join(_CHOICES)} (default both)")
#: the engines every validation test runs on (``LOOPSIM_ENGINE`` for the test)
ENGINES: tuple[str, ...] = _CHOICES[_CHOICE]


def engines_for(scenario: loopsim.Scenario) -> tuple[str, ...]:
    """The engines a test simulating ``scenario`` runs on: :data:`ENGINES`, or ``python`` alone
    when the compiled engine cannot run the scenario (``compiled.unsupported``)."""
    return ("python",) if compiled.unsupported(scenario) else ENGINES


def engine_cases(cases: Iterable[Any], scenario_of: Callable[[Any], loopsim.Scenario],
                 case_id: Callable[[Any], str]) -> list:
    """Parameters ``(case, engine)`` for ``@pytest.mark.parametrize("case_name,engine", ...,
    indirect=["engine"])``: every case on the engines of :func:`engines_for` its scenario
    (``scenario_of(case)``), id ``"<case_id>-<engine>"``."""
    return [pytest.param(case, eng, id=f"{case_id(case)}-{eng}")
            for case in cases for eng in engines_for(scenario_of(case))]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every validation test on :data:`ENGINES`, unless it parametrizes ``engine`` itself
    (:func:`engine_cases`)."""
    if "engine" not in metafunc.fixturenames:
        return
    own = any("engine" in _argnames(m.args[0]) for m in metafunc.definition.iter_markers("parametrize"))
    if not own:
        metafunc.parametrize("engine", ENGINES, indirect=True, scope="module")


def _argnames(names: str | Iterable[str]) -> list[str]:
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


@pytest.fixture(scope="module", autouse=True)
def engine(request):
    """The engine of this test: ``LOOPSIM_ENGINE`` for its simulations, the experiments' worker
    processes and CLI subprocesses. Module-scoped so that a module-scoped fixture that simulates
    can request it and is rebuilt per engine."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOOPSIM_ENGINE", request.param)
        yield request.param


@pytest.fixture
def validation_scenario():
    def load(name: str, **overrides):
        return loopsim.load_scenario(SCENARIOS / f"{name}.toml", overrides or None)

    return load


def z_value(checks: int = 1, level: float = 0.95) -> float:
    """Two-sided normal quantile for a ``level`` confidence interval, Bonferroni-adjusted for
    ``checks`` comparisons so that the family of checks in a test module holds at ``level``."""
    return float(stats.norm.ppf(1 - (1 - level) / (2 * checks)))


def mean_ci(x, checks: int = 1) -> tuple[float, float]:
    """Mean and CI half-width of iid values (95% family-wise over ``checks`` comparisons)."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(z_value(checks) * x.std(ddof=1) / np.sqrt(len(x)))
