"""Distributions: moments, quantile functions and the fast scalar path agree."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from loopsim.dists import Distribution, scalar_ppf

CASES = [
    {"dist": "fixed", "value": 2.5},
    {"dist": "exponential", "mean": 3.0},
    {"dist": "gamma", "shape": 2.0, "rate": 0.5},
    {"dist": "beta", "a": 2.0, "b": 5.0},
    {"dist": "uniform", "low": 1.0, "high": 4.0},
    {"dist": "lognormal", "mean": 10.0, "cv": 0.5},
    {"dist": "normal", "mean": 5.0, "sd": 2.0},
    {"dist": "erlang", "k": 3, "mean": 6.0},
]
TA = TypeAdapter(Distribution)


@pytest.mark.parametrize("spec", CASES, ids=[c["dist"] for c in CASES])
def test_sampling_matches_moments(spec):
    d = TA.validate_python(spec)
    x = d.sample(np.random.default_rng(0), 200_000)
    assert x.mean() == pytest.approx(d.mean, rel=0.02, abs=1e-9)
    assert x.var() == pytest.approx(d.variance, rel=0.05, abs=1e-9)


@pytest.mark.parametrize("spec", CASES, ids=[c["dist"] for c in CASES])
def test_scalar_ppf_matches_vector_ppf(spec):
    d = TA.validate_python(spec)
    f = scalar_ppf(d)
    for u in (0.01, 0.3, 0.5, 0.9, 0.999):
        assert f(u) == pytest.approx(float(d.ppf(np.array([u]))[0]), rel=1e-9)


def test_unknown_and_invalid():
    with pytest.raises(ValidationError):
        TA.validate_python({"dist": "poisson", "mean": 1})
    with pytest.raises(ValidationError):
        TA.validate_python({"dist": "gamma", "shape": -1, "rate": 1})
    with pytest.raises(ValidationError):
        TA.validate_python({"dist": "uniform", "low": 2, "high": 1})
