"""The result store of one experiment: locked, fingerprinted, resumable (see :mod:`loopsim.store`)."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from ..errors import LoopsimError
from .atomic import _clean, atomic_write_json, atomic_write_parquet, atomic_write_table
from .fingerprint import digest, label_types
from .lock import StoreLock, this_command
from .rows import BadRow, frame_for, metric_is_int, read_row, row_table

STORE_FORMAT = 2
MANIFEST = "store.json"
QUARANTINE = "quarantine"


def run_name(point: int, replication: int) -> str:
    """File stem of one run in a store."""
    return f"p{point:05d}_r{replication:06d}"


def read_manifest(root: Path) -> dict[str, Any] | None:
    """``store.json`` of ``root`` (None if there is none); one-line LoopsimError if it is not a
    store this loopsim can use."""
    path = root / MANIFEST
    if not path.exists():
        return None
    fix = f"run `loopsim store check {root} --repair`, delete the folder or use another --out"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoopsimError(f"{path}: not a readable loopsim result store ({exc}); {fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get("fingerprint"), dict):
        got = type(data).__name__ if not isinstance(data, dict) else "an object without a fingerprint"
        raise LoopsimError(f"{path}: not a loopsim result store (expected a JSON object with "
                           f"format and fingerprint, got {got}); {fix}")
    if data.get("format") != STORE_FORMAT:
        raise LoopsimError(f"{root}: made by an older loopsim (store format {data.get('format')!r}, "
                           f"this loopsim writes {STORE_FORMAT}); delete it or use another --out")
    return data


def clean_temp_files(root: Path) -> list[Path]:
    """Remove the temporary files of killed writes (``.*.tmp``) anywhere in the store."""
    gone = []
    for tmp in root.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            gone.append(tmp)
    return gone


def quarantine(root: Path, path: Path) -> Path:
    """Move a bad file aside into ``DIR/quarantine/`` (never deleted: it may be evidence)."""
    dest_dir = root / QUARANTINE / path.parent.relative_to(root)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest, k = dest_dir / path.name, 1
    while dest.exists():
        dest, k = dest_dir / f"{path.name}.{k}", k + 1
    os.replace(path, dest)
    return dest


class ResultStore:
    """A result store directory for one experiment, locked while this object is open.

    ``fingerprint`` identifies the experiment (:mod:`loopsim.store.fingerprint`); an existing
    store with another one refuses to resume. ``manifest``: more for ``store.json`` (scenario
    contents, ...). ``tables``: also keep each run's tables. ``wait``: wait for another writer
    instead of refusing (True, or at most that many seconds).
    """

    def __init__(self, root: str | os.PathLike, fingerprint: Mapping[str, Any],
                 manifest: Mapping[str, Any] | None = None, tables: bool = False,
                 wait: bool | float = False):
        from .. import __version__

        self.root = Path(root)
        self.tables = tables
        self.version = __version__
        self.fingerprint = _clean(dict(fingerprint))
        self.digest = digest(self.fingerprint)
        self.labels = label_types(self.fingerprint.get("points", []))
        self.kept = 0
        self.bad: list[tuple[str, BadRow]] = []
        if self.root.exists() and not self.root.is_dir():
            raise LoopsimError(f"{self.root}: --out must be a directory (it is a file)")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LoopsimError(f"{self.root}: cannot create the result store: {exc.strerror or exc}") from None
        self._lock = StoreLock(self.root, wait)
        self._lock.acquire()
        try:
            self._open(manifest)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, manifest: Mapping[str, Any] | None) -> None:
        old = read_manifest(self.root)
        if old is not None and old["fingerprint"] != self.fingerprint:
            diff = sorted(k for k in set(old["fingerprint"]) | set(self.fingerprint)
                          if old["fingerprint"].get(k) != self.fingerprint.get(k))
            raise LoopsimError(f"{self.root}: this result store was made for a different experiment "
                               f"(differs in: {', '.join(diff)}); use a new --out directory")
        if old is None:
            if any(self.root.glob("runs/*.parquet")):
                raise LoopsimError(f"{self.root}: has runs but no {MANIFEST}; run `loopsim store check "
                                   f"{self.root} --repair` to move them aside, or use another --out")
            body = {"format": STORE_FORMAT, "fingerprint": self.fingerprint, "fingerprint_digest": self.digest,
                    "command": this_command(), **_clean(dict(manifest or {}))}
            atomic_write_json(self.root / "meta" / MANIFEST, body)   # the copy `--repair` restores
            atomic_write_json(self.root / MANIFEST, body)
        clean_temp_files(self.root)
        (self.root / "runs").mkdir(exist_ok=True)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Release the lock (the store stays; open it again to resume)."""
        self._lock.release()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    # -- runs ------------------------------------------------------------------------------
    def run_path(self, point: int, replication: int) -> Path:
        return self.root / "runs" / f"{run_name(point, replication)}.parquet"

    def finished(self) -> dict[tuple[int, int], dict[str, Any]]:
        """Rows of every finished run of this experiment, keyed by (point, replication).

        Every other file in ``runs/`` (another experiment's row, a row copied from another run,
        a torn or malformed file, a row of another loopsim version) is moved to
        ``quarantine/`` and listed in :attr:`bad`; its run is redone."""
        from ..metrics import CORE_METRICS

        out: dict[tuple[int, int], dict[str, Any]] = {}
        for f in sorted((self.root / "runs").iterdir()):
            if f.name.startswith("."):
                continue
            try:
                row = read_row(f, self.fingerprint, self.digest, self.version, CORE_METRICS)
            except BadRow as bad:
                self.bad.append((f.name, bad))
                quarantine(self.root, f)
                continue
            out[(row["point"], row["replication"])] = row
        self.kept = len(out)
        return out

    def resume_report(self) -> str | None:
        """One line on what resuming kept and redid, or None for a new store."""
        if not self.kept and not self.bad:
            return None
        line = f"resuming {self.root}: kept {self.kept} finished run{'s' * (self.kept != 1)}"
        if self.bad:
            kinds = collections.Counter(b.kind for _n, b in self.bad)
            name, first = self.bad[0]
            line += (f"; redoing {len(self.bad)} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}; "
                     f"e.g. {name}: {first}), bad files moved to {self.root / QUARANTINE}")
        return line

    def provenance(self) -> dict[str, Any]:
        """What every Parquet file of this store says about where it came from."""
        return {"version": self.version, "kind": self.fingerprint.get("kind"), "seed": self.fingerprint.get("seed"),
                "scenario_hashes": sorted(set(self.fingerprint.get("scenarios", {}).values())),
                "fingerprint": self.digest, "command": this_command(), "store_format": STORE_FORMAT}

    def _metric_names(self, row: Mapping[str, Any]) -> list[str]:
        skip = {"point", *self.labels, "replication", "seed", "spawn_key", "scenario_hash", "loopsim_version"}
        return [k for k in row if k not in skip]

    def write_run(self, point: int, replication: int, row: Mapping[str, Any],
                  meta: Mapping[str, Any], tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Record one finished run: tables and metadata first, the row file last (the run
        counts as finished once its row exists)."""
        name = run_name(point, replication)
        if self.tables and tables:
            for tname, df in tables.items():
                df = df.copy()
                df.insert(0, "replication", replication)
                df.insert(0, "point", point)
                atomic_write_table(self.root / "tables" / tname / f"{name}.parquet", df)
        atomic_write_json(self.root / "meta" / f"{name}.json", meta)
        metrics = self._metric_names(row)
        ints = {m for m in metrics if metric_is_int(m, [row[m]])}
        df = frame_for([row], self.labels, metrics, ints)
        atomic_write_parquet(self.run_path(point, replication), row_table(df, self.provenance()))

    def unify(self, rows: Mapping[tuple[int, int], Mapping[str, Any]]) -> list[str]:
        """Give every row file the experiment's full schema (the union of the metrics of all
        runs, a metric a run lacks as null; counts int64 only where every value is whole);
        rewrites only the files that differ. Returns the metric columns."""
        metrics: list[str] = []
        for r in rows.values():
            metrics += [m for m in self._metric_names(r) if m not in metrics]
        ints = {m for m in metrics if metric_is_int(m, [r.get(m) for r in rows.values()])}
        full = frame_for([rows[k] for k in sorted(rows)], self.labels, metrics, ints)
        want = row_table(full.iloc[:0], self.provenance()).schema
        for i, key in enumerate(sorted(rows)):
            path = self.run_path(*key)
            if not pq.read_schema(path).remove_metadata().equals(want.remove_metadata()):
                atomic_write_parquet(path, row_table(full.iloc[i:i + 1], self.provenance()))
        return metrics

    def discard_if_empty(self) -> None:
        """Remove the store (and release it) when it holds no run: what an experiment that failed
        before its first run (an unreachable Dask scheduler, say) would otherwise leave behind."""
        if any((self.root / "runs").glob("*.parquet")) or (self.root / QUARANTINE).exists():
            return
        self.close()
        for sub in ("runs", "meta", "tables"):
            shutil.rmtree(self.root / sub, ignore_errors=True)
        (self.root / MANIFEST).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            (self.root / ".lock").unlink(missing_ok=True)
            self.root.rmdir()

    def write_table(self, name: str, df: pd.DataFrame) -> None:
        """Write a final table ``DIR/<name>/<name>.parquet`` (its own folder) with provenance."""
        atomic_write_parquet(self.root / name / f"{name}.parquet", row_table(df, self.provenance()))

    def finalize(self, rows: Mapping[tuple[int, int], Mapping[str, Any]], summary: Mapping[str, Any],
                 extra_tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Unify the row files' schema, write the final tables and ``summary.json``."""
        self.unify(rows)
        for name, df in (extra_tables or {}).items():
            self.write_table(name, df)
        atomic_write_json(self.root / "summary.json", {**dict(summary), "provenance": self.provenance()})
