"""``loopsim optimise``: outputs, figures, several objectives, Dask, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import loopsim

from ..test_bad_input import run_main
from .known import STAFFING_OBJECTIVE, staffing_file

QUICK = ["--reps", "2", "--final-reps", "4", "--top", "2", "--seed", "3"]


def test_cli_writes_best_design_tables_summary_and_figures(tmp_path, capsys):
    sc = staffing_file(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = run_main(["optimise", str(sc), "--param", "service.agents=3:8", "--param",
                                  "service.cost_per_contact=0:2", "--objective", STAFFING_OBJECTIVE,
                                  "--direction", "minimize", "--constraint", "mean_service_wait_days<=0.5",
                                  "--trials", "6", *QUICK, "--out", str(out), "--plots"], capsys)
    assert code == 0, err
    assert "best design: service.agents" in stdout and "P(best)" in stdout
    trials = pd.read_parquet(out / "trials.parquet")
    assert list(trials["trial"]) == list(range(len(trials))) and len(trials) == 6
    assert {"service.agents", "service.cost_per_contact", "objective", "objective_ci_low", "feasible",
            "mean_service_wait_days_mean", "constraint_0"} <= set(trials.columns)
    assert (trials["feasible"] == (trials["constraint_0"] <= 0.5)).all()
    sel = pd.read_parquet(out / "selection.parquet")
    assert sel["chosen"].iloc[0] and sel["replications"].eq(4).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "optimise" and summary["best"]["params"]["service.agents"] == sel["service.agents"].iloc[0]
    for name in ("history", "importances", "slices", "contour"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    best = loopsim.load_scenario(out / "best.toml")
    assert best.service.agents == summary["best"]["params"]["service.agents"]
    assert best.service.cost_per_contact == pytest.approx(summary["best"]["params"]["service.cost_per_contact"])
    # the file extends the base and only says what changed
    assert (out / "best.toml").read_text().count("[") <= 2


def test_two_objectives_give_a_pareto_front(tmp_path, capsys):
    sc = staffing_file(tmp_path)
    out = tmp_path / "pareto"
    code, stdout, err = run_main(["optimise", str(sc), "--param", "service.agents=3:9", "--param",
                                  "service.resolution_probability=0.9,1.0", "--objective",
                                  "service_cost", "--objective", "mean_service_wait_days", "--trials", "8",
                                  *QUICK, "--out", str(out), "--plots"], capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["problem"]["sampler"] == "nsga2"
    trials = pd.read_parquet(out / "trials.parquet")
    assert set(trials["service.resolution_probability"]) <= {0.9, 1.0}
    front = trials[trials["trial"].isin(summary["pareto_trials"])]
    assert len(front) >= 2
    # no front trial is dominated by any trial (both objectives are minimised)
    v = trials[["objective_0", "objective_1"]].to_numpy()
    for a in front[["objective_0", "objective_1"]].to_numpy():
        assert not np.any(np.all(v <= a, axis=1) & np.any(v < a, axis=1))
    assert (out / "figures" / "pareto_front.png").exists()


def test_dask_gives_the_same_study_as_local_workers(tmp_path):
    sc = staffing_file(tmp_path)
    kw = dict(params={"service.agents": (3, 8)}, objective=STAFFING_OBJECTIVE, direction="minimize",
              trials=3, n=2, top=2, final_n=2, seed=4)
    local = loopsim.optimise(sc, **kw)
    dask = loopsim.optimise(sc, **kw, dask="local", workers=2)
    pd.testing.assert_frame_equal(local.trials, dask.trials)
    assert local.best == dask.best


@pytest.mark.parametrize("args, words", [
    (["--param", "service.agentz=1:3"], "service.agentz"),
    (["--param", "service.agents=5:2"], "service.agents: an empty or inverted range 5:2"),
    (["--param", "service.agents=1:3", "--constraint", "retension_rate>=0.8"], "'retension_rate' is not a loopsim metric"),
    (["--param", "service.agents=1:3", "--objective", "proft"], "'proft' is not a loopsim metric"),
    (["--param", "service.agents=1:3", "--plots"], "--plots needs --out"),
    (["--param", "service.agents=1:3", "--sampler", "cmaes", "--objective", "profit", "--objective",
      "retention_rate"], "one objective only"),
    (["--param", "service.agents=1:3", "--storage", "nosuch://host/db"], "--storage nosuch://host/db: cannot open"),
    (["--param", "service.agents=1:3", "--reps", "4", "--final-reps", "2"], "--final-reps must be an integer >= --reps 4"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, words):
    code, _out, err = run_main(["optimise", str(staffing_file(tmp_path)), *args], capsys)
    assert code == 2
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_infeasible_problem_names_the_closest_trial(tmp_path, capsys):
    out = tmp_path / "out"
    code, _out, err = run_main(["optimise", str(staffing_file(tmp_path)), "--param", "service.agents=3:5",
                                "--constraint", "mean_service_wait_days<=0", "--objective", "service_cost",
                                "--trials", "3", *QUICK, "--out", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "infeasible: no trial meets mean_service_wait_days<=0; the closest, trial" in err
    assert "service.agents=5" in err            # most agents, shortest wait
    assert not (out / "best.toml").exists() and not (out / "summary.json").exists()


def test_a_folder_of_another_problem_is_refused(tmp_path, capsys):
    sc = staffing_file(tmp_path)
    out = tmp_path / "out"
    base = ["optimise", str(sc), "--objective", "service_cost", "--trials", "2", *QUICK, "--out", str(out)]
    assert run_main([*base, "--param", "service.agents=3:5"], capsys)[0] == 0
    code, _o, err = run_main([*base, "--param", "service.agents=3:6"], capsys)
    assert code == 2 and "holds the study of a different problem" in err


@pytest.mark.parametrize("sampler", ["tpe", "cmaes", "random", "nsga2"])
def test_every_sampler_searches_inside_the_ranges(tmp_path, sampler):
    res = loopsim.optimise(staffing_file(tmp_path), {"service.handling_time.mean": (0.5, 0.9),
                                                     "service.agents": (3, 6)},
                           objective=STAFFING_OBJECTIVE, direction="minimize", sampler=sampler, trials=4,
                           n=2, top=1, final_n=2, seed=2)
    t = res.trials
    assert (t["state"] == "COMPLETE").all() and len(t) == 4
    assert t["service.handling_time.mean"].between(0.5, 0.9).all() and t["service.agents"].between(3, 6).all()
    assert t["service.handling_time.mean"].nunique() == 4     # distinct proposals, not one point


def test_gp_sampler_needs_pytorch_or_runs(tmp_path):
    import importlib.util

    from loopsim.errors import LoopsimError

    kw = dict(objective="service_cost", trials=2, n=2, top=1, final_n=2, sampler="gp")
    if importlib.util.find_spec("torch") is None:
        with pytest.raises(LoopsimError, match="pip install torch"):
            loopsim.optimise(staffing_file(tmp_path), {"service.agents": (3, 6)}, **kw)
    else:
        assert len(loopsim.optimise(staffing_file(tmp_path), {"service.agents": (3, 6)}, **kw).trials) == 2
