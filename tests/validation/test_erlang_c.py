"""The service desk as an M/M/c queue: mean wait in queue against Erlang C.

A fixed, churn-free population buying as Poisson processes, with a fixed contact probability per
purchase, sends a Poisson stream of contacts (lambda = customers x rate x probability) to ``c``
agents with exponential handling (mu = 1 / mean) and no balking or patience (scenario
``scenarios/validation/mm_c.toml``). Over independent replications, the mean wait in queue of the
contacts arriving after the warm-up (and before a cool-down at the end, so contacts still waiting
at the horizon cannot bias the mean) must contain Erlang C's Wq in its 95% CI (Bonferroni over the
checks of this module). Source: Erlang (1917); the formula is in :mod:`loopsim.theory`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import loopsim
from loopsim.theory import erlang_c_probability_wait, erlang_c_wait

from .conftest import mean_ci

RATE, PROB = 0.02, 0.1          # purchases/day per customer, contacts per purchase
CHECKS = 7                      # Wq checks in this module (2 named + 3 more + 2 hypothesis examples)


def simulate_mmc(load, c: int, customers: int, mu: float, reps: int, contacts: int = 4000,
                 seed: int = 1) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-replication mean wait in queue and share who waited; and lambda."""
    lam = customers * RATE * PROB
    rho = lam / (c * mu)
    relax = (1.0 / mu) / (1.0 - rho)           # a few of these make the start/end effects vanish
    warmup = 20.0 * relax
    horizon = warmup + max(contacts / lam, 50.0 * relax) + 20.0 * relax
    sc = load("mm_c", **{
        "market.initial_customers": customers,
        "population.segments.0.purchase_rate.value": RATE,
        "service.contact_probability": PROB,
        "service.agents": c,
        "service.handling_time.mean": 1.0 / mu,
        "time.horizon_days": horizon,
        "service.warmup_days": warmup,
    })
    cool = horizon - 20.0 * relax
    waits, p_wait = [], []
    for r in range(reps):
        run = loopsim.simulate(sc, seed=seed * 1000 + r)
        df = run.contacts
        df = df[(df["arrived"] >= warmup) & (df["arrived"] < cool)]
        assert (df["outcome"] == "served").all()
        waits.append(df["wait"].mean())
        p_wait.append((df["wait"] > 0).mean())
    return np.asarray(waits), np.asarray(p_wait), lam


@pytest.mark.parametrize(("c", "customers", "mu", "reps"), [
    (3, 100, 0.1, 12),          # lambda = 0.2: the textbook case, Wq = 4.444
    (10, 1000, 1.0 / 3.0, 12),  # lambda = 2:   Wq = 0.0760
    (1, 250, 1.0, 8),           # M/M/1, lambda = 0.5: Wq = 1
    (5, 600, 0.3, 8),           # lambda = 1.2, rho = 0.8: Wq = 1.84
    (2, 400, 2.0, 8),           # lambda = 0.8, fast service: Wq = 0.0208
])
def test_mean_wait_matches_erlang_c(validation_scenario, c, customers, mu, reps):
    waits, p_wait, lam = simulate_mmc(validation_scenario, c, customers, mu, reps)
    wq = erlang_c_wait(c, lam, mu)
    m, h = mean_ci(waits, CHECKS)
    print(f"c={c} lambda={lam:g} mu={mu:g}: simulated Wq {m:.4f} +- {h:.4f}, Erlang C {wq:.4f}")
    assert abs(m - wq) <= h, f"simulated Wq {m:.4f} +- {h:.4f} vs Erlang C {wq:.4f}"
    # the probability of waiting matches too
    pm, ph = mean_ci(p_wait, CHECKS)
    assert abs(pm - erlang_c_probability_wait(c, lam, mu)) <= ph
    # and the check has power: one agent more (or less) is rejected
    assert abs(m - erlang_c_wait(c + 1, lam, mu)) > h
    if lam < (c - 1) * mu:
        assert abs(m - erlang_c_wait(c - 1, lam, mu)) > h


@settings(max_examples=2, deadline=None, derandomize=True, database=None)
@given(c=st.integers(1, 6), customers=st.integers(50, 600), rho=st.floats(0.3, 0.8))
def test_mean_wait_matches_erlang_c_random_parameters(c, customers, rho):
    lam = customers * RATE * PROB
    mu = lam / (c * rho)
    load = lambda name, **o: loopsim.load_scenario(_scen(name), o)  # noqa: E731
    waits, _, _ = simulate_mmc(load, c, customers, mu, reps=8, contacts=3000, seed=7)
    m, h = mean_ci(waits, CHECKS)
    wq = erlang_c_wait(c, lam, mu)
    assert abs(m - wq) <= h, f"c={c} lambda={lam:g} mu={mu:g}: {m:.4f} +- {h:.4f} vs {wq:.4f}"


def _scen(name):
    from .conftest import SCENARIOS

    return SCENARIOS / f"{name}.toml"


def test_erlang_c_formula_known_values():
    assert erlang_c_wait(3, 0.2, 0.1) == pytest.approx(4.4444, abs=1e-4)
    assert erlang_c_wait(10, 2.0, 1.0 / 3.0) == pytest.approx(0.0760, abs=1e-4)
    assert erlang_c_wait(1, 0.5, 1.0) == pytest.approx(1.0)          # M/M/1: rho / (mu - lambda)
    assert erlang_c_probability_wait(1, 0.5, 1.0) == pytest.approx(0.5)
    assert math.isclose(erlang_c_probability_wait(2, 1.0, 1.0), 1.0 / 3.0)
    with pytest.raises(ValueError):
        erlang_c_wait(2, 2.0, 1.0)
