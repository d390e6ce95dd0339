"""``loopsim store check DIR [--repair]`` and the ``--wait`` option of commands that write a store."""

from __future__ import annotations

from pathlib import Path

import click

from .common import app, console

wait_opt = click.option("--wait", is_flag=True,
                        help="If another loopsim is writing into --out, wait for it to finish "
                             "instead of refusing.")


@app.group("store")
def store_group():
    """Inspect and repair result stores (the --out folders of run --reps, compare and sweep)."""


@store_group.command("check")
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--repair", is_flag=True,
              help="Move bad rows and a bad store.json to DIR/quarantine/ (store.json is restored "
                   "from its copy in meta/ when that is sound) and remove temporary files.")
@wait_opt
def check_cmd(folder: Path, repair: bool, wait: bool):
    """Check a result store: store.json, every row against the experiment's fingerprint,
    temporary files of interrupted writes, the lock. Exit code 0 if sound (or repaired), 1 if
    problems were found."""
    from ..store import check_store

    rep = check_store(folder, repair=repair, wait=wait)
    for line in rep.lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    for line in rep.repaired:
        console.print(f"repaired: {line}", markup=False, highlight=False, soft_wrap=True)
    if rep.problems == 0:
        console.print("OK: no problems found", markup=False, highlight=False, soft_wrap=True)
    elif not rep.repaired:
        console.print(f"{rep.problems} problem(s); `loopsim store check {folder} --repair` fixes them "
                      "(bad rows are redone when the experiment is run again)", markup=False, highlight=False, soft_wrap=True)
        raise click.exceptions.Exit(1)
