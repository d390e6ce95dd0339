"""Atomic file writes: a temporary file in the same folder, fsync, then :func:`os.replace`.

A reader never sees a half-written file, and a killed write leaves only a hidden temporary file
(``.NAME.*.tmp``) that the result store removes when it is next opened.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import LoopsimError


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


def atomic_write_parquet(path: str | os.PathLike, table: pa.Table) -> None:
    """Write a :class:`pyarrow.Table` (with its schema's key-value metadata) atomically."""

    def write(tmp: str) -> None:
        pq.write_table(table, tmp)

    _atomic_write(path, write)

