"""What an optimisation writes: ``best.toml`` (a runnable scenario extending the base),
``trials.parquet``, ``selection.parquet`` and ``summary.json``."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..scenario import Scenario
from .problem import Problem


def _diff(base: Mapping[str, Any], best: Mapping[str, Any]) -> dict[str, Any]:
    """The tables and values of ``best`` that differ from ``base``; an array that differs is
    written whole (``extends`` replaces arrays such as ``[[policies]]``, it does not merge them)."""
    out: dict[str, Any] = {}
    for k, v in best.items():
        b = base.get(k)
        if v == b or v is None:
            continue
        if isinstance(v, dict) and isinstance(b, dict):
            sub = _diff(b, v)
            if sub:
                out[k] = sub
        else:
            out[k] = _no_none(v)
    return out


def _no_none(v: Any) -> Any:
    """TOML has no null: leave unset (default) fields out."""
    if isinstance(v, dict):
        return {k: _no_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_no_none(x) for x in v]
    return v


def base_reference(base_file: Path, out: Path) -> str:
    """What ``best.toml`` in ``out`` writes as its ``extends``: the base file's path relative to
    ``out`` where the loading rules let a file in ``out`` read it without ``--scenario-path``
    (inside ``out`` or a scenario library such as the bundled ``scenarios/``), else
    ``base.toml``, a snapshot of the resolved base that :func:`write_outputs` writes beside it
    (so the folder stays runnable, and keeps the base as it was used)."""
    from ..errors import ScenarioError
    from ..scenario.files import check_extends_target

    rel = Path(os.path.relpath(base_file.resolve(), out.resolve())).as_posix()
    try:
        check_extends_target(base_file.resolve(), (out.resolve(),), rel, str(out / "best.toml"))
    except ScenarioError:
        return BASE_SNAPSHOT
    return rel


BASE_SNAPSHOT = "base.toml"


def best_toml(best: Scenario, base_file: Path | None, out: Path) -> str:
    """TOML text of the chosen design: ``extends`` the base file (a path relative to ``out``)
    plus what differs from it, or the whole scenario when the base has no file."""
    import tomli_w

    from ..scenario import load_scenario

    if base_file is None:
        doc = _no_none(best.to_dict())
    else:
        base = load_scenario(base_file).to_dict()
        doc = {"extends": base_reference(base_file, out), **_diff(base, best.to_dict())}
    doc["name"] = best.name
    head = "# The design loopsim optimise chose (see summary.json and selection.parquet).\n"
    return head + tomli_w.dumps(doc)


def trials_table(problem: Problem, trials: Sequence) -> pd.DataFrame:
    """One row per trial: number, state, parameters, objective means and CIs, each constraint's
    value (``constraint_0``, ... in the order given), the largest violation, feasibility, metric
    means over its replications, error (if refused), ``duplicate_of`` (a repeated proposal, not
    run: the trial that evaluated that design)."""
    rows = []
    multi = len(problem.objectives) > 1
    for t in trials:
        row: dict[str, Any] = {"trial": t.number, "state": t.state.name}
        row.update({p.path: t.params.get(p.path) for p in problem.params})
        cis = t.user_attrs.get("ci") or [[math.nan, math.nan]] * len(problem.objectives)
        for i, _o in enumerate(problem.objectives):
            name = f"objective_{i}" if multi else "objective"
            row[name] = t.values[i] if t.values is not None else math.nan
            row[f"{name}_ci_low"], row[f"{name}_ci_high"] = (math.nan if v is None else v for v in cis[i])
        vals = t.user_attrs.get("constraint_values") or [math.nan] * len(problem.constraints)
        for i, v in enumerate(vals):
            row[f"constraint_{i}"] = math.nan if v is None else v
        viol = t.user_attrs.get("violations")
        row["max_violation"] = max(viol) if viol else (0.0 if t.values is not None else math.nan)
        row["feasible"] = t.values is not None and row["max_violation"] <= 0
        runs = t.user_attrs.get("runs") or {}
        for k, v in sorted(runs.items()):
            vals = [x for x in v if x is not None and not math.isnan(x)]
            row[f"{k}_mean"] = sum(vals) / len(vals) if vals else math.nan
        row["replications"] = problem.n if runs else 0
        row["error"] = t.user_attrs.get("error", "")
        dup = t.user_attrs.get("duplicate_of")
        row["duplicate_of"] = float(dup) if dup is not None else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def summary_payload(problem: Problem, result, files: Sequence[str]) -> dict[str, Any]:
    """The ``summary.json`` of an optimisation."""
    from .. import __version__

    return {"kind": "optimise", "loopsim_version": __version__, "problem": problem.fingerprint(),
            "base_scenario": problem.base.name, "study": problem.digest(),
            "trials": int(len(result.trials)), "finished_trials": int((result.trials["state"] == "COMPLETE").sum()),
            "best": result.best, "best_scenario_hash": result.scenario.hash,
            "selection": result.selection.to_dict("records"),
            "pareto_trials": result.pareto, "files": list(files)}


def write_outputs(out: Path, problem: Problem, result, base_file: Path | None, plots: bool) -> list[str]:
    """Write every output file atomically into ``out``; returns their names."""
    from ..store import atomic_write_json, atomic_write_table, atomic_write_text

    def runnable(tmp: Path) -> None:   # the file must load where it is written (relative extends)
        from ..scenario import load_scenario

        load_scenario(tmp)

    text = best_toml(result.scenario, base_file, out)
    files = ["best.toml", "trials.parquet", "selection.parquet", "summary.json"]
    if base_file is not None and base_reference(base_file, out) == BASE_SNAPSHOT:
        import tomli_w

        from ..scenario import load_scenario

        head = f"# The base scenario as the optimisation used it (resolved from {base_file.name}).\n"
        snapshot = _no_none(load_scenario(base_file).to_dict())
        atomic_write_text(out / BASE_SNAPSHOT, head + tomli_w.dumps(snapshot), check=runnable)
        files.append(BASE_SNAPSHOT)
    atomic_write_text(out / "best.toml", text, check=runnable)
    atomic_write_table(out / "trials.parquet", result.trials)
    atomic_write_table(out / "selection.parquet", result.selection)
    if plots:
        from .figures import save_figures

        files += save_figures(out / "figures", problem, result)
    atomic_write_json(out / "summary.json", summary_payload(problem, result, files))
    return files
