"""Normalising the results a figure is given: one run, several replications, or designs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import LoopsimError
from ..result import RunResult

#: One run, replications of one design, or {design name: run(s)}.
Results = RunResult | Sequence[RunResult] | Mapping[str, RunResult | Sequence[RunResult]]


def groups(results: Results) -> dict[str, list[RunResult]]:
    """``{label: [runs]}``: a design per key (a lone run or list is one group named after its
    scenario)."""
    if isinstance(results, RunResult):
        return {results.scenario.name: [results]}
    if isinstance(results, Mapping):
        out = {str(k): [v] if isinstance(v, RunResult) else list(v) for k, v in results.items()}
    else:
        runs = list(results)
        out = {runs[0].scenario.name: runs} if runs else {}
    if not out or any(not v for v in out.values()):
        raise LoopsimError("a figure needs at least one run per design")
    for v in out.values():
        if not all(isinstance(r, RunResult) for r in v):
            raise TypeError("figures take RunResult objects (from loopsim.simulate)")
    return out


def first(results: Results) -> RunResult:
    """The first run of the first group (figures of one run)."""
    return next(iter(groups(results).values()))[0]


def currency(run: RunResult) -> str:
    """The scenario's currency, for axis labels."""
    return run.scenario.market.currency
