"""Custom policies as plug-ins: the how-to's code runs, ``--plugin MODULE`` and installed
packages (``loopsim.policies`` entry points) make a policy type usable from the CLI, a broken
plug-in is named in one line, and scenario files never import code.

Plug-ins change the process-wide policy registry, so every case runs in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import loopsim

ROOT = Path(__file__).resolve().parents[1]
HOWTO = ROOT / "docs" / "howto_custom_policy.md"


def _python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", HOWTO.read_text(), flags=re.S | re.M)


def _policy_module() -> str:
    """The how-to's plug-in module: its first example above the experiment (as the how-to says)."""
    return _python_blocks()[0].split("# a shop a tenth the size")[0]


def _scenario() -> str:
    return re.findall(r"^```toml\n(.*?)^```", HOWTO.read_text(), flags=re.S | re.M)[0]


def _cli(*args: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200")
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-m", "loopsim.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


def _one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    return r.stderr


@pytest.fixture
def study(tmp_path) -> Path:
    """A folder with the how-to's policy as ``my_policies.py`` and its scenario ``voucher.toml``."""
    (tmp_path / "my_policies.py").write_text(_policy_module())
    (tmp_path / "voucher.toml").write_text(_scenario())
    return tmp_path


def test_howto_code_blocks_run():
    blocks = _python_blocks()
    assert blocks and "register_policy" in _policy_module() and "compare(" not in _policy_module()
    r = subprocess.run([sys.executable, "-c", "\n".join(blocks)], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    used = re.search(r"voucher\s+vouchers_used\s+([\d.]+)", r.stdout)
    cost = re.search(r"voucher\s+reward_cost\s+[\d.]+\s+([\d.]+)", r.stdout)   # the paired difference
    assert used and float(used.group(1)) > 0 and cost and float(cost.group(1)) > 0, r.stdout


def test_extension_api_is_public():
    for name in ("register_policy", "PolicyParams", "Context", "Policy"):
        assert name in loopsim.__all__ and hasattr(loopsim, name)

    class NoParams:
        type_name = "no_params"

    with pytest.raises(TypeError, match="Params"):
        loopsim.register_policy(NoParams)
    assert "no_params" not in loopsim.policy_types()


def test_plugin_option_makes_the_type_known(study):
    err = _one_line_error(_cli("check", "voucher.toml", cwd=study))
    assert "unknown policy type 'second_purchase_voucher'" in err and "--plugin MODULE" in err
    r = _cli("--plugin", "my_policies", "check", "voucher.toml", cwd=study)
    assert r.returncode == 0 and "policies: second_purchase_voucher" in r.stdout, r.stderr
    # worker processes import the plug-in again when they unpickle the scenario
    r = _cli("--plugin", "my_policies", "run", "voucher.toml", "--reps", "2", "--workers", "2", cwd=study)
    assert r.returncode == 0 and "vouchers_used" in r.stdout, r.stderr
    r = _cli("--plugin", "my_policies", "policies", "second_purchase_voucher", cwd=study)
    assert r.returncode == 0 and "rate_uplift" in r.stdout and "Money off" in r.stdout, r.stderr


@pytest.mark.parametrize("module, words", [
    ("no_such_module", "No module named 'no_such_module'"),
    ("broken_policies", "ZeroDivisionError"),
    ("not a module", "not a module name"),
])
def test_a_plugin_that_fails_gives_one_line(study, module, words):
    (study / "broken_policies.py").write_text("x = 1 / 0\n")
    err = _one_line_error(_cli("--plugin", module, "check", "voucher.toml", cwd=study))
    assert "--plugin" in err and module in err and words in err


def _install(site: Path, dist: str, entry_points: str, modules: dict[str, str]) -> None:
    """A package as pip would leave it: modules and a ``.dist-info`` with ``entry_points.txt``."""
    for name, text in modules.items():
        (site / name).write_text(text)
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[loopsim.policies]\n{entry_points}\n")


def test_an_installed_plugin_is_found_by_its_entry_point(study, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    # the class entry point of a module that does not register it itself
    code = _policy_module().replace("@register_policy\n", "")
    _install(site, "loopsim_voucher", "voucher = voucher_plugin:SecondPurchaseVoucher",
             {"voucher_plugin.py": code})
    (study / "my_policies.py").unlink()
    r = _cli("check", "voucher.toml", cwd=study, pythonpath=site)
    assert r.returncode == 0 and "second_purchase_voucher" in r.stdout, r.stderr
    r = _cli("run", "voucher.toml", cwd=study, pythonpath=site)
    assert r.returncode == 0 and "vouchers_used" in r.stdout, r.stderr


def test_a_broken_installed_plugin_is_named(study, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    _install(site, "loopsim_broken", "broken = broken_plugin:Policy", {"broken_plugin.py": "raise RuntimeError('boom')\n"})
    err = _one_line_error(_cli("check", "voucher.toml", cwd=study, pythonpath=site))
    assert "plug-in 'broken'" in err and "loopsim_broken" in err and "RuntimeError: boom" in err


def test_scenario_files_never_import_code(tmp_path, monkeypatch):
    sentinel = tmp_path / "imported"
    (tmp_path / "evil.py").write_text(f"open({str(sentinel)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for t in ("evil", "evil:Policy", "evil.Policy"):
        (tmp_path / "s.toml").write_text(f'name = "s"\n[[policies]]\ntype = "{t}"\n')
        with pytest.raises(loopsim.ScenarioError, match="unknown policy type"):
            loopsim.load_scenario(tmp_path / "s.toml")
    assert not sentinel.exists() and "evil" not in sys.modules
