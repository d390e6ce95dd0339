"""Parameters, objectives and constraints: parsing and checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import loopsim
from loopsim.errors import LoopsimError
from loopsim.optimise.objective import make_objectives, parse_constraint
from loopsim.optimise.space import check_space, from_mapping, parse_param

from .known import MM_C


def test_param_specs():
    p = parse_param("service.agents=1:5")
    assert (p.kind, p.low, p.high) == ("int", 1, 5)
    assert parse_param("market.cost_per_aware=0.5:3").kind == "float"
    lg = parse_param("market.cost_per_aware=0.1:10:log")
    assert (lg.kind, lg.low, lg.high) == ("log", 0.1, 10)
    assert parse_param("service.agents=2:6:int").kind == "int"
    ch = parse_param("policies.points.expiry=fixed,rolling")
    assert (ch.kind, ch.choices) == ("choice", ("fixed", "rolling"))
    assert parse_param("service.agents=1,2,4").choices == (1, 2, 4)
    assert from_mapping({"a.b": (1, 3, "log"), "c.d": [1, 2]})[0].kind == "log"


@pytest.mark.parametrize("spec, words", [
    ("service.agents=5:1", "empty or inverted range"),
    ("service.agents=3:3", "empty or inverted range"),
    ("service.agents=1:x", "must be numbers"),
    ("service.agents=1:nan", "finite"),
    ("market.cost_per_aware=0:1:log", "LOW > 0"),
    ("service.agents=1.5:3:int", "whole-number"),
    ("service.agents=1:3:cubic", "unknown scale"),
    ("service.agents=", "no range or values"),
    ("service.agents", "needs PATH=LOW:HIGH"),
    ("service.agents=1,,2", "empty value"),
    ("service.agents=1,1", "listed twice"),
    ("policies.points.expiry=fixed,3", "all numbers, all strings"),
])
def test_bad_param_specs(spec, words):
    with pytest.raises(LoopsimError, match=words):
        parse_param(spec)


def test_space_is_checked_against_the_scenario():
    sc = loopsim.load_scenario(MM_C)
    with pytest.raises(LoopsimError, match="service.agentz"):
        check_space([parse_param("service.agentz=1:3")], sc)
    with pytest.raises(LoopsimError, match="greater than or equal to 0"):
        check_space([parse_param("service.agents=-2:3")], sc)
    with pytest.raises(LoopsimError, match="given twice"):
        check_space([parse_param("service.agents=1:3"), parse_param("service.agents=2:4")], sc)
    check_space([parse_param("service.agents=1:3")], sc)


def test_objectives_and_directions():
    (o,) = make_objectives("profit", None)
    assert o.direction == "maximize"
    assert make_objectives("mean_service_wait_days", None)[0].direction == "minimize"
    assert make_objectives("service_cost", None)[0].direction == "minimize"
    (e,) = make_objectives("service_cost + 2 * mean_service_wait_days * service_contacts", "minimize")
    assert sorted(e.metrics) == ["mean_service_wait_days", "service_contacts", "service_cost"]
    v = e.values([{"service_cost": 10.0, "mean_service_wait_days": 0.5, "service_contacts": 4.0}])
    assert v.tolist() == [14.0]
    assert np.isnan(make_objectives("profit / churned", "maximize")[0].values([{"profit": 1.0, "churned": 0.0}])[0])
    with pytest.raises(LoopsimError, match="needs --direction"):
        make_objectives("profit - service_cost", None)
    with pytest.raises(LoopsimError, match="not a loopsim metric"):
        make_objectives("proft", None)
    with pytest.raises(LoopsimError, match="only metric names"):
        make_objectives("__import__('os')", "maximize")
    with pytest.raises(LoopsimError, match="one per objective"):
        make_objectives(["profit", "retention_rate"], ["maximize"])


def test_constraints():
    c = parse_constraint("retention_rate >= 0.85")
    assert (c.metric, c.op, c.bound) == ("retention_rate", ">=", 0.85)
    assert c.violation(0.9) < 0 < c.violation(0.8)
    assert c.violation(math.nan) == math.inf
    assert parse_constraint("programme_cost<=50000").violation(60000) == 10000
    with pytest.raises(LoopsimError, match="not a loopsim metric"):
        parse_constraint("retension_rate>=0.8")
    with pytest.raises(LoopsimError, match="METRIC>=X"):
        parse_constraint("retention_rate > 0.8")
    with pytest.raises(LoopsimError, match="finite"):
        parse_constraint("profit>=inf")
    budget = parse_constraint("reward_cost + programme_cost <= 50000")
    assert str(budget) == "reward_cost + programme_cost<=50000"
    runs = [{"reward_cost": 30000.0, "programme_cost": 25000.0}, {"reward_cost": 20000.0, "programme_cost": 20000.0}]
    assert budget.value(runs) == 47500.0 and budget.violation(budget.value(runs)) == -2500.0
    with pytest.raises(LoopsimError, match="'programe_cost' is not a loopsim metric"):
        parse_constraint("reward_cost + programe_cost <= 50000")
    with pytest.raises(LoopsimError, match="left side must be a metric"):
        parse_constraint("profit >= 1 >= 0")
