"""Shared helpers for validation tests: simulate a bundled validation scenario with overrides;
every validation test runs on both engines (the ``engine`` fixture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import loopsim
import loopsim.engine
from loopsim.errors import LoopsimError

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "validation"
#: the engines every validation test runs on (``LOOPSIM_ENGINE``; never ``auto``, which would
#: let a scenario the compiled engine cannot run pass as a Python run)
ENGINES = ("compiled", "python")


@pytest.fixture(scope="module", autouse=True, params=ENGINES)
def engine(request):
    """The engine of this module's tests: ``LOOPSIM_ENGINE`` for the module (its simulations, the
    experiments' worker processes and CLI subprocesses). Module-scoped so that a module-scoped
    fixture that simulates can request it and is rebuilt per engine."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOOPSIM_ENGINE", request.param)
        yield request.param


@pytest.fixture(autouse=True)
def _no_compiled_form_is_xfail(engine, request, monkeypatch):
    """On the compiled engine, a run the compiled engine cannot do (a policy without a compiled
    form, a traced run) raises; the test is then marked ``xfail(strict=True)`` with the reason,
    computed from the scenario it simulated. Strict: a test that swallows the error and passes
    fails. The day the policy gets a compiled form the error is gone and the test runs compiled
    (no mark to go stale)."""
    if engine != "compiled":
        return
    choose = loopsim.engine.choose_engine

    def choose_or_mark(scenario, engine=None, tracing=False):
        try:
            return choose(scenario, engine, tracing)
        except LoopsimError as err:
            why = str(err).split(": ", 1)[-1].removesuffix(" (use --engine auto or python)")
            request.node.add_marker(pytest.mark.xfail(
                strict=True, raises=LoopsimError, reason=f"no compiled run for {scenario.name!r}: {why}"))
            raise

    monkeypatch.setattr(loopsim.engine, "choose_engine", choose_or_mark)


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
