"""Where best.toml points its ``extends``: the base by a relative path where a file in the output
folder may read it (the loading rules, docs/scenarios.md), else a snapshot of the base beside it."""

from __future__ import annotations

import os
from pathlib import Path

from loopsim.optimise.outputs import BASE_SNAPSHOT, base_reference

ROOT = Path(__file__).resolve().parents[2]


def test_a_bundled_base_is_extended_by_its_relative_path(tmp_path):
    base = ROOT / "scenarios" / "retailer_points.toml"   # the bundled tree is a scenario library
    out = tmp_path / "opt"
    assert base_reference(base, out) == Path(os.path.relpath(base, out)).as_posix()


def test_a_base_inside_the_output_folder_is_extended_by_its_relative_path(tmp_path):
    out = tmp_path / "opt"
    (out / "bases").mkdir(parents=True)
    base = out / "bases" / "shop.toml"
    base.write_text('name = "shop"\n')
    assert base_reference(base, out) == "bases/shop.toml"


def test_a_base_outside_the_output_folder_is_snapshotted(tmp_path):
    base = tmp_path / "shop.toml"
    base.write_text('name = "shop"\n')
    assert base_reference(base, tmp_path / "opt") == BASE_SNAPSHOT
