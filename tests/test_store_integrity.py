"""Result store integrity (issue 12, item 1): one writer at a time, rows checked against the
experiment on resume, malformed files give one line and never leave a store stuck."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import loopsim
from loopsim.cli import main
from loopsim.errors import LoopsimError
from loopsim.store import ResultStore, check_store

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"time.horizon_days": 40, "market.initial_customers": 150, "market.marketing_budget_per_day": 20}
SETS = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]


def small():
    return loopsim.load_scenario(BASE, SMALL)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A finished 5-replication store (seed 3) and a 1-replication store of seed 9, made once."""
    d = tmp_path_factory.mktemp("made")
    exp = loopsim.replicate(small(), n=5, seed=3, out=d / "seed3")
    loopsim.replicate(small(), n=1, seed=9, out=d / "seed9")
    return d, exp


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out, err = capsys.readouterr()
    return code, out, err


def rewrite(path: Path, change) -> None:
    """Rewrite a row file through ``change(table) -> table``, keeping its provenance metadata."""
    t = pq.read_table(path)
    pq.write_table(change(t).replace_schema_metadata(t.schema.metadata), path)


def test_hostile_rows_are_quarantined_redone_and_reported(made, tmp_path, capsys):
    """A row copied from another replication, a seed-9 row, a row missing columns and a metric
    stored as text: none is used; each is moved aside and redone, the resumed run says so, and
    the table equals the untouched experiment's."""
    src, exp = made
    out = tmp_path / "s"
    shutil.copytree(src / "seed3", out)
    runs = out / "runs"
    rewrite(runs / "p00000_r000000.parquet", lambda t: t.drop(["profit", "replication"]))
    rewrite(runs / "p00000_r000001.parquet",
            lambda t: t.set_column(t.schema.get_field_index("profit"), "profit", pa.array(["12.5"])))
    shutil.copy(runs / "p00000_r000003.parquet", runs / "p00000_r000002.parquet")
    shutil.copy(src / "seed9" / "runs" / "p00000_r000000.parquet", runs / "p00000_r000003.parquet")
    (runs / ".p00000_r000004.parquet.x1.tmp").write_bytes(b"torn")
    (out / "meta" / ".p00000_r000004.json.x2.tmp").write_bytes(b"torn")
    capsys.readouterr()

    again = loopsim.replicate(small(), n=5, seed=3, out=out)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"resuming {out}: kept 1 finished run;" in err, err
    assert "redoing 4 (2 corrupt, 1 duplicate, 1 foreign" in err, err
    pd.testing.assert_frame_equal(again.runs, exp.runs)
    assert list(again.runs["replication"]) == [0, 1, 2, 3, 4]
    assert sorted(p.name for p in (out / "quarantine" / "runs").iterdir()) == \
        [f"p00000_r00000{i}.parquet" for i in range(4)]
    assert not list(out.rglob("*.tmp"))
    rep = check_store(out)
    assert rep.problems == 0 and rep.lines[1].startswith("5 good runs; experiment finished")


def test_store_check_reports_and_repairs_a_bad_row(made, tmp_path, capsys):
    src, _exp = made
    out = tmp_path / "s"
    shutil.copytree(src / "seed3", out)
    shutil.copy(src / "seed9" / "runs" / "p00000_r000000.parquet", out / "runs" / "p00000_r000002.parquet")
    code, text, _ = cli(["store", "check", str(out)], capsys)
    assert code == 1 and "bad row runs/p00000_r000002.parquet: foreign: made for another experiment (seed 9)" in text
    assert "4 good runs" in text
    code, text, _ = cli(["store", "check", str(out), "--repair"], capsys)
    assert code == 0 and "repaired: moved runs/p00000_r000002.parquet to quarantine/" in text
    code, text, _ = cli(["store", "check", str(out)], capsys)
    assert code == 0 and "OK: no problems found" in text


@pytest.mark.parametrize("backup", ["sound", "broken"])
def test_malformed_store_json_gives_one_line_and_repair_unsticks_it(made, tmp_path, capsys, backup):
    """``store.json`` = ``[]``: one line naming the file, exit 2, nothing written; ``--repair``
    restores it from its copy in meta/ (or, with that broken too, moves the unverifiable rows
    aside), after which the same command runs to the end."""
    src, exp = made
    out = tmp_path / "s"
    shutil.copytree(src / "seed3", out)
    (out / "store.json").write_text("[]")
    if backup == "broken":
        (out / "meta" / "store.json").write_text("{")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    args = ["run", str(BASE), *SETS, "--reps", "5", "--seed", "3", "--out", str(out)]
    code, _, err = cli(args, capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{out / 'store.json'}: not a loopsim result store" in err and "got list" in err and "--repair" in err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before   # nothing written
    code, text, _ = cli(["store", "check", str(out), "--repair"], capsys)
    assert code == 0, text
    code, _, err = cli(args, capsys)
    assert code == 0, err
    kept = 5 if backup == "sound" else 0
    assert (f"kept {kept} finished runs" in err) == bool(kept)
    stored = pd.read_parquet(out / "runs").drop(columns="point")
    assert list(stored["replication"]) == list(range(5))
    assert stored["profit"].tolist() == exp.runs["profit"].tolist()


def test_an_older_store_is_refused_with_one_line(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "store.json").write_text(json.dumps({"format": 1, "fingerprint": {"kind": "replicate"}}))
    with pytest.raises(LoopsimError, match="made by an older loopsim .*; delete it or use another --out"):
        loopsim.replicate(small(), n=1, seed=1, out=tmp_path)


def test_a_second_writer_is_refused_naming_the_holder_or_waits(tmp_path):
    fp = {"kind": "replicate", "seed": 1, "crn": True, "scenarios": {}, "points": []}
    holder = ResultStore(tmp_path, fp)
    try:
        with pytest.raises(LoopsimError) as exc:
            loopsim.replicate(small(), n=1, seed=1, out=tmp_path)
        msg = str(exc.value)
        assert "\n" not in msg and msg.startswith(f"{tmp_path}: result store in use by pid ")
        assert "--wait" in msg and str(Path(sys.argv[0]).name) in msg
        t0 = time.monotonic()
        with pytest.raises(LoopsimError, match="after waiting 0.3 s"):
            loopsim.replicate(small(), n=1, seed=1, out=tmp_path, wait=0.3)
        assert time.monotonic() - t0 >= 0.3
        assert json.loads((tmp_path / ".lock.json").read_text())["command"]
    finally:
        holder.close()
    assert not (tmp_path / ".lock.json").exists()
    with pytest.raises(LoopsimError, match="made for a different experiment"):
        loopsim.replicate(small(), n=1, seed=1, out=tmp_path)   # the folder is free again


def _start(seed: int, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "loopsim.cli", "run", str(BASE), *SETS, "--reps", "4", "--seed", str(seed),
           "--out", str(out), *extra]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_two_experiments_started_together_never_share_a_folder(tmp_path):
    """Seeds 3 and 4 started at the same moment into one new folder: one finishes, the other is
    refused with one line (the folder is in use, or was made for another experiment); every row
    in the folder belongs to the winner."""
    out = tmp_path / "both"
    procs = {3: _start(3, out), 4: _start(4, out)}
    res = {s: (p.wait(timeout=300), p.stderr.read()) for s, p in procs.items()}
    winners = [s for s, (code, _) in res.items() if code == 0]
    assert len(winners) == 1, res
    (loser_code, loser_err), = [r for s, r in res.items() if s not in winners]
    assert loser_code == 2 and loser_err.count("\n") == 1 and str(out) in loser_err, loser_err
    assert "in use by pid" in loser_err or "different experiment" in loser_err, loser_err
    stored = pd.read_parquet(out / "runs")
    assert set(stored["seed"]) == {winners[0]} and len(stored) == 4
    assert json.loads((out / "store.json").read_text())["fingerprint"]["seed"] == winners[0]


def test_wait_lets_a_second_writer_resume_after_the_first(tmp_path):
    out = tmp_path / "s"
    first = _start(5, out)
    deadline = time.monotonic() + 120
    while not (out / ".lock.json").exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before the second could start"
    second = _start(5, out, "--wait")
    assert first.wait(timeout=300) == 0
    code, err = second.wait(timeout=300), second.stderr.read()
    assert code == 0 and f"resuming {out}: kept 4 finished runs" in err, err
