"""The service desk gets what it needs through its constructor: the world builds the contact
log and asks the desk for its churn-multiplier hook; the desk holds no reference to the world."""

from __future__ import annotations

from pathlib import Path

import loopsim
from loopsim.engine.channels import ChannelContactLog
from loopsim.engine.customer import Customer
from loopsim.engine.world import World

SC = Path(__file__).resolve().parents[2] / "scenarios"


def _world(**over) -> World:
    sc = loopsim.load_scenario(SC / "service_understaffed.toml",
                               {"time.horizon_days": 30, "market.initial_customers": 100, **over})
    return World(sc, 1)


def test_the_world_builds_the_contact_log_the_desk_fills():
    world = _world()
    assert isinstance(world.contacts, ChannelContactLog) and world.desk.contacts is world.contacts
    assert world.contacts.channel_names == [ch.name for ch in world.desk.channels]
    # nothing in the desk is the world: it sees the run through the policy Context only
    assert all(v is not world for v in vars(world.desk).values())
    assert world.desk.ctx is world.ctx
    world.run()
    assert len(world.contacts.frame()) > 0


def test_the_desk_churn_hook_comes_after_the_policies():
    world = _world(**{"service.unresolved_churn_multiplier": 2.0})
    hook = world.desk.churn_hook()
    assert hook is not None and world._h_churn_mult[-1] == hook
    c = Customer(7, key=0)
    assert hook(world.ctx, c) == 1.0
    world.desk.unresolved[c.id] = 2     # two problems still open
    assert hook(world.ctx, c) == 4.0
    plain = _world(**{"service.unresolved_churn_multiplier": 1.0})
    assert plain.desk.churn_hook() is None and plain.desk.churn_multiplier not in plain._h_churn_mult
