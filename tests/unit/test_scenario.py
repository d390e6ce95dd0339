"""Scenario model: loading, extends, overrides, hash, validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import loopsim
from loopsim.errors import ScenarioError
from loopsim.scenario import parse_override, validate_scenario

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "baseline.toml"


def test_defaults_validate_and_are_frozen():
    sc = validate_scenario({"name": "x"})
    assert sc.schema_version == 1 and sc.time.horizon_days == 365
    with pytest.raises(ValidationError):
        sc.name = "y"  # frozen


def test_extends_merges_tables_and_replaces_arrays(tmp_path):
    (tmp_path / "base.toml").write_text(BASE.read_text())
    (tmp_path / "design.toml").write_text(
        'extends = "base.toml"\nname = "design"\n[market]\ncost_per_aware = 3.0\n'
        '[[policies]]\ntype = "punch_card"\nstamps_required = 8\n')
    base = loopsim.load_scenario(tmp_path / "base.toml")
    d = loopsim.load_scenario(tmp_path / "design.toml")
    assert d.name == "design" and d.market.cost_per_aware == 3.0
    # everything else in [market] is kept from the base
    assert d.market.marketing_budget_per_day == base.market.marketing_budget_per_day
    assert d.population == base.population
    assert [p.type for p in d.policies] == ["punch_card"] and d.policies[0].stamps_required == 8
    assert d.hash != base.hash


def test_hash_is_stable_and_sensitive():
    a, b = loopsim.load_scenario(BASE), loopsim.load_scenario(BASE)
    assert a.hash == b.hash and len(a.hash) == 16
    assert a.with_overrides({"service.agents": 2}).hash != a.hash
    # a no-op override keeps the hash
    assert a.with_overrides({"service.agents": a.service.agents}).hash == a.hash


def test_overrides_by_path_index_and_policy_type():
    sc = loopsim.load_scenario(BASE).with_overrides({"policies": [{"type": "punch_card"}]})
    sc2 = sc.with_overrides({"policies.punch_card.stamps_required": 6,
                             "population.segments.1.share": 0.3,
                             "rewards.punch_card.prefilled_stamps": 2})
    assert sc2.policies[0].stamps_required == 6 and sc2.policies[0].prefilled_stamps == 2
    with pytest.raises(ScenarioError, match="no entry with type or name 'points'"):
        sc.with_overrides({"policies.points.earn_rate": 1})
    with pytest.raises(ScenarioError, match="market.cost_per_aware"):
        sc.with_overrides({"market.cost_per_aware": 0})
    with pytest.raises(ScenarioError, match="index 5 out of range"):
        sc.with_overrides({"population.segments.5.share": 1})


def test_parse_override_reads_toml_values():
    assert parse_override("a.b=3") == ("a.b", 3)
    assert parse_override("a.b=0.5") == ("a.b", 0.5)
    assert parse_override("a.b=true") == ("a.b", True)
    assert parse_override('a.b="x y"') == ("a.b", "x y")
    assert parse_override("a.b=plain") == ("a.b", "plain")
    assert parse_override("a.b={ dist = \"fixed\", value = 2 }") == ("a.b", {"dist": "fixed", "value": 2})
    with pytest.raises(ScenarioError):
        parse_override("novalue")


def test_scenario_files_never_execute_code(tmp_path):
    p = tmp_path / "evil.toml"
    p.write_text('name = "__import__(\'os\').system(\'echo pwned\')"\n')
    sc = loopsim.load_scenario(p)
    assert sc.name.startswith("__import__")   # just a string


def test_loads_scenario_from_text():
    sc = loopsim.loads_scenario('name = "t"\n[market]\ninitial_customers = 3\n')
    assert sc.market.initial_customers == 3
    with pytest.raises(ScenarioError, match="malformed TOML"):
        loopsim.loads_scenario("name = ")


def test_to_dict_round_trips():
    sc = loopsim.load_scenario(BASE)
    assert validate_scenario(sc.to_dict()) == sc


# --------------------------------------------------------------------------- audit of bad input

SMALL = '[time]\nhorizon_days = 10\n[market]\ninitial_customers = 20\n'


def _small(tmp_path, text=SMALL, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _error(path, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        loopsim.load_scenario(path, overrides)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(("path", "value"), [
    ("time.horizon_days", float("inf")),
    ("time.horizon_days", float("nan")),
    ("market.organic_arrivals_per_day", float("inf")),
    ("market.word_of_mouth_per_promoter_per_day", float("inf")),
    ("economics.fixed_cost_per_day", float("inf")),
    ("market.cost_per_aware", float("inf")),
    ("journey.satisfaction.experience.sd", float("inf")),
    ("journey.satisfaction.experience.high", float("-inf")),
    ("population.segments.0.purchase_rate.value", float("nan")),
    ("policies.0.stamps_required", float("inf")),
    ("policies.0.operating_cost_per_day", float("-inf")),
    ("policies.0.behaviour.goal_gradient_strength", float("inf")),
])
def test_non_finite_numbers_are_refused(tmp_path, path, value):
    p = _small(tmp_path, SMALL + '[journey.satisfaction]\nexperience = {dist="normal", mean=8, sd=1.5}\n'
               '[[policies]]\ntype = "punch_card"\n')
    msg = _error(p, {path: value})
    assert f"s.toml: {path}: must be a finite number" in msg


def test_infinite_normal_bounds_mean_no_clipping(tmp_path):
    p = _small(tmp_path, SMALL + '[journey.satisfaction]\n'
               'experience = {dist="normal", mean=8, sd=1.5, low=-inf, high=inf}\n')
    sc = loopsim.load_scenario(p)
    assert sc.journey.satisfaction.experience.low == float("-inf")
    assert sc.with_overrides({"time.horizon_days": 11}).journey == sc.journey   # round-trips
    assert "or -inf (got inf)" in _error(p, {"journey.satisfaction.experience.low": float("inf")})


@pytest.mark.parametrize(("path", "value", "words"), [
    ("time.horizon_days", 1e15, "less than or equal to 365000"),
    ("market.initial_customers", 1_000_000_000, "less than or equal to 10000000"),
    ("market.initial_customers", 99999999999999999999999, "less than or equal to 10000000"),
    ("market.organic_arrivals_per_day", 1e20, "less than or equal to 1000000"),
    ("market.marketing_budget_per_day", 1e300, "at most 1,000,000"),
    ("journey.advocacy.referrals_per_promoter_per_day", 1e30, "less than or equal to 1000"),
])
def test_absurd_sizes_are_refused(tmp_path, path, value, words):
    msg = _error(_small(tmp_path), {path: value})
    assert path.rsplit(".", 1)[0] in msg and words in msg
    # the bounds themselves are valid (and documented)
    sc = loopsim.load_scenario(_small(tmp_path), {"time.horizon_days": 365_000,
                                                  "market.initial_customers": 10_000_000})
    assert sc.time.horizon_days == 365_000
    assert "365,000" in type(sc.time).model_fields["horizon_days"].description


def test_set_into_a_segment_the_file_leaves_out(tmp_path):
    p = _small(tmp_path)
    sc = loopsim.load_scenario(p, {"population.segments.0.purchase_timing": "periodic"})
    assert sc.population.segments[0].purchase_timing == "periodic"
    assert sc.population.segments[0].name == "all"     # the default segment, changed
    assert "population.segments.1: index 1 out of range (there are 1: use 0)" in \
        _error(p, {"population.segments.1.purchase_timing": "periodic"})
    assert "service.channels.0: index 0 out of range (there are none)" in \
        _error(p, {"service.channels.0.agents": 2})
    assert "no entry with type or name 'punch_card'" in _error(p, {"policies.punch_card.stamps_required": 3})


def test_unknown_behaviour_key_lists_the_behaviour_keys(tmp_path):
    p = _small(tmp_path, SMALL + '[[policies]]\ntype = "punch_card"\n[policies.behaviour]\ngoal_gradiant = true\n')
    msg = _error(p)
    assert "policies.0.behaviour.goal_gradiant: unknown parameter of punch_card.behaviour; allowed: enabled, " \
        "goal_gradient," in msg
    assert "stamps_required" not in msg
    p2 = _small(tmp_path, SMALL + '[[policies]]\ntype = "punch_card"\n', "p2.toml")
    msg = _error(p2, {"policies.0.behaviour.nope": 1})
    assert "policies.0.behaviour.nope: unknown parameter of punch_card.behaviour; allowed: enabled" in msg
    # the policy's own keys are still listed for an unknown policy key
    assert "allowed: type, operating_cost_per_day" in _error(p2, {"policies.0.nope": 1})


def test_bad_value_in_an_extends_base_names_the_base(tmp_path):
    (tmp_path / "parent.toml").write_text('[time]\nhorizon_days = -5\n[market]\ninitial_customers = 2\n')
    child = _small(tmp_path, 'extends = "parent.toml"\n', "e.toml")
    grand = _small(tmp_path, 'extends = "e.toml"\n', "g.toml")
    parent = str(tmp_path / "parent.toml")
    assert _error(child).startswith(f"{parent} (extended by {child}): time.horizon_days: ")
    assert _error(grand).startswith(f"{parent} (extended by {child}, extended by {grand}): time.horizon_days")
    # a value the child sets (or --set) is the child's
    child.write_text('extends = "parent.toml"\n[time]\nhorizon_days = -3\n')
    assert _error(child).startswith(f"{child}: time.horizon_days: ")
    child.write_text('extends = "parent.toml"\n')
    assert _error(child, {"time.horizon_days": -2}).startswith(f"{child}: time.horizon_days: ")


@pytest.mark.parametrize("value", ['""', '"  "', '"."'])
def test_empty_or_directory_extends_names_the_field(tmp_path, value):
    p = _small(tmp_path, f"extends = {value}\n", "e.toml")
    msg = _error(p)
    assert msg.startswith(f"{p}: extends: ")


def test_schema_version_must_be_the_integer(tmp_path):
    for text in ('schema_version = "1"\n', "schema_version = true\n", "schema_version = 1.0\n"):
        msg = _error(_small(tmp_path, text))
        assert "schema_version: must be the integer 1" in msg, msg
    assert "unsupported schema_version 2" in _error(_small(tmp_path, "schema_version = 2\n"))


def test_duplicate_policy_types_are_refused(tmp_path):
    p = _small(tmp_path, SMALL + '[[policies]]\ntype = "punch_card"\n[[policies]]\ntype = "punch_card"\n'
               'stamps_required = 5\n')
    msg = _error(p)
    assert "s.toml: policies: duplicate policy type 'punch_card' (policies.0 and policies.1)" in msg


@pytest.mark.parametrize(("text", "path", "words"), [
    ("[time]\nhorizon_days = true\n", "time.horizon_days", "not a boolean"),
    ('[service]\nagents = "3"\n', "service.agents", "not a string (got '3')"),
    ('[market]\ninitial_customers = false\n', "market.initial_customers", "not a boolean"),
    ('[population]\n[[population.segments]]\npurchase_rate = {dist = "fixed", value = true}\n',
     "population.segments.0.purchase_rate.value", "not a boolean"),
    ('[[policies]]\ntype = "tier_priority"\nthresholds = [1, "2"]\n', "policies.0.thresholds.1", "not a string"),
    ('[[policies]]\ntype = "punch_card"\nbehaviour = { goal_gradient_strength = true }\n',
     "policies.0.behaviour.goal_gradient_strength", "not a boolean"),
    ('[[policies]]\ntype = "points"\nsegment_multipliers = { all = true }\n',
     "policies.0.segment_multipliers.all", "not a boolean"),
])
def test_booleans_and_strings_are_not_numbers(tmp_path, text, path, words):
    msg = _error(_small(tmp_path, text))
    assert f"{path}: must be a valid number, {words}" in msg


def test_set_values_are_typed_as_toml():
    sc = loopsim.load_scenario(BASE, dict([parse_override("service.agents=3")]))
    assert sc.service.agents == 3
    with pytest.raises(ScenarioError, match="service.agents: must be a valid number, not a boolean"):
        loopsim.load_scenario(BASE, dict([parse_override("service.agents=true")]))


def test_overnight_service_hours_are_supported(tmp_path):
    """open 20 / close 8 is a desk open overnight (an end before the start wraps past midnight), not
    an error; the engine's duty profile has it open from 20:00 to 08:00."""
    from loopsim.engine.service import duty_profile

    sc = loopsim.load_scenario(_small(tmp_path), {"service.open_hour": 20, "service.close_hour": 8})
    assert (sc.service.open_hour, sc.service.close_hour) == (20, 8)
    assert "wraps past midnight" in type(sc.service).model_fields["close_hour"].description
    assert duty_profile([(20.0, 8.0, 2)]) == [(0.0, 2), (8 / 24, 0), (20 / 24, 2)]


@pytest.mark.parametrize("sets", [
    ["time.horizon_days=inf"], ["market.initial_customers=1000000000"],
    ["population.segments.1.purchase_timing=periodic"], ["policies=[{type=\"punch_card\"}]",
                                                          "policies.0.behaviour.nope=1"],
    ["service.agents=true"], ['schema_version="1"'],
])
def test_cli_prints_one_line_and_exits_2(tmp_path, capsys, sets):
    from loopsim.cli import main

    args = ["check", str(_small(tmp_path))]
    for s in sets:
        args += ["--set", s]
    with pytest.raises(SystemExit) as info:
        main(args)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and err.startswith("loopsim: error: "), err


@pytest.mark.parametrize("text", ["", "\n# only a comment\n"])
def test_an_empty_file_is_refused_not_run_with_defaults(tmp_path, text):
    msg = _error(_small(tmp_path, text, "empty.toml"))
    assert "empty.toml: the file is empty" in msg
    # a name alone is a valid scenario: every other field has a documented default
    assert loopsim.load_scenario(_small(tmp_path, 'name = "x"\n', "named.toml")).name == "x"
