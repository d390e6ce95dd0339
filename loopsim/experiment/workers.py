"""Local worker processes: signal handling (Ctrl-C is the parent's business)."""

from __future__ import annotations

import multiprocessing as mp
import signal
from contextlib import contextmanager


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's business (it cancels the experiment cleanly);
    workers must not die with a traceback of their own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
