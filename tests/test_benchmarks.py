"""The benchmark scripts measure what they say: loopsim's benchmark scenario is the same model as
the plain-SimPy reference, the desk row is under the load it claims, and the engine benchmark
runs end to end (speed itself is measured by ``benchmarks/``, never by a test)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_engine  # noqa: E402


def test_engine_benchmark_models_do_the_same_work():
    """Same customers, same purchases and dropouts (to sampling error): a speed ratio between them
    compares engines, not models."""
    n = 20_000
    ref = bench_engine._child("reference", n, agents=2)
    ls = bench_engine._child("compiled", n, agents=2)
    # purchases per customer-year: ~ Poisson, 180k of them -> relative sd ~0.3%
    assert abs(ls["purchases"] / ref["purchases"] - 1.0) < 0.02, (ls, ref)
    # 5% dropout after each purchase, over the same purchases
    assert abs(ls["churned"] / ref["churned"] - 1.0) < 0.04, (ls, ref)


def test_desk_row_is_under_real_load():
    """The loaded-desk row's agents and contact probability give a utilisation of 0.6-0.85 (read
    from the run's summary), and the reference gets the same extra contacts."""
    n = 20_000
    agents = bench_engine.agents_for(n, 10)
    ls = bench_engine._child("compiled", n, agents, contact_p=bench_engine.LOADED_CONTACT_P)
    assert 0.6 <= ls["utilisation"] <= 0.85, ls
    plain = bench_engine._child("compiled", n, agents)
    assert ls["utilisation"] > 1.3 * plain["utilisation"], (ls, plain)


def test_benchmark_runs_end_to_end(monkeypatch, capsys):
    """Every row of a tiny run is measured (none 'not run') and every check is printed; the
    measurements run in this process (``measure`` is the subprocess wrapper of ``_child``)."""
    def in_process(model, n, agents, days=365.0, contact_p=0.10, scenario=None):
        return bench_engine._child(model, n, agents, days, contact_p, scenario)

    monkeypatch.setattr(bench_engine, "measure", in_process)
    bench_engine.main(["--quick", "--sizes", "500,1000", "--n", "1000", "--no-startup"])
    out = capsys.readouterr().out
    assert "not run" not in out, out
    for label in ("scale 500", "scale 1,000", "python engine", "card behaviour on",
                  "desk under load", "horizon 730 days"):
        assert label in out, (label, out)
    for check in ("compiled / reference at 1,000 customers", "microseconds per customer-year",
                  "horizon: 1,000 customers x 730 days", "python engine:", "card behaviour on:",
                  "desk under load: agent utilisation"):
        assert check in out, (check, out)


def test_measure_runs_a_child_process():
    """``measure`` gets its row from a fresh subprocess (its own peak memory)."""
    r = bench_engine.measure("reference", 300, agents=1, days=30.0)
    assert r["model"] == "reference" and r["n"] == 300 and r["purchases"] > 0, r
    assert r["peak_mb"] > 0 and r["seconds"] > 0
