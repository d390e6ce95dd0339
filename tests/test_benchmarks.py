"""The benchmark scripts measure what they say: loopsim's benchmark scenario is the same model as
the plain-SimPy reference (speed itself is measured by ``benchmarks/``, never by a test)."""

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
    ls = bench_engine._child("loopsim", n, agents=2)
    # purchases per customer-year: ~ Poisson, 180k of them -> relative sd ~0.3%
    assert abs(ls["purchases"] / ref["purchases"] - 1.0) < 0.02, (ls, ref)
    # 5% dropout after each purchase, over the same purchases
    assert abs(ls["churned"] / ref["churned"] - 1.0) < 0.04, (ls, ref)
