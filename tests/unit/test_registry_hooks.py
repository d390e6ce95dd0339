"""Hooks are typed (:class:`loopsim.registry.Hooks`) and checked when a policy is registered:
a misspelt hook or one with the wrong arity is refused in one line naming the policy and hook."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import loopsim
from loopsim.registry import HOOK_PARAMS, PolicyParams, check_hooks, register_policy


class _Params(PolicyParams):
    type: str = "hook_test"


def _policy(**methods) -> type:
    """A policy class named HookTest with ``methods``."""
    attrs = {"type_name": "hook_test", "kind": "reward", "Params": _Params,
             "__init__": lambda self, params: None, **methods}
    return type("HookTest", (), attrs)


def test_hook_signatures_come_from_the_hooks_protocol():
    assert HOOK_PARAMS["on_purchase"] == ("ctx", "customer", "purchase")
    assert HOOK_PARAMS["conversion_multiplier"] == ("ctx", "customer", "stage")
    assert HOOK_PARAMS["referral_rate_multiplier"] == ("ctx",)
    assert {"setup", "on_day", "summary", "service_priority", "earn_multiplier"} <= set(HOOK_PARAMS)


def test_well_formed_hooks_are_accepted():
    cls = _policy(on_purchase=lambda self, ctx, customer, purchase: None,
                  churn_multiplier=lambda self, ctx, c, extra=1.0: 1.0,   # an optional extra is fine
                  on_day=staticmethod(lambda ctx, day: None),
                  _on_helper=lambda self: None,                           # private: not a hook
                  reward_value=lambda self: 1.0)                          # not hook-like
    check_hooks(cls, "hook_test")


@pytest.mark.parametrize("methods, words", [
    ({"on_purchse": lambda self, ctx, c, p: None}, "on_purchse is not a hook (did you mean on_purchase?)"),
    ({"loyalty_multiplier": lambda self, ctx, c: 1.0}, "loyalty_multiplier is not a hook"),
    ({"on_purchase": lambda self, ctx, c: None}, "hook on_purchase must take (ctx, customer, purchase), not (ctx, c)"),
    ({"churn_multiplier": lambda self, c: 1.0}, "hook churn_multiplier must take (ctx, customer)"),
    ({"on_day": lambda self, ctx, day, *, when: None}, "hook on_day must take (ctx, day)"),
    ({"summary": 3}, "hook summary must take (ctx), but it is not a method"),
])
def test_a_bad_hook_is_refused_at_registration(methods, words):
    cls = _policy(**methods)
    with pytest.raises(TypeError) as err:
        register_policy(cls)
    msg = str(err.value)
    assert "policy 'hook_test' (HookTest)" in msg and words in msg and "\n" not in msg
    assert "hook_test" not in loopsim.policy_types()


def test_a_plugin_with_a_bad_hook_is_one_line_exit_2(tmp_path):
    (tmp_path / "bad_hooks.py").write_text(
        "from typing import Literal\n"
        "from loopsim import PolicyParams, register_policy\n\n"
        "class P(PolicyParams):\n    type: Literal['bad_hooks'] = 'bad_hooks'\n\n"
        "@register_policy\nclass Bad:\n    type_name = 'bad_hooks'\n    Params = P\n    kind = 'reward'\n"
        "    def __init__(self, params): pass\n"
        "    def on_purchase(self, ctx, customer): pass\n")
    (tmp_path / "s.toml").write_text('name = "s"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LOOPSIM_PLUGINS")}
    r = subprocess.run([sys.executable, "-m", "loopsim.cli", "--plugin", "bad_hooks", "check", "s.toml"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "policy 'bad_hooks' (Bad): hook on_purchase must take (ctx, customer, purchase)" in r.stderr


def test_every_builtin_policy_passes_the_check():
    for name, cls in loopsim.policy_types().items():
        check_hooks(cls, name)



def test_the_engine_calls_only_declared_hooks():
    """Every hook the Python engine looks up is declared in Hooks (so the check at registration
    knows it), and every declared hook is called by the engine, by points (earn_multiplier) or
    after the run (summary, customer_columns)."""
    world = (Path(__file__).resolve().parents[2] / "loopsim" / "engine" / "world.py").read_text()
    looked_up = set(re.findall(r'hooks\("(\w+)"\)', world))
    assert looked_up and looked_up <= set(HOOK_PARAMS)
    assert set(HOOK_PARAMS) - looked_up == {"earn_multiplier", "summary", "customer_columns"}
