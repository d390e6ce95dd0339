"""``loopsim.optimise``: find the best design of a scenario under uncertainty."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ExperimentInterrupted, LoopsimError
from ..scenario import Scenario
from .objective import Constraint, make_objectives, parse_constraint
from .problem import Problem
from .space import Param, check_space, from_mapping, parse_param


@dataclass
class Optimisation:
    """The answer of :func:`optimise`.

    ``best``: the chosen design (``params``, ``trial``, objective ``mean``/``ci`` over the final
    replications, ``p_best``); ``scenario``: that design as a validated Scenario; ``trials``: one
    row per trial; ``selection``: the final stage, one row per candidate, chosen first;
    ``pareto``: trial numbers on the Pareto front (several objectives, else None); ``study``: the
    Optuna study; ``problem``: what was solved (for :mod:`loopsim.optimise.figures`)."""

    best: dict[str, Any]
    scenario: Scenario
    trials: pd.DataFrame
    selection: pd.DataFrame
    pareto: list[int] | None = None
    study: Any = field(default=None, repr=False)
    files: list[str] = field(default_factory=list)
    problem: Problem | None = field(default=None, repr=False)


def _params(params: Mapping[str, Any] | Sequence[str]) -> list[Param]:
    if isinstance(params, Mapping):
        return from_mapping(params)
    return [parse_param(s) for s in params]


def _base(scenario: Scenario | str | os.PathLike, base_file) -> tuple[Scenario, Path | None]:
    if isinstance(scenario, Scenario):
        return scenario, Path(base_file) if base_file is not None else None
    from ..scenario import load_scenario

    return load_scenario(scenario), Path(scenario)


def make_problem(scenario: Scenario, params, objective, direction, constraints, n: int, seed: int,
                 sampler: str | None) -> Problem:
    """Check every input before anything runs and bundle it into a :class:`Problem`."""
    from ..experiment import check_seed
    from .samplers import check_sampler

    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise LoopsimError(f"--reps must be an integer >= 2 (got {n!r}); CIs need two replications")
    space = _params(params)
    check_space(space, scenario)
    objs = make_objectives(objective, direction)
    cons: list[Constraint] = [c if isinstance(c, Constraint) else parse_constraint(c) for c in constraints]
    return Problem(scenario, tuple(space), tuple(objs), tuple(cons), n, check_seed(seed),
                   check_sampler(sampler, len(objs)))


def optimise(scenario: Scenario | str | os.PathLike, params: Mapping[str, Any] | Sequence[str], *,
             objective: str | Sequence[str] = "profit", direction: str | Sequence[str] | None = None,
             constraints: Sequence[str | Constraint] = (), trials: int = 60, n: int = 8, seed: int = 0,
             sampler: str | None = None, top: int = 5, final_n: int | None = None,
             workers: int = 1, executor: Executor | None = None, dask: str | None = None,
             out: str | os.PathLike | None = None, storage: str | None = None, plots: bool = False,
             progress: bool | None = None, base_file: str | os.PathLike | None = None) -> Optimisation:
    """Search ``params`` of ``scenario`` for the design with the best ``objective``.

    ``params``: ``{dotted path: (low, high) | (low, high, "int"|"log") | [choices]}`` or
    ``--param`` strings. ``objective``: a metric or an expression of metrics (several: a Pareto
    front, NSGA-II by default); ``direction``: maximize/minimize (default: the metric's own).
    ``constraints``: ``"metric>=x"`` / ``"metric<=x"`` on the mean over replications.
    ``trials`` trials of ``n`` replications each, all with the same seeds (common random
    numbers); ``sampler``: tpe (default), cmaes, gp, nsga2 or random. Then the ``top`` distinct
    best feasible trials are re-run to ``final_n`` replications (default ``max(4 n, 20)``) and
    the winner chosen with paired CIs, a subset-selection screen and P(best)
    (:mod:`loopsim.optimise.selection`).

    ``out=DIR`` keeps the study (``DIR/study.journal``; rerun to resume) and writes
    ``best.toml``, ``trials.parquet``, ``selection.parquet``, ``summary.json`` and, with
    ``plots``, ``figures/``. ``storage``: an Optuna RDB URL shared by several machines.
    Replications run on ``workers`` local processes, an ``executor`` or ``dask``.
    """
    from ..experiment import Runner
    from .study import open_study, run_trials

    base, base_file = _base(scenario, base_file)
    problem = make_problem(base, params, objective, direction, constraints, n, seed, sampler)
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise LoopsimError(f"--trials must be an integer >= 1 (got {trials!r})")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise LoopsimError(f"--top must be an integer >= 1 (got {top!r})")
    final_n = max(4 * n, 20) if final_n is None else final_n
    if isinstance(final_n, bool) or not isinstance(final_n, int) or final_n < n:
        raise LoopsimError(f"--final-reps must be an integer >= --reps {n} (got {final_n!r})")
    outp = Path(out) if out is not None else None
    if outp is not None and outp.exists() and not outp.is_dir():
        raise LoopsimError(f"{outp}: --out must be a directory (it is a file)")
    study = open_study(problem, outp, storage)
    where = str(outp / "study.journal") if outp is not None and storage is None else storage
    with Runner(workers, executor, dask, None, progress, f"{base.name}: optimising") as runner:
        run_trials(problem, study, trials, runner, where)
        try:
            result = _finish(problem, study, top, final_n, runner)
        except (KeyboardInterrupt, ExperimentInterrupted):
            kept = (f"the trials are kept in {where}; run the same command again to resume (the final "
                    "stage starts again)" if where else "nothing was kept (use --out DIR to resume)")
            raise ExperimentInterrupted(f"interrupted in the final selection stage; {kept}") from None
    if outp is not None:
        from .outputs import write_outputs

        result.files = write_outputs(outp, problem, result, base_file, plots)
    return result


def _finish(problem: Problem, study, top: int, final_n: int, runner) -> Optimisation:
    """Final stage: candidates, their re-evaluation, the selection and the result object."""
    from .outputs import trials_table
    from .selection import candidates, pareto, reevaluate, select

    frozen = study.get_trials(deepcopy=False)
    table = trials_table(problem, frozen)
    cands = candidates(problem, frozen, top)
    if not cands:
        raise LoopsimError(_infeasible(problem, table))
    sel = select(problem, cands, reevaluate(problem, cands, final_n, runner))
    win = sel.iloc[0]
    params = {p.path: _py(win[p.path]) for p in problem.params}
    best = {"trial": int(win["trial"]), "params": params, "objective": problem.objectives[0].text,
            "direction": problem.objectives[0].direction, "replications": int(win["replications"]),
            "mean": float(win["objective_mean"]), "p_best": float(win["p_best"]),
            "feasible": bool(win["feasible"]),
            "runner_up_trials": [int(t) for t in sel["trial"].iloc[1:]]}
    sc = problem.scenario(params, "best design")
    sc = sc.model_copy(update={"name": f"{problem.base.name} (optimised)"})
    front = None
    if len(problem.objectives) > 1:
        ok = [t for t in frozen if t.values is not None and max(t.user_attrs.get("violations") or [0]) <= 0]
        front = sorted(t.number for t in pareto(problem, ok))
    return Optimisation(best, sc, table, sel, front, study, problem=problem)


def _py(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _infeasible(problem: Problem, table: pd.DataFrame) -> str:
    """The one-line message of a problem no finished trial could meet."""
    done = table[table["state"] == "COMPLETE"]
    if done.empty:
        errs = table["error"][table["error"] != ""]
        why = f": {errs.iloc[0]}" if len(errs) else ""
        return f"no trial finished{why}"
    close = done.sort_values("max_violation").iloc[0]
    vals = ", ".join(f"{c.metric}={close.get(f'constraint_{i}', float('nan')):.4g}"
                     for i, c in enumerate(problem.constraints))
    pars = ", ".join(f"{p.path}={close[p.path]}" for p in problem.params)
    cons = " and ".join(str(c) for c in problem.constraints)
    return (f"infeasible: no trial meets {cons}; the closest, trial {int(close['trial'])} "
            f"({pars}), has {vals}")
