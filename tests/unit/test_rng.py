"""Counter-based random streams: uniformity, independence, CRN properties."""

from __future__ import annotations

import numpy as np
from scipy import stats

from loopsim import rng


def test_scalar_and_vectorised_streams_agree():
    s = rng.Streams(42)
    ids = np.arange(100)
    vec = s.trait_uniforms(ids, 3)
    for i in (0, 17, 99):
        assert rng.uniform(rng.customer_key(s.root_key, i, rng.Purpose.TRAITS), 3) == vec[i]


def test_uniform2_is_uniform_and_uncorrelated():
    key = rng.customer_key(123, 7, rng.Purpose.PURCHASE)
    u = np.array([rng.uniform2(key, n) for n in range(20000)])
    for col in (0, 1):
        assert stats.kstest(u[:, col], "uniform").pvalue > 0.001
        assert u[:, col].min() > 0 and u[:, col].max() < 1
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.03
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.03


def test_streams_differ_by_customer_purpose_and_seed():
    a = rng.Streams(1)
    b = rng.Streams(2)
    ka = rng.customer_key(a.root_key, 5, rng.Purpose.CHURN)
    assert ka != rng.customer_key(a.root_key, 6, rng.Purpose.CHURN)
    assert ka != rng.customer_key(a.root_key, 5, rng.Purpose.PURCHASE)
    assert ka != rng.customer_key(b.root_key, 5, rng.Purpose.CHURN)


def test_named_generators_are_reproducible_and_distinct():
    s = rng.Streams(9)
    assert s.generator("market").random() == rng.Streams(9).generator("market").random()
    assert s.generator("market").random() != s.generator("other").random()


def test_spawned_seeds_are_independent_and_stable():
    a = rng.spawn_seeds(5, 3)
    b = rng.spawn_seeds(5, 4)
    assert [rng.Streams(x).root_key for x in a] == [rng.Streams(x).root_key for x in b[:3]]
    assert len({rng.Streams(x).root_key for x in b}) == 4
