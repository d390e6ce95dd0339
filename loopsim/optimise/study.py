"""The study runner: an Optuna study whose trials are loopsim replications with common random
numbers, kept in a storage that survives interruptions.

Storage: ``out=DIR`` keeps the study in ``DIR/study.journal`` (Optuna's journal file storage,
safe for several processes on one machine or a shared file system); ``storage=URL`` uses any
Optuna RDB storage (``sqlite:///file.db``, ``postgresql://...``) so several machines can work
on one study; neither keeps it in memory. The study is named after the problem's fingerprint,
so a different problem never resumes another's trials.

Trials: trial ``t`` runs replications ``0..n-1`` with the experiment module's seeds (spawn key
``(r,)``), so every trial sees the same customers and draws (common random numbers) and trials
differ only by their parameters. The sampler is rebuilt before each trial with a seed derived
from the root seed and the number of trials already finished, so a resumed study proposes what
an uninterrupted one would have.
"""

from __future__ import annotations

import math
import os
import signal
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ExperimentInterrupted, LoopsimError, ScenarioError
from ..experiment import ID_COLUMNS, Job, Runner
from .problem import Problem
from .samplers import make_sampler, trial_seed

JOURNAL = "study.journal"


def _storage(out: Path | None, storage: str | None):
    if storage is not None:
        import optuna

        try:
            return optuna.storages.RDBStorage(storage)
        except Exception as exc:   # noqa: BLE001 - SQLAlchemy raises many kinds for a bad URL
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise LoopsimError(f"--storage {storage}: cannot open it as an Optuna RDB storage ({first}); "
                               "give e.g. sqlite:///study.db or postgresql://user@host/db") from None
    if out is None:
        return None
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LoopsimError(f"{out}: cannot create the study folder: {exc.strerror or exc}") from None
    path = str(out / JOURNAL)
    # the open(O_EXCL) lock works on every file system, including network ones (the default
    # symlink lock does not on some)
    return JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))


def open_study(problem: Problem, out: Path | None = None, storage: str | None = None):
    """Create or resume the study of ``problem``; refuse a journal that holds another problem."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    st = _storage(out, storage)
    name = problem.digest()
    if out is not None and storage is None:
        others = [s.study_name for s in optuna.get_all_study_summaries(st) if s.study_name != name]
        if others:
            raise LoopsimError(f"{out}: holds the study of a different problem (another scenario, "
                               "parameters, objective, constraints, --reps, --seed or --sampler); "
                               "give the same options to resume it, or another --out")
    try:
        study = optuna.create_study(storage=st, study_name=name, directions=problem.directions,
                                    load_if_exists=True)
    except (ValueError, optuna.exceptions.StorageInternalError) as exc:
        raise LoopsimError(f"--storage {storage}: cannot open the study ({exc})") from None
    study.set_user_attr("problem", problem.fingerprint())
    return study


@contextmanager
def _uninterruptible():
    """Hold Ctrl-C and SIGTERM back while the study's storage is written: an interrupt half-way
    through could leave a trial without its parameters or the journal's lock file behind. A
    signal that arrives meanwhile is raised again right after, to the usual handler.

    Python-level deferral rather than a signal mask: a mask is per thread, and the kernel may hand
    the signal to any thread that leaves it unblocked (e.g. a BLAS thread pool's)."""
    import threading

    names = ("SIGINT", "SIGTERM")
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    old = {}
    for name in names:
        if hasattr(signal, name):
            sig = getattr(signal, name)
            old[sig] = signal.signal(sig, lambda signum, _frame: got.append(signum))
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if got:
            signal.raise_signal(got[0])


def counted(study) -> int:
    """Trials that count against the budget: finished, or refused for an invalid design (an
    interrupted trial does not count and is proposed again)."""
    from optuna.trial import TrialState

    return sum(1 for t in study.get_trials(deepcopy=False)
               if t.state == TrialState.COMPLETE or (t.state == TrialState.FAIL and "error" in t.user_attrs))


def run_trials(problem: Problem, study, trials: int, runner: Runner, where: str | None) -> None:
    """Run trials until ``trials`` count against the budget (resuming where the study stopped).
    A repeated proposal is not run again (:mod:`.revisits`)."""
    from . import revisits

    startup = max(3, min(10, trials // 3))
    streak = 0
    while (done := counted(study)) < trials and streak < revisits.MAX_REPEATS:
        seen = revisits.evaluated(study, problem.params)
        if len(seen) >= revisits.space_size(problem.params):
            break   # every design of a finite space has been evaluated
        dups = revisits.duplicates(study)
        study.sampler = make_sampler(problem.sampler, trial_seed(problem.seed, done, dups), startup)
        trial = None
        try:
            with _uninterruptible():
                trial = study.ask()
                point = {p.path: p.suggest(trial) for p in problem.params}
                if revisits.key(problem.params, point) in seen:
                    _repeat(problem, study, trial, point, seen, trial_seed(problem.seed, done, dups))
                    streak += 1
                    continue
            streak = 0
            _run_trial(problem, study, trial, point, runner)
        except BaseException as exc:   # interrupted or broken: this trial is not finished
            if trial is not None:
                _fail(study, trial)
            if isinstance(exc, KeyboardInterrupt | ExperimentInterrupted):
                kept = (f"the {counted(study)} finished trials are kept in {where}; run the same "
                        "command again to resume" if where else "nothing was kept (use --out DIR to resume)")
                raise ExperimentInterrupted(f"interrupted in trial {trial.number if trial else done}; "
                                            f"{kept}") from None
            raise


def _repeat(problem: Problem, study, trial, point: dict[str, Any], seen: dict, seed: int) -> None:
    """Record a repeated proposal (not run) and queue an unexplored neighbour in its place."""
    from optuna.trial import TrialState

    from . import revisits

    trial.set_user_attr("duplicate_of", seen[revisits.key(problem.params, point)])
    study.tell(trial, state=TrialState.FAIL)
    nb = revisits.neighbour(problem.params, point, seen, seed)
    if nb is not None:
        study.enqueue_trial(nb)


def _fail(study, trial) -> None:
    """Mark an unfinished trial failed (it does not count; a resumed study proposes anew)."""
    from optuna.trial import TrialState

    with _uninterruptible():
        if study.get_trials(deepcopy=False)[trial.number].state == TrialState.RUNNING:
            study.tell(trial, state=TrialState.FAIL)


def _metric_row(row: dict[str, Any]) -> dict[str, float]:
    """The metrics of one runs-table row (identifiers left out), as floats."""
    return {k: float(v) for k, v in row.items()
            if k not in ID_COLUMNS and isinstance(v, int | float) and not isinstance(v, bool)}


def _run_trial(problem: Problem, study, trial, point: dict[str, Any], runner: Runner) -> None:
    from optuna.trial import TrialState

    try:
        sc = problem.scenario(point, f"trial {trial.number}")
    except ScenarioError as exc:   # each value is valid alone (checked), not this combination
        with _uninterruptible():
            trial.set_user_attr("error", str(exc))
            study.tell(trial, state=TrialState.FAIL)
        return
    data = sc.to_dict()
    rows = runner.run([Job(trial.number, r, data, sc.hash, problem.seed, (r,)) for r in range(problem.n)])
    runs = [_metric_row(rows[k]) for k in sorted(rows)]
    ev = problem.evaluate(runs)
    with _uninterruptible():
        _record(problem, study, trial, runs, ev)


def _record(problem: Problem, study, trial, runs: list[dict[str, float]], ev: dict[str, Any]) -> None:
    """Store a finished trial: its runs, CIs, constraint violations, where it ran; tell Optuna."""
    from optuna.trial import TrialState

    keys = sorted(runs[0])
    trial.set_user_attr("host", socket.gethostname())
    trial.set_user_attr("pid", os.getpid())
    trial.set_user_attr("runs", {k: [r.get(k, math.nan) for r in runs] for k in keys})
    trial.set_user_attr("ci", ev["ci"])
    trial.set_user_attr("violations", ev["violations"])
    trial.set_user_attr("constraint_values", ev["constraint_values"])
    for c, v in zip(problem.constraints, ev["violations"], strict=True):
        trial.set_constraint(str(c), v if math.isfinite(v) else 1e300)
    if any(math.isnan(v) for v in ev["objectives"]):
        trial.set_user_attr("error", "the objective is n/a in every replication")
        study.tell(trial, state=TrialState.FAIL)
        return
    study.tell(trial, ev["objectives"])
