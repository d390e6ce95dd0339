"""Metric declarations: one declaration per metric, the lists and ranges derived from them, and
policies declaring their own metrics."""

from __future__ import annotations

import math
from typing import ClassVar

import pytest

import loopsim
from loopsim import docgen
from loopsim.metrics import (
    BUILTIN,
    CORE_METRICS,
    NONNEGATIVE_METRICS,
    POLICY_METRICS,
    SIGNED_METRICS,
    Metric,
    declared_metrics,
    find_metric,
    is_builtin_metric,
    is_policy_metric,
    metric_bounds,
)
from loopsim.scenario import POLICY_REGISTRY, PolicyParams, register_policy

#: The contracted summary metrics, in order (DESIGN.md, "Python API contract").
CONTRACT = ("customers_acquired", "active_at_end", "retention_rate", "churned", "purchases",
            "repeat_purchase_rate", "revenue", "gross_margin", "reward_cost", "acquisition_cost",
            "service_cost", "personalisation_cost", "profit", "profit_discounted", "clv_mean", "nps",
            "points_liability", "mean_service_wait_days")


def test_metric_is_exported_and_takes_the_documented_fields_in_order():
    m = loopsim.Metric("my_balance", "currency", (0, 10), "higher", "a balance")
    assert (m.name, m.unit, m.bounds, m.better, m.doc) == ("my_balance", "currency", (0.0, 10.0),
                                                           "higher", "a balance")


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"better": "more"}, "better must be 'higher', 'lower' or None"),
    ({"bounds": (1.0, 0.0)}, "low <= high"),
    ({"name": "Bad Name"}, "lower-case letters"),
])
def test_a_bad_declaration_is_refused_with_the_field(kwargs, words):
    args = {"name": "x_total", "unit": "count", **kwargs}
    with pytest.raises(ValueError, match=words):
        Metric(**args)


def test_a_configured_part_of_a_name_matches_any_text_but_nothing_else():
    m = Metric("tier_<tier>_at_end", "customers")
    assert m.is_pattern
    assert m.matches("tier_gold_at_end") and m.matches("tier_Gold Plus_at_end")
    assert not m.matches("tier_upgrades") and not m.matches("tier__at_end")
    assert not Metric("profit", "currency").matches("profit_discounted")


def test_every_metric_is_declared_once_and_the_lists_derive_from_the_declarations():
    names = [m.name for m in BUILTIN] + [m.name for ms in POLICY_METRICS.values() for m in ms]
    assert len(names) == len(set(names))
    assert CORE_METRICS == CONTRACT
    assert set(SIGNED_METRICS) == {"profit", "profit_discounted", "clv_mean", "ltv_cac"}
    assert set(NONNEGATIVE_METRICS) == set(CONTRACT) - set(SIGNED_METRICS) - {
        "retention_rate", "repeat_purchase_rate", "nps"}
    for m in BUILTIN:
        assert m.doc and m.unit and m.group in ("Customers", "Money", "Service"), m


def test_ranges_and_directions_come_from_the_declaration():
    assert metric_bounds("nps") == (-100.0, 100.0)
    assert metric_bounds("service_self_service_utilisation") == (0.0, 1.0)
    assert metric_bounds("funnel_awareness") == (0.0, math.inf)
    assert find_metric("mean_service_wait_days").better == "lower"
    assert find_metric("profit").better == "higher"
    assert find_metric("nothing_declares_this") is None
    assert metric_bounds("nothing_declares_this") == (-math.inf, math.inf)
    assert not is_builtin_metric("nothing_declares_this")


class _Params(PolicyParams):
    type: str = "test_declared_metrics"


class _DeclaringPolicy:
    type_name: ClassVar[str] = "test_declared_metrics"
    Params: ClassVar[type] = _Params
    metrics: ClassVar[tuple[Metric, ...]] = (
        Metric("test_balance", "currency", (0.0, 50.0), "higher", "the test policy's balance"),
        Metric("test_<thing>_count", "things", better="lower", doc="per configured thing"),
    )


@pytest.fixture
def declaring_policy():
    register_policy(_DeclaringPolicy)
    yield _DeclaringPolicy
    POLICY_REGISTRY.pop(_DeclaringPolicy.type_name, None)


def test_a_custom_policy_declares_its_metrics_for_ranges_and_docs(declaring_policy):
    assert metric_bounds("test_balance") == (0.0, 50.0)
    assert metric_bounds("test_widgets_count") == (0.0, math.inf)
    assert find_metric("test_widgets_count").better == "lower"
    # a custom policy's metric is declared, but it is not one loopsim itself reports
    assert not is_builtin_metric("test_balance")
    assert is_policy_metric("test_balance") and is_policy_metric("test_widgets_count")
    doc = docgen.render_metrics()
    assert "| `test_declared_metrics` | `test_balance` | currency | 0..50 | higher |" in doc


def test_without_the_declaration_a_custom_metric_is_unbounded():
    assert metric_bounds("test_balance") == (-math.inf, math.inf)


def test_a_policy_declaration_wins_over_the_table_and_must_hold_metrics():
    class Points:   # stands in for the built-in points policy once it declares its metrics
        type_name = "points"

    Points.__module__ = "loopsim.policies.rewards.points"
    assert declared_metrics(Points) == POLICY_METRICS["points"]
    Points.metrics = (Metric("points_earned", "points", doc="points issued"),)
    assert declared_metrics(Points) == Points.metrics
    Points.metrics = ("points_earned",)
    with pytest.raises(TypeError, match="metrics must be loopsim.Metric objects"):
        declared_metrics(Points)


def test_custom_policies_without_a_declaration_get_nothing_from_the_builtin_table():
    class Points:
        type_name = "points"

    Points.__module__ = "thirdparty.points"
    assert declared_metrics(Points) == ()


def test_every_builtin_policy_declares_its_metrics_exactly_one_way():
    from loopsim.scenario import policy_types

    builtin = {name: cls for name, cls in policy_types().items() if cls.__module__.startswith("loopsim.")}
    assert set(POLICY_METRICS) <= set(builtin)
    for name, cls in builtin.items():
        own = "metrics" in vars(cls)
        # a policy that carries its own declaration has no entry left in the table (declared once)
        assert own != (name in POLICY_METRICS), name
        assert declared_metrics(cls), name


def test_policy_metrics_are_told_from_the_engines_by_their_declarations():
    assert is_policy_metric("punch_card_redemptions") and is_policy_metric("tier_gold_at_end")
    assert is_policy_metric("breakage_rate") and is_policy_metric("undeclared_custom_metric")
    assert not is_policy_metric("profit") and not is_policy_metric("service_phone_contacts")
    assert not is_policy_metric("funnel_intent") and not is_policy_metric("points_liability")
