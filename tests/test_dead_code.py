"""No dead functions, methods or classes in ``loopsim/`` (vulture, from the ``test`` extra).

vulture reports a definition whose name is used nowhere. It scans ``loopsim/`` together with
``tests/`` and ``benchmarks/`` (public API used only there is used), and only definitions in
``loopsim/`` are reported. Without vulture the test skips with a reason, and fails under
``CI=true``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Called by name, never by a direct call vulture could see.
WHITELIST = [
    # policy hooks: the engine collects them with getattr (World._init_policies)
    "setup", "on_acquire", "on_purchase", "purchase_rate_multiplier", "churn_multiplier",
    "spend_multiplier", "conversion_multiplier", "on_churn", "on_day", "service_priority",
    "winback_multiplier", "on_reactivate", "referral_rate_multiplier", "summary",
    "__getattr__",   # module-level lazy attributes of loopsim (PEP 562)
    "convert",       # click.ParamType's conversion hook (cli/common.py)
    "get_source_stamp",  # numba's cache-locator interface, called by name (engine/compiled/cache.py)
    "generic_resolve",   # numba's attribute-typing interface (engine/compiled/ref.py)
]
#: click commands, pydantic validators, registered policies and numba extensions are reached
#: through decorators.
DECORATORS = ["@app.command", "@app.group", "@*.command", "@*validator", "@register*",
              "@infer_getattr", "@lower_getattr_generic*"]   # numba's typing and lowering registries
#: 60 is the confidence vulture gives an unused function, method or class.
MIN_CONFIDENCE = 60


def _vulture():
    try:
        import vulture
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("vulture is not installed (pip install -e '.[test]')")
        pytest.skip("vulture is not installed (pip install -e '.[test]')")
    return vulture


def _dead(paths: list[Path]) -> list[str]:
    """``file:line kind name`` of each unused function, method or class defined under
    ``paths[0]`` (the other paths only count as users)."""
    v = _vulture().Vulture(ignore_names=WHITELIST, ignore_decorators=DECORATORS)
    v.scavenge([str(p) for p in paths])
    return [f"{Path(it.filename).relative_to(paths[0])}:{it.first_lineno} {it.typ} {it.name}"
            for it in v.get_unused_code(min_confidence=MIN_CONFIDENCE)
            if it.typ in ("function", "method", "class") and Path(it.filename).is_relative_to(paths[0])]


def test_no_dead_functions_in_loopsim():
    dead = _dead([ROOT / "loopsim", ROOT / "tests", ROOT / "benchmarks"])
    assert not dead, "unused code (delete it, or whitelist a name called by name, with why):\n" + "\n".join(dead)


def test_the_check_finds_an_added_dead_function(tmp_path: Path):
    """The same check reports a function nobody calls, and a policy hook is not reported."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "mod.py").write_text(
        "def used():\n    return 1\n\n\n"
        "def never_called():\n    return 2\n\n\n"
        "class P:\n    def on_purchase(self, ctx, c, p):\n        return used()\n\n\nP()\n")
    dead = _dead([pkg])
    assert [d.split()[-1] for d in dead] == ["never_called"]

