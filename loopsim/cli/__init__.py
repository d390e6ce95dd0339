"""The ``loopsim`` command.

Every command prints a readable table; commands that write results write ``DIR/summary.json``
and tidy tables. Bad input gives one line on stderr and exit code 2, never a traceback.
One module per group of commands; ``common`` holds the click group and the shared options.
"""

from __future__ import annotations

import signal
import sys

import click
from rich.console import Console

from ..errors import LoopsimError, ScenarioError
from . import data, experiments, plot, single  # noqa: F401  (registers the commands)
from . import store as _store  # noqa: F401  (loopsim store check)
from .common import app

__all__ = ["app", "main"]


# ---------------------------------------------------------------------------- entry point
def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning bad input into one line and exit code 2."""
    # A terminated experiment (a batch system's time limit, `kill`) stops like Ctrl-C: finished
    # runs stay in the store and the message says so.
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    term = signal.getsignal(signal.SIGTERM) if hasattr(signal, "SIGTERM") and main_thread else None
    if term == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        _main(argv)
    finally:
        if term == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, term)


def _main(argv: list[str] | None) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        rv = app.main(args=argv, standalone_mode=False, prog_name="loopsim")
        if isinstance(rv, int) and rv:
            sys.exit(rv)
    except (LoopsimError, ScenarioError) as exc:
        err.print(f"loopsim: error: {exc}", markup=False)
        sys.exit(2)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(0)
    except click.exceptions.NoSuchOption as exc:
        err.print(f"loopsim: error: {exc.format_message()}", markup=False)
        sys.exit(2)
    except click.exceptions.UsageError as exc:
        msg = exc.format_message().replace("\n", " ")
        err.print(f"loopsim: error: {msg}", markup=False)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):
        err.print("loopsim: error: interrupted", markup=False)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except MemoryError:
        err.print("loopsim: error: out of memory; simulate fewer customers (market.initial_customers, "
                  "arrivals), a shorter time.horizon_days, or use fewer --workers", markup=False)
        sys.exit(2)
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        err.print(f"loopsim: error: {where}{exc.strerror or exc}", markup=False)
        sys.exit(2)
