"""loopsim: simulate the customer loyalty loop.

Quick start::

    import loopsim
    sc = loopsim.load_scenario("scenarios/baseline.toml")
    run = loopsim.simulate(sc, seed=1)
    run.summary["retention_rate"], run.customers.head()
    pts = loopsim.load_scenario("scenarios/retailer_points.toml")
    loopsim.compare({"base": sc, "points": pts}, n=20, seed=1).table()

    loopsim.optimise(pts, {"policies.points.earn_rate": (0.005, 0.05)}, trials=30, n=4).best

Custom policies: :func:`register_policy`, :class:`PolicyParams` and the hooks' :class:`Context`
(``docs/howto_custom_policy.md``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .engine import simulate
from .errors import LoopsimError, ScenarioError
from .metrics import Metric

# bound after the subpackage is imported, so the name is the function, not the package
from .optimise import optimise
from .registry import Context, Policy, PolicyParams, register_policy
from .result import RunResult
from .scenario import Scenario, load_scenario, loads_scenario, policy_types

try:
    __version__ = version("loopsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["Context", "LoopsimError", "Metric", "Policy", "PolicyParams", "RunResult", "Scenario", "ScenarioError",
           "__version__", "compare", "load_scenario", "loads_scenario", "optimise", "policy_types",
           "register_policy", "replicate", "simulate", "sobol", "sweep"]


def __getattr__(name):
    # experiment functions live in loopsim.experiment (heavier imports, loaded on first use)
    if name in ("replicate", "compare", "sweep", "sobol"):
        from . import experiment

        return getattr(experiment, name)
    raise AttributeError(f"module 'loopsim' has no attribute {name!r}")
