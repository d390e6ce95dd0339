"""The store's writer lock: one experiment writes into a store folder at a time.

``DIR/.lock`` is an exclusive OS lock (:mod:`filelock`: ``flock`` on Unix), so it is released
by the kernel when its holder dies, even by SIGKILL: a killed run never leaves a store locked.
``DIR/.lock.json`` beside it names the holder (pid, host, command, start time) so that a refused
second writer can say who holds the folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import sys
import time
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..errors import LoopsimError
from .atomic import atomic_write_json

LOCK_NAME = ".lock"
HOLDER_NAME = ".lock.json"


def this_command() -> str:
    """The command line of this process (provenance of what a store holds)."""
    return shlex.join([os.path.basename(sys.argv[0] or "python"), *sys.argv[1:]])


def _holder_text(root: Path) -> str:
    """``pid N on HOST, started ..., command ...`` from ``.lock.json``, or a plain phrase."""
    try:
        h = json.loads((root / HOLDER_NAME).read_text(encoding="utf-8"))
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(h["started"])))
        return f"pid {int(h['pid'])} on {h['host']}, since {when}: {h['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (no holder information)"


class StoreLock:
    """Exclusive lock of a store folder, held for the whole experiment.

    ``wait``: False refuses at once (one line naming the folder and the holder); True waits
    until the holder finishes; a number waits at most that many seconds.
    """

    def __init__(self, root: Path, wait: bool | float = False):
        self.root = Path(root)
        self.wait = wait
        self._lock = FileLock(self.root / LOCK_NAME, timeout=-1, thread_local=False)

    def acquire(self) -> None:
        """Take the lock (or refuse / wait, see the class) and record this process as holder."""
        timeout = 0 if self.wait is False else -1 if self.wait is True else float(self.wait)
        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            waited = "" if timeout == 0 else f" after waiting {timeout:g} s"
            raise LoopsimError(
                f"{self.root}: result store in use by {_holder_text(self.root)}{waited}; wait for "
                "it to finish (--wait) or use another --out") from None
        except OSError as exc:
            raise LoopsimError(f"{self.root}: cannot lock the result store: "
                               f"{exc.strerror or exc}") from None
        try:
            atomic_write_json(self.root / HOLDER_NAME, self.holder())
        except BaseException:
            self._lock.release()
            raise

    @staticmethod
    def holder() -> dict[str, Any]:
        """What ``.lock.json`` says about this process."""
        return {"pid": os.getpid(), "host": socket.gethostname(), "command": this_command(),
                "started": time.time()}

    def release(self) -> None:
        """Release the lock (idempotent); the holder file goes with it."""
        if self._lock.is_locked:
            with contextlib.suppress(OSError):
                (self.root / HOLDER_NAME).unlink(missing_ok=True)
            self._lock.release(force=True)

    def held_by_other(self) -> str | None:
        """Who holds the folder if someone else does (for ``store check``), else None."""
        probe = FileLock(self.root / LOCK_NAME, timeout=0, thread_local=False)
        try:
            probe.acquire(timeout=0)
        except Timeout:
            return _holder_text(self.root)
        except OSError:
            return None
        probe.release(force=True)
        return None
