"""Policies see only the :class:`loopsim.context.Context`: every bundled scenario runs with a
strict context that refuses any other attribute, and every hook receives that context (never
the World)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import loopsim
from loopsim.context import CONTEXT_MEMBERS, Context
from loopsim.engine import context as engine_context
from loopsim.engine import world as world_module
from loopsim.registry import HOOK_PARAMS, policy_types

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*.toml"))


class StrictContext:
    """Forwards the Context's members to the engine's context; anything else is an error."""

    def __init__(self, real: object) -> None:
        object.__setattr__(self, "_real", real)

    def __getattribute__(self, name: str):
        if name not in CONTEXT_MEMBERS:
            raise AttributeError(f"ctx.{name} is not part of the policy Context")
        return getattr(object.__getattribute__(self, "_real"), name)


def test_the_engine_context_has_exactly_the_protocol_members():
    public = {n for n in dir(engine_context.WorldContext) if not n.startswith("_")}
    assert public == CONTEXT_MEMBERS
    world = world_module.World(loopsim.load_scenario(ROOT / "scenarios" / "baseline.toml"), seed=1)
    assert isinstance(world.ctx, Context) and not isinstance(world.ctx, world_module.World)
    assert {"now", "post", "uniform", "change_satisfaction", "at", "refresh_churn"} <= CONTEXT_MEMBERS


@pytest.fixture
def strict(monkeypatch):
    """Every World hands out a StrictContext; every built-in hook checks it receives one.
    Returns the set of (policy type, hook) pairs called."""
    called: set[tuple[str, str]] = set()
    real = engine_context.WorldContext
    monkeypatch.setattr(world_module, "WorldContext", lambda w: StrictContext(real(w)))

    def checked(fn, hook):
        @functools.wraps(fn)
        def wrapper(self, ctx, *args):
            assert type(ctx) is StrictContext, f"{self.type_name}.{hook} got {type(ctx).__name__}"
            called.add((self.type_name, hook))
            return fn(self, ctx, *args)
        return wrapper

    wrapped = set()
    for cls in policy_types().values():
        for klass in cls.__mro__[:-1]:          # hooks inherited from a base class too
            for hook in HOOK_PARAMS:
                fn = klass.__dict__.get(hook)
                if callable(fn) and (klass, hook) not in wrapped:
                    wrapped.add((klass, hook))
                    monkeypatch.setattr(klass, hook, checked(fn, hook))
    return called


def _small(path: Path) -> loopsim.Scenario:
    sc = loopsim.load_scenario(path)
    over = {"time.horizon_days": min(sc.time.horizon_days, 60)}
    if sc.market.initial_customers > 200:
        over["market.initial_customers"] = 200
    return sc.with_overrides(over)


def _run_strict(sc: loopsim.Scenario) -> list:
    world = world_module.World(sc, seed=1)
    assert type(world.ctx) is StrictContext and isinstance(world.ctx, Context)
    world.run()
    for p in world.policies:
        if callable(getattr(p, "summary", None)):
            p.summary(world.ctx)     # result.build_result calls it after the run
    return [p.type_name for p in world.policies]


def test_every_bundled_scenario_and_policy_runs_on_the_strict_context(strict):
    seen = set()
    for path in SCENARIOS:
        seen.update(_run_strict(_small(path)))
    # the built-in policies no bundled scenario uses: each with its defaults on the baseline
    base = _small(ROOT / "scenarios" / "baseline.toml")
    for type_name in sorted(set(policy_types()) - seen):
        seen.update(_run_strict(base.with_overrides({"policies": [{"type": type_name}]})))
    assert seen == set(policy_types())
    # every policy's hooks were called, always with the strict context (checked by the wrapper)
    assert {t for t, _ in strict} == seen


def test_a_policy_reaching_past_the_context_fails(strict):
    """The check has teeth: an engine attribute read through ctx is refused."""
    world = world_module.World(_small(ROOT / "scenarios" / "coffee_punch_card.toml"), seed=1)
    assert world.ctx.horizon == world.horizon
    with pytest.raises(AttributeError, match="ctx.n_active is not part"):
        world.ctx.n_active  # noqa: B018
