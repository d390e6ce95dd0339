"""``loopsim store check DIR [--repair]``: what a store holds, what is wrong with it, and a fix."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LoopsimError
from .atomic import atomic_write_json
from .lock import StoreLock
from .resultstore import MANIFEST, QUARANTINE, clean_temp_files, quarantine, read_manifest
from .rows import BadRow, read_row


@dataclass
class CheckReport:
    """The findings of :func:`check_store`: ``lines`` to show, ``problems`` found (before any
    repair) and ``repaired`` (what ``--repair`` did)."""

    root: Path
    lines: list[str] = field(default_factory=list)
    problems: int = 0
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if nothing was wrong, or every problem was repaired."""
        return self.problems == 0 or bool(self.repaired)


def _manifest(root: Path, rep: CheckReport, repair: bool) -> dict | None:
    """store.json, restored from meta/store.json by a repair if it is malformed or missing."""
    try:
        data = read_manifest(root)
    except LoopsimError as exc:
        if "older loopsim" in str(exc):
            raise
        rep.problems += 1
        rep.lines.append(f"bad {MANIFEST}: {exc}")
        data = None
        if not repair:
            return None
        quarantine(root, root / MANIFEST)
        rep.repaired.append(f"moved the bad {MANIFEST} to {QUARANTINE}/")
    if data is None and repair and (root / "meta" / MANIFEST).exists():
        try:
            data = read_manifest(root / "meta")
        except LoopsimError:
            data = None
        if data is not None:
            atomic_write_json(root / MANIFEST, data)
            rep.repaired.append(f"restored {MANIFEST} from meta/{MANIFEST}")
    return data


def _rows(root: Path, data: dict | None, rep: CheckReport, repair: bool) -> str:
    """Check (and with ``repair`` quarantine) every row file; the one-line tally."""
    from .. import __version__
    from ..metrics import CORE_METRICS
    from .fingerprint import digest

    files = sorted(f for f in (root / "runs").glob("*") if not f.name.startswith(".")) \
        if (root / "runs").is_dir() else []
    good = 0
    for f in files:
        try:
            if data is None:
                raise BadRow("foreign", f"cannot be checked without a valid {MANIFEST}")
            fp = data["fingerprint"]
            read_row(f, fp, digest(fp), __version__, CORE_METRICS)
            good += 1
        except BadRow as bad:
            rep.problems += 1
            rep.lines.append(f"bad row runs/{f.name}: {bad}")
            if repair:
                quarantine(root, f)
                rep.repaired.append(f"moved runs/{f.name} to {QUARANTINE}/ (its run is redone on resume)")
    finished = "finished" if (root / "summary.json").exists() else \
        "not finished (run the same command again to complete it)"
    return f"{good} good run{'s' * (good != 1)}; experiment {finished}"


def check_store(root: str | os.PathLike, repair: bool = False, wait: bool | float = False) -> CheckReport:
    """Check a result store: its ``store.json``, every row file against the fingerprint, the
    temporary files of killed writes and the lock. With ``repair``: bad rows and a bad
    ``store.json`` are moved to ``quarantine/`` (``store.json`` is restored from its copy in
    ``meta/`` when that is sound), temporary files are removed; the store is locked meanwhile."""
    root = Path(root)
    if not root.is_dir():
        raise LoopsimError(f"{root}: not a directory (give the --out folder of an experiment)")
    if not (root / MANIFEST).exists() and not (root / "runs").is_dir() and not (root / "meta").is_dir():
        raise LoopsimError(f"{root}: not a loopsim result store (no {MANIFEST}, runs/ or meta/)")
    rep = CheckReport(root)
    lock = StoreLock(root, wait)
    if repair:
        lock.acquire()
    else:
        holder = lock.held_by_other()
        if holder:
            rep.lines.append(f"in use by {holder} (its rows may still be changing)")
    try:
        data = _manifest(root, rep, repair)
        head = []
        if data is not None:
            fp = data["fingerprint"]
            head.append(f"{root}: {fp.get('kind')} experiment, seed {fp.get('seed')}, "
                        f"{len(fp.get('points', []))} point(s), made by loopsim {data.get('loopsim_version')}")
        tally = _rows(root, data, rep, repair)
        rep.lines = [*head, tally, *rep.lines]
        temps = list(root.rglob(".*.tmp"))
        if temps:
            rep.problems += 1
            rep.lines.append(f"{len(temps)} temporary file(s) of interrupted writes")
            if repair:
                clean_temp_files(root)
                rep.repaired.append(f"removed {len(temps)} temporary file(s)")
    finally:
        lock.release()
    return rep
