"""Replications: seeds spawned from a root, identical across worker counts, sound intervals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

import loopsim
from loopsim import theory

ROOT = Path(__file__).resolve().parents[1]


def small():
    return loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"time.horizon_days": 40, "market.initial_customers": 150, "market.marketing_budget_per_day": 20})


def test_replicate_table_and_determinism():
    sc = small()
    a = loopsim.replicate(sc, n=3, seed=7)
    assert list(a.runs["replication"]) == [0, 1, 2]
    assert (a.runs["scenario_hash"] == sc.hash).all()
    assert a.runs["profit"].nunique() == 3          # replications differ
    b = loopsim.replicate(sc, n=4, seed=7)
    pd.testing.assert_frame_equal(a.runs, b.runs.iloc[:3])   # adding replications keeps earlier ones


def test_identical_with_two_workers():
    sc = small()
    one = loopsim.replicate(sc, n=3, seed=3, workers=1)
    two = loopsim.replicate(sc, n=3, seed=3, workers=2)
    pd.testing.assert_frame_equal(one.runs, two.runs)


def test_summary_interval_covers_known_clv():
    sc = loopsim.load_scenario(ROOT / "scenarios" / "validation" / "clv_constant_retention.toml",
                               {"market.initial_customers": 400})
    exp = loopsim.replicate(sc, n=12, seed=1)
    s = exp.summary()
    row = s.loc["clv_mean"]
    assert row["ci_low"] <= theory.clv_constant_retention(100, 0.8, 0.1) <= row["ci_high"]
    boot = exp.summary(method="bootstrap").loc["clv_mean"]
    assert boot["ci_low"] < boot["mean"] < boot["ci_high"]
    assert np.isclose(row["mean"], exp.runs["clv_mean"].mean())


def test_parameter_uncertainty_draws_feed_replicate():
    from loopsim.calibrate import calibrate, cdnow_sample_path, read_transactions

    cal = calibrate(read_transactions(cdnow_sample_path()), model="bgnbd", calibration_end="1997-09-30")
    base = loopsim.load_scenario(ROOT / "scenarios" / "calibrated" / "cdnow_base.toml",
                                 {"market.initial_customers": 300, "time.horizon_days": 120})
    draws = cal.scenario_draws(base, 4, seed=5)
    exp = loopsim.replicate(draws, seed=2)
    assert len(exp.runs) == 4 and exp.runs["scenario_hash"].nunique() == 4
    fixed = loopsim.replicate(base, n=4, seed=2)
    # same seeds, different population parameters per replication
    assert not np.allclose(exp.runs["purchases"], fixed.runs["purchases"])


# ---------------------------------------------------------------------------- experiments (issue 5)
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from loopsim.errors import LoopsimError  # noqa: E402
from loopsim.experiment import compare, latin_hypercube, sobol, sweep  # noqa: E402


def punch(sc, stamps=1):
    return sc.with_overrides({"policies": [{"type": "punch_card", "stamps_required": stamps}]})


def test_runs_table_has_provenance_columns():
    sc = small()
    runs = loopsim.replicate(sc, n=2, seed=11).runs
    for c in ("replication", "seed", "spawn_key", "scenario_hash", "loopsim_version", "profit", "retention_rate"):
        assert c in runs.columns
    assert list(runs["spawn_key"]) == ["0", "1"] and (runs["seed"] == 11).all()
    # replication i is SeedSequence(seed).spawn(n)[i], whatever n is
    direct = loopsim.simulate(sc, seed=np.random.SeedSequence(11).spawn(5)[1]).summary["profit"]
    assert runs["profit"].iloc[1] == direct


def test_any_executor_gives_identical_results():
    sc = small()
    one = loopsim.replicate(sc, n=4, seed=5)
    with ThreadPoolExecutor(3) as ex:
        other = loopsim.replicate(sc, n=4, seed=5, executor=ex)
    pd.testing.assert_frame_equal(one.runs, other.runs)


def test_crn_paired_differences_have_lower_variance():
    """On the bundled points-vs-baseline pair (smaller market, shorter horizon)."""
    sc = small()
    over = {"time.horizon_days": 90, "market.initial_customers": 150, "market.marketing_budget_per_day": 20}
    designs = {"base": sc.with_overrides({"time.horizon_days": 90}),
               "points": loopsim.load_scenario(ROOT / "scenarios" / "retailer_points.toml", over)}
    sc = designs["base"]
    crn = compare(designs, n=12, seed=3)
    ind = compare(designs, n=12, seed=3, crn=False)
    # with CRN the reference design saw exactly the same seeds as replicate()
    pd.testing.assert_series_equal(
        crn.wide("profit")["base"].reset_index(drop=True),
        loopsim.replicate(sc, n=12, seed=3).runs["profit"], check_names=False)
    v_crn = crn.differences("profit")["points"].var()
    v_ind = ind.differences("profit")["points"].var()
    assert v_crn < v_ind / 3, (v_crn, v_ind)
    # independent streams really are independent: the base runs differ from the punch runs' seeds
    assert ind.runs.groupby("design")["spawn_key"].first().nunique() == 2


def test_comparison_table_and_p_better():
    sc = small()
    cmp = compare({"base": sc, "punch": punch(sc)}, n=8, seed=1)
    tab = cmp.table(["profit", "retention_rate", "reward_cost"])
    assert set(tab.columns) >= {"design", "metric", "mean", "ci_low", "ci_high", "diff", "diff_ci_low",
                                "diff_ci_high", "p_better"}
    assert len(tab) == 6
    ref = tab[tab["design"] == "base"]
    assert ref["diff"].isna().all() and ref["p_better"].isna().all()
    row = tab[(tab["design"] == "punch") & (tab["metric"] == "profit")].iloc[0]
    d = cmp.differences("profit")["punch"]
    assert np.isclose(row["diff"], d.mean())
    assert np.isclose(row["p_better"], (d > 0).mean() + 0.5 * (d == 0).mean())
    assert row["diff_ci_low"] <= row["diff"] <= row["diff_ci_high"]
    cost = tab[(tab["design"] == "punch") & (tab["metric"] == "reward_cost")].iloc[0]
    assert cost["diff"] > 0 and cost["p_better"] == 0.0     # costs: lower is better
    with pytest.raises(LoopsimError):
        compare({"base": sc}, n=2, seed=1, reference="nope")


def test_adaptive_precision_adds_replications_without_changing_earlier_ones():
    sc = small()
    exp = loopsim.replicate(sc, n=4, seed=2, precision=0.008, metric="profit", max_reps=60)
    assert exp.converged is True and exp.n > 4
    hw = stats.t.ppf(0.975, exp.n - 1) * exp.runs["profit"].std() / np.sqrt(exp.n)
    assert hw <= 0.008 * abs(exp.runs["profit"].mean())
    fixed = loopsim.replicate(sc, n=exp.n, seed=2)
    pd.testing.assert_frame_equal(exp.runs, fixed.runs)
    capped = loopsim.replicate(sc, n=3, seed=2, precision=1e-6, max_reps=6)
    assert capped.converged is False and capped.n == 6
    cmp = compare({"base": sc, "punch": punch(sc)}, n=4, seed=2, precision=0.01, max_reps=40)
    d = cmp.differences("profit")["punch"]
    hw_d = stats.t.ppf(0.975, cmp.n - 1) * d.std() / np.sqrt(cmp.n)
    assert cmp.converged is True and cmp.n > 4
    assert hw_d <= 0.01 * abs(cmp.wide("profit")["base"].mean())
    pd.testing.assert_frame_equal(cmp.runs, compare({"base": sc, "punch": punch(sc)}, n=cmp.n, seed=2).runs)


def test_sweep_grid_one_row_per_point_and_replication():
    sc = small()
    grid = {"market.marketing_budget_per_day": [10, 30], "economics.gross_margin_rate": [0.3, 0.4, 0.5]}
    df = sweep(sc, grid=grid, n=2, seed=4)
    assert len(df) == 6 * 2
    assert list(df.columns[:3]) == ["point", "market.marketing_budget_per_day", "economics.gross_margin_rate"]
    assert not df.duplicated(["point", "replication"]).any()
    assert df.groupby("point").size().eq(2).all()
    combos = df[["market.marketing_budget_per_day", "economics.gross_margin_rate"]].drop_duplicates()
    assert len(combos) == 6
    # each point is the base scenario with those overrides; CRN: same seed for replication i
    row = df.iloc[3]
    sc_p = sc.with_overrides({"market.marketing_budget_per_day": int(row.iloc[1]),
                              "economics.gross_margin_rate": float(row.iloc[2])})
    assert row["scenario_hash"] == sc_p.hash
    assert df.groupby("replication")["spawn_key"].nunique().eq(1).all()
    # gross margin only rescales margin: higher margin, higher profit, same customers
    g = df.groupby(["market.marketing_budget_per_day", "economics.gross_margin_rate"])["profit"].mean()
    assert g.loc[(10, 0.5)] > g.loc[(10, 0.3)]


def test_latin_hypercube_and_random_designs():
    ranges = {"market.marketing_budget_per_day": (10.0, 30.0), "service.agents": (1, 4)}
    pts = latin_hypercube(ranges, 8, seed=1)
    x = pts["market.marketing_budget_per_day"]
    assert len(pts) == 8 and x.between(10, 30).all()
    # one point per stratum
    assert sorted(np.floor((x - 10) / 20 * 8).astype(int)) == list(range(8))
    assert pts["service.agents"].dtype.kind == "i" and pts["service.agents"].between(1, 4).all()
    sc = small()
    df = sweep(sc, design="random", ranges={"economics.gross_margin_rate": (0.3, 0.5)}, points=3, n=2, seed=1)
    assert len(df) == 6 and df["economics.gross_margin_rate"].between(0.3, 0.5).all()
    lhs = sweep(sc, design="lhs", ranges=ranges, points=3, n=1, seed=1)
    assert len(lhs) == 3 and {"market.marketing_budget_per_day", "service.agents"} <= set(lhs.columns)
    with pytest.raises(LoopsimError):
        sweep(sc, grid={"no.such.field": [1, 2]}, n=1)


def test_sobol_indices_find_the_influential_parameter():
    sc = small()
    res = sobol(sc, {"economics.gross_margin_rate": (0.2, 0.6), "journey.winback.cost_per_attempt": (0.0, 1.0)},
                metric="profit", n=8, seed=1, bootstrap=0)
    ind = res.indices.set_index("parameter")
    assert len(res.runs) == 8 * 4
    margin, winback = ind.loc["economics.gross_margin_rate"], ind.loc["journey.winback.cost_per_attempt"]
    assert margin["total_order"] > 0.5 and margin["total_order"] > 5 * abs(winback["total_order"])


def test_ci_coverage_of_a_known_mean_is_close_to_95_percent():
    """Constant-retention CLV (closed form, truncated at the horizon): 100 experiments of 5
    replications each; the 95% t-interval of clv_mean should cover the true value ~95% of the time."""
    periods = 15
    sc = loopsim.load_scenario(ROOT / "scenarios" / "validation" / "clv_constant_retention.toml",
                               {"market.initial_customers": 30, "time.horizon_days": 365.0 * periods})
    truth = theory.clv_constant_retention(100, 0.8, 0.1) * (1 - (0.8 / 1.1) ** periods)
    k, reps = 100, 5
    x = loopsim.replicate(sc, n=k * reps, seed=2024, workers=2).runs["clv_mean"].to_numpy().reshape(k, reps)
    mean, se = x.mean(axis=1), x.std(axis=1, ddof=1) / np.sqrt(reps)
    half = stats.t.ppf(0.975, reps - 1) * se
    coverage = np.mean(np.abs(mean - truth) <= half)
    assert 0.88 <= coverage <= 0.995, coverage


def test_cli_compare_and_sweep(tmp_path, capsys):
    from loopsim.cli import main

    base = ROOT / "scenarios" / "baseline.toml"
    sets = ["--set", "time.horizon_days=40", "--set", "market.initial_customers=150"]
    main(["compare", str(base), str(ROOT / "scenarios" / "personalisation_segment.toml"), "--reps", "4",
          *sets, "--out", str(tmp_path / "cmp")])
    out = capsys.readouterr().out
    assert "P(better)" in out and "profit" in out and "retention_rate" in out
    assert (tmp_path / "cmp" / "summary.json").exists() and (tmp_path / "cmp" / "comparison").is_dir()
    runs = pd.read_parquet(tmp_path / "cmp" / "runs")
    assert len(runs) == 8 and set(runs["design"]) == {"baseline", "personalisation_segment"}
    main(["sweep", str(base), "--grid", "economics.gross_margin_rate=0.3,0.5", "--reps", "2", *sets,
          "--out", str(tmp_path / "sw")])
    df = pd.read_parquet(tmp_path / "sw" / "runs")
    assert len(df) == 4 and "economics.gross_margin_rate" in df.columns
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(base)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(base), "--lhs", "economics.gross_margin_rate=0.5"])
    assert exc.value.code == 2


def test_intervals_stay_in_the_range_a_metric_can_take():
    from loopsim.experiment import Experiment
    from loopsim.metrics import metric_bounds

    runs = pd.DataFrame({"replication": range(4), "mean_service_wait_days": [0.0, 0.0, 0.0, 0.4],
                         "retention_rate": [0.99, 1.0, 1.0, 0.9], "profit": [-5.0, 0.0, 0.0, 1.0]})
    s = Experiment(scenario=small(), seed=0, runs=runs).summary()
    assert s.loc["mean_service_wait_days", "ci_low"] == 0.0 < s.loc["mean_service_wait_days", "ci_high"]
    assert s.loc["retention_rate", "ci_high"] == 1.0
    assert s.loc["profit", "ci_low"] < -3.0          # unbounded metrics keep the plain t-interval
    assert metric_bounds("nps") == (-100.0, 100.0)
    # every built-in count, cost and share, not only the core ones; a custom policy's metric is free
    assert metric_bounds("service_contacts_open_at_end") == (0.0, math.inf)
    assert metric_bounds("tier_gold_at_end") == metric_bounds("winback_cost") == (0.0, math.inf)
    assert metric_bounds("service_phone_resolution_rate") == metric_bounds("breakage_rate") == (0.0, 1.0)
    assert metric_bounds("clv_mean") == metric_bounds("my_policy_balance") == (-math.inf, math.inf)
    runs = pd.DataFrame({"replication": range(4), "service_contacts_open_at_end": [0.0, 0.0, 0.0, 1.0]})
    s = Experiment(scenario=small(), seed=0, runs=runs).summary()
    assert s.loc["service_contacts_open_at_end", "ci_low"] == 0.0


@pytest.mark.skipif(not hasattr(__import__("signal"), "pthread_sigmask"), reason="signal masks are POSIX")
def test_local_workers_are_born_with_sigint_blocked():
    """A Ctrl-C that reaches a worker while it is still importing must not kill it with a
    traceback: the experiment's local workers start with SIGINT blocked (then ignore it)."""
    import signal

    from loopsim.experiment import Runner

    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with Runner(workers=2, progress=False) as runner:
        ex = runner._get_executor(njobs=2)
        blocked = ex.submit(signal.pthread_sigmask, signal.SIG_BLOCK, []).result()
        handler = ex.submit(signal.getsignal, signal.SIGINT).result()
    assert signal.SIGINT in blocked and handler == signal.SIG_IGN
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # parent unchanged


def test_interrupting_local_workers_leaves_no_thread_traceback(monkeypatch):
    """Ctrl-C mid-experiment stops the local workers at once. The process pool's manager thread
    then marks the runs in flight as broken; none of its futures may be cancelled first, or on
    Python < 3.12 that thread dies with InvalidStateError and prints a traceback under the
    CLI's one-line message (seen in CI; 13 of 15 interrupts did it before the fix)."""
    import threading

    from loopsim.errors import ExperimentInterrupted
    from loopsim.experiment import Runner

    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda a: errors.append(a.exc_value))
    finish = Runner._finish
    for trial in range(4):
        seen = {"n": 0}

        def interrupt_after_two(self, job, result, seen=seen):
            seen["n"] += 1
            if seen["n"] > 2:
                raise KeyboardInterrupt
            return finish(self, job, result)

        monkeypatch.setattr(Runner, "_finish", interrupt_after_two)
        with pytest.raises(ExperimentInterrupted, match="interrupted after 2 of 24 runs"):
            sweep(small(), grid={"economics.gross_margin_rate": [0.3, 0.4, 0.5, 0.6]}, n=6,
                  seed=trial, workers=2, progress=False)
        for t in threading.enumerate():
            if type(t).__name__ == "_ExecutorManagerThread":
                t.join(timeout=30)
    assert errors == []


def test_unguarded_script_with_workers_gets_a_clear_error(tmp_path):
    """Spawned workers import the calling script; without a ``__main__`` guard they fail at
    start-up and the pool breaks. The caller is told what to do, not just 'BrokenProcessPool'."""
    import subprocess
    import sys

    script = tmp_path / "study.py"
    script.write_text(
        "import loopsim\n"
        f"sc = loopsim.load_scenario({str(ROOT / 'scenarios' / 'baseline.toml')!r},\n"
        "                           {'time.horizon_days': 30, 'market.initial_customers': 100})\n"
        "loopsim.replicate(sc, n=4, seed=1, workers=2)\n")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert res.returncode != 0
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("loopsim.errors.LoopsimError: a worker process stopped"), last
    assert 'if __name__ == "__main__":' in last
