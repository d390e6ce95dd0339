"""Local worker processes: signal handling (Ctrl-C is the parent's business) and dying with the
parent (a parent killed by SIGKILL must not leave its workers running)."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
from contextlib import contextmanager

#: Seconds between the watchdog's checks that the parent is still alive.
WATCHDOG_INTERVAL = 0.5
_PR_SET_PDEATHSIG = 1


def _init_worker(parent_pid: int) -> None:
    """Worker initializer: Ctrl-C is the parent's business (it cancels the experiment cleanly),
    so workers ignore it rather than die with a traceback of their own; and a worker dies with
    its parent (:func:`die_with_parent`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)


def _pdeathsig() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    return False


def _watch(parent_pid: int) -> None:
    stop = threading.Event()
    while not stop.wait(WATCHDOG_INTERVAL):
        if os.getppid() != parent_pid:
            os._exit(1)


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process end when ``parent_pid`` does, even if the parent is killed by
    SIGKILL and cannot shut its pool down: on Linux by ``prctl(PR_SET_PDEATHSIG, SIGKILL)``;
    everywhere by a daemon thread that exits when the parent changes (the orphan is re-parented).
    A parent that died before this call is caught by the first check."""
    _pdeathsig()
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="loopsim-parent-watchdog", daemon=True).start()


@contextmanager
def _sigint_blocked():
    """Block SIGINT in the calling thread for the duration of the block.

    Processes and threads started meanwhile inherit the mask, so a Ctrl-C sent to the terminal's
    process group reaches only the parent, which stops the experiment cleanly. A no-op where
    there are no signal masks (Windows: no process groups to worry about)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    # Starting multiprocessing's resource tracker *unblocks* SIGINT in the thread that starts it
    # (CPython's resource_tracker.ensure_running); the first spawn would do that inside the
    # block, in whatever thread spawns (Dask's event loop), and later processes would be born
    # unblocked. Start it here, before blocking.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _WorkerProcess(mp.get_context("spawn").Process):
    """A spawned worker that is born with SIGINT blocked.

    The initializer can only ignore SIGINT once the worker has imported loopsim (about a second);
    a Ctrl-C sent to the process group before then would kill the worker with a traceback. A
    blocked signal stays pending through ``exec`` and is discarded once the initializer ignores
    it. The mask is per thread, so this works from the executor's manager thread too."""

    def start(self) -> None:
        with _sigint_blocked():
            super().start()


class _WorkerContext(type(mp.get_context("spawn"))):
    """The ``spawn`` start method with :class:`_WorkerProcess` workers."""

    Process = _WorkerProcess
