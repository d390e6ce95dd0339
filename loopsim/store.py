"""On-disk result store for experiments (``--out DIR``): atomic per-run files and resume.

Layout of a store directory::

    DIR/store.json                    what the store is for: kind, seed, scenarios (contents and
                                      hashes), points / designs, CRN, loopsim version
    DIR/runs/p00000_r000000.parquet   one finished run: its tidy summary row
    DIR/runs/p00000_r000000.json      its metadata: overrides, scenario hash, root seed, spawn key,
                                      version, timings (wall and simulation seconds, host, pid)
    DIR/tables/p00000_r000000/*.parquet   optionally the run's tables (customers, timeline, ...)
    DIR/runs.parquet                  the final tidy table (one row per point and replication)
    DIR/summary.json                  the final summary

Every file is written atomically (a temporary file in the same folder, then :func:`os.replace`),
and a run counts as finished only once its ``.parquet`` row exists (its ``.json`` metadata is
written first). Opening an existing store resumes it: finished runs are read back, not re-run;
a run killed half-way simply has no row and is run again. A store made for a different scenario,
seed or design refuses to resume with a one-line :class:`~loopsim.errors.LoopsimError`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import LoopsimError

STORE_FORMAT = 1
_MANIFEST = "store.json"


def _clean(o: Any) -> Any:
    """JSON-safe copy: NaN/inf -> None, tuples -> lists, numpy scalars -> Python numbers."""
    if isinstance(o, Mapping):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    if hasattr(o, "item") and not isinstance(o, str | bytes):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def _cannot_write(path: Path, exc: OSError, tmp: str | None = None) -> LoopsimError:
    """``path: cannot write: <reason>`` - the reason never names the temporary file."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if tmp:
        reason = reason.replace(tmp, str(path))
    return LoopsimError(f"{path}: cannot write: {reason}")


def _tmp_in(path: Path) -> str:
    """Create (empty) a temporary file next to ``path``, creating missing parent folders.

    Raises :class:`LoopsimError` naming ``path`` (never the temporary file) when the folder cannot
    be made or written, e.g. ``out/tx.csv: cannot write: Permission denied``, or
    ``out/tx.csv: cannot write: out is not a directory`` when a parent is a regular file.
    """
    parent = path.parent
    for folder in (parent, *parent.parents):
        if os.path.lexists(folder):
            if not os.path.isdir(folder):
                raise LoopsimError(f"{path}: cannot write: {folder} is not a directory")
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    os.close(fd)
    # mkstemp makes the file private (0600); the result should get the usual permissions
    # (0644 with the common umask 022), as if it had been opened for writing directly
    with contextlib.suppress(OSError):
        os.chmod(tmp, 0o666 & ~_umask())
    return tmp


def _umask() -> int:
    """The process's umask (reading it means setting it; it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: str | os.PathLike, write: Callable[[str], None],
                  check: Callable[[Path], None] | None = None) -> None:
    """Write ``path`` atomically: ``write(tmp)`` into a temporary file in the same folder, fsync,
    ``check(tmp)`` (if given; whatever it raises propagates and ``path`` is left untouched), then
    :func:`os.replace`. An :class:`OSError` becomes a one-line :class:`LoopsimError` naming
    ``path``; the temporary file never survives a failure."""
    path = Path(path)
    tmp = _tmp_in(path)
    try:
        try:
            write(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        except OSError as exc:
            raise _cannot_write(path, exc, tmp) from exc
        if check is not None:
            check(Path(tmp))
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise _cannot_write(path, exc, tmp) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str,
                      check: Callable[[Path], None] | None = None) -> None:
    """Write text (UTF-8) atomically (temporary file in the same folder, fsync, then rename).

    ``check``, if given, is called with the path of the complete temporary file before it replaces
    ``path`` (e.g. to validate a scenario file where its relative ``extends`` resolves); if it
    raises, ``path`` is left as it was. Failures to write raise :class:`LoopsimError`
    ``path: cannot write: <reason>``.
    """

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)

    _atomic_write(path, write, check)


def atomic_write_json(path: str | os.PathLike, payload: Any) -> None:
    """Write JSON atomically (NaN written as null)."""
    atomic_write_text(path, json.dumps(_clean(payload), indent=2, sort_keys=False) + "\n")


def atomic_write_table(path: str | os.PathLike, df: pd.DataFrame) -> None:
    """Write a DataFrame atomically, as CSV if ``path`` ends in ``.csv``, else as Parquet."""

    def write(tmp: str) -> None:
        if Path(path).suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)

    _atomic_write(path, write)


def run_name(point: int, replication: int) -> str:
    """File stem of one run in a store."""
    return f"p{point:05d}_r{replication:06d}"


class ResultStore:
    """A result store directory for one experiment (see the module docstring).

    Parameters
    ----------
    root:
        The directory (created if missing).
    fingerprint:
        What identifies the experiment (kind, seed, scenario hashes, points, CRN). An existing
        store with a different fingerprint refuses to resume.
    manifest:
        Extra information written to ``store.json`` (scenario contents, version, ...).
    tables:
        Also write each run's tables (customers, transactions, timeline, contacts).
    """

    def __init__(self, root: str | os.PathLike, fingerprint: Mapping[str, Any],
                 manifest: Mapping[str, Any] | None = None, tables: bool = False):
        self.root = Path(root)
        self.tables = tables
        if self.root.exists() and not self.root.is_dir():
            raise LoopsimError(f"{self.root}: --out must be a directory (it is a file)")
        self.fingerprint = _clean(dict(fingerprint))
        path = self.root / _MANIFEST
        if path.exists():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise LoopsimError(f"{path}: not a readable loopsim result store ({exc})") from None
            if old.get("fingerprint") != self.fingerprint:
                diff = sorted(k for k in set(old.get("fingerprint", {})) | set(self.fingerprint)
                              if old.get("fingerprint", {}).get(k) != self.fingerprint.get(k))
                raise LoopsimError(
                    f"{self.root}: this result store was made for a different experiment "
                    f"(differs in: {', '.join(diff) or 'format'}); use a new --out directory")
        else:
            if (self.root / "runs").is_dir() and any((self.root / "runs").iterdir()):
                raise LoopsimError(f"{self.root}: has runs but no {_MANIFEST}; "
                                   "not a complete loopsim result store")
            atomic_write_json(path, {"format": STORE_FORMAT, "fingerprint": self.fingerprint,
                                     **_clean(dict(manifest or {}))})
        (self.root / "runs").mkdir(parents=True, exist_ok=True)

    # -- runs ------------------------------------------------------------------------------
    def run_path(self, point: int, replication: int) -> Path:
        return self.root / "runs" / f"{run_name(point, replication)}.parquet"

    def finished(self) -> dict[tuple[int, int], dict[str, Any]]:
        """Rows of every finished run, keyed by (point, replication). Unreadable files are
        treated as unfinished (they are rewritten when the run is redone)."""
        out: dict[tuple[int, int], dict[str, Any]] = {}
        for f in sorted((self.root / "runs").glob("p*_r*.parquet")):
            try:
                p, r = f.stem[1:].split("_r")
                key = (int(p), int(r))
                df = pd.read_parquet(f)
            except Exception:  # a torn or foreign file: the run is simply redone
                continue
            if len(df) == 1:
                out[key] = df.iloc[0].to_dict()
        return out

    def write_run(self, point: int, replication: int, row: Mapping[str, Any],
                  meta: Mapping[str, Any], tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Record one finished run: tables and metadata first, the summary row last."""
        name = run_name(point, replication)
        if self.tables and tables:
            for tname, df in tables.items():
                atomic_write_table(self.root / "tables" / name / f"{tname}.parquet", df)
        atomic_write_json(self.root / "runs" / f"{name}.json", meta)
        atomic_write_table(self.run_path(point, replication), pd.DataFrame([dict(row)]))

    def discard_if_empty(self) -> None:
        """Remove the store's skeleton (manifest, empty ``runs/``, and the folder if that leaves
        it empty) when it holds no run: what an experiment that failed before its first run
        (an unreachable Dask scheduler, say) would otherwise leave behind."""
        runs = self.root / "runs"
        if runs.is_dir() and any(runs.iterdir()):
            return
        if runs.is_dir():
            runs.rmdir()
        (self.root / _MANIFEST).unlink(missing_ok=True)
        if self.root.is_dir() and not any(self.root.iterdir()):
            self.root.rmdir()

    def finalize(self, runs: pd.DataFrame, summary: Mapping[str, Any],
                 extra_tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Write the final tidy ``runs.parquet`` and ``summary.json`` (and any extra tables)."""
        atomic_write_table(self.root / "runs.parquet", runs)
        for name, df in (extra_tables or {}).items():
            atomic_write_table(self.root / f"{name}.parquet", df)
        atomic_write_json(self.root / "summary.json", summary)


def summary_payload(kind: str, seed: int, table: pd.DataFrame, extra: Mapping[str, Any] | None = None,
                    index_name: str = "metric") -> dict[str, Any]:
    """A JSON-able ``summary.json`` body from a summary table indexed by metric: ``metrics``
    maps each metric to its row (mean, sd, n, ci_low, ci_high), ``table`` is the same as records."""
    records: Iterable[dict] = table.reset_index().rename(columns={"index": index_name}).to_dict("records")
    return {"kind": kind, "seed": seed, **dict(extra or {}),
            "metrics": {str(k): dict(r) for k, r in table.iterrows()}, "table": list(records)}
