"""Plain-SimPy reference model for the engine benchmark (one generator process per customer).

Each customer: wait an exponential inter-purchase time (mean 30 days); buy (spend 20); collect a
stamp on a 10-stamp card (a full card makes the next purchase free); with probability 0.1 open a
service contact that queues for one of ``agents`` agents (a ``simpy.Resource``; exponential
handling, mean 0.02 days); with probability 0.05 drop out. 365 days.

This is the straightforward way to write the model in SimPy, used as the yardstick for loopsim's
engine speed (``bench_engine.py``).
"""

from __future__ import annotations

import random

import simpy

MEAN_INTERPURCHASE = 30.0
STAMPS = 10
CONTACT_P = 0.10
DROPOUT_P = 0.05
HANDLING_MEAN = 0.02
SPEND = 20.0


class Stats:
    def __init__(self):
        self.purchases = 0
        self.revenue = 0.0
        self.rewards = 0
        self.contacts = 0
        self.wait = 0.0
        self.churned = 0


def contact(env, desk, rng, st):
    t = env.now
    with desk.request() as req:
        yield req
        st.wait += env.now - t
        st.contacts += 1
        yield env.timeout(rng.expovariate(1.0 / HANDLING_MEAN))


def customer(env, desk, rng, st):
    stamps = 0
    while True:
        yield env.timeout(rng.expovariate(1.0 / MEAN_INTERPURCHASE))
        st.purchases += 1
        if stamps >= STAMPS:
            stamps = 0
            st.rewards += 1
        else:
            stamps += 1
            st.revenue += SPEND
        if rng.random() < CONTACT_P:
            env.process(contact(env, desk, rng, st))
        if rng.random() < DROPOUT_P:
            st.churned += 1
            return


def run(n_customers: int, agents: int = 10, days: float = 365.0, seed: int = 1) -> Stats:
    """Simulate ``n_customers`` for ``days``; returns the counters."""
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    rng = random.Random(seed)
    st = Stats()
    for _ in range(n_customers):
        env.process(customer(env, desk, rng, st))
    env.run(until=days)
    return st
