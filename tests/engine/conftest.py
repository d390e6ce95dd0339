"""Shared pieces of the engine-equality tests: the bundled scenarios at a reduced size."""

from __future__ import annotations

from pathlib import Path

import loopsim
from loopsim.engine import compiled

ROOT = Path(__file__).resolve().parents[2]
#: every bundled scenario, as a path relative to the repository root
BUNDLED = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "scenarios").glob("**/*.toml"))
#: reduced size: customers at day 0 (when the scenario has any) and horizon (days)
CUSTOMERS, HORIZON = 400, 150
#: scenarios whose mechanism needs a longer horizon to show (one purchase a year, a desk seeing a
#: few contacts a day): their own small cohort, a horizon of several periods; still well under 1 s
LONG = {"scenarios/validation/clv_constant_retention.toml": 1500.0,
        "scenarios/validation/mm_c.toml": 1500.0}


def reduced(path: str) -> loopsim.Scenario:
    """The bundled scenario at ``path`` at the reduced size the equality tests run."""
    sc = loopsim.load_scenario(ROOT / path)
    n = min(sc.market.initial_customers, CUSTOMERS)
    horizon = min(sc.time.horizon_days, LONG.get(path, HORIZON))
    return sc.with_overrides({"market.initial_customers": n, "time.horizon_days": horizon})


def supported(paths: list[str]) -> list[str]:
    """The scenarios among ``paths`` the compiled engine can run (``compiled.unsupported``)."""
    return [p for p in paths if compiled.unsupported(loopsim.load_scenario(ROOT / p)) is None]
