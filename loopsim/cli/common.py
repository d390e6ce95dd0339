"""Shared pieces of the ``loopsim`` command: the click group, options, loading, formatting.

Every command prints a readable table; commands that write results write ``DIR/summary.json``
and tidy tables. Bad input gives one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import math
import os
import unicodedata
from pathlib import Path

import click
from rich.console import Console, ConsoleDimensions
from rich.text import Text

from ..errors import LoopsimError


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` with control characters (but those in ``keep``) and bidirectional overrides shown
    as escapes: names from users' files cannot drive the terminal (ESC sequences) or reorder
    what is shown."""
    return "".join(ch if ch in keep or not _hidden(ch) else ascii(ch)[1:-1] for ch in text)


def _hidden(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat == "Cc" or (cat == "Cf" and ch in _BIDI)


_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


#: Width (characters) of output that goes to no terminal (piped, logged, captured): wide enough
#: for the comparison tables, instead of rich's 80-column default.
PIPED_WIDTH = 140


class _PlainConsole(Console):
    """A console that prints strings as they are: no markup, no emoji codes (a scenario named
    "x[/]y" or ":joy:" prints literally) and control characters escaped. Style with
    :class:`rich.text.Text` where needed.

    Its width (characters) is decided at each print: the ``COLUMNS`` environment variable if set,
    else the terminal's width when printing to one, else :data:`PIPED_WIDTH`."""

    def __init__(self, *, width: int | None = None, height: int | None = None, **kwargs) -> None:
        super().__init__(width=width, height=height, **kwargs)
        if not self.is_jupyter:
            # rich fixes COLUMNS and LINES when the console is made, i.e. when this module is
            # imported; read them at each print instead (whoever imported it first, e.g. a test
            # runner, must not decide the width of every later command in the process).
            self._width, self._height = width, height

    def render_str(self, text: str, **kwargs):   # every str printed or put in a table passes here
        return super().render_str(printable(text), **kwargs)

    @property
    def size(self) -> ConsoleDimensions:
        """Width and height in characters (rich's, but :data:`PIPED_WIDTH` wide when writing to no
        terminal and ``COLUMNS`` is not set)."""
        size = super().size
        if self._width is None and not self._environ.get("COLUMNS", "").isdigit() \
                and not _is_tty(self.file):
            return ConsoleDimensions(PIPED_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):   # no isatty, or closed
        return False


console = _PlainConsole(markup=False, emoji=False)


def _version_string() -> str:
    from .. import __version__

    return f"loopsim {__version__}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              help="Show the version and exit.",
              callback=lambda ctx, _p, v: (click.echo(_version_string()), ctx.exit()) if v else None)
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE",
              help="Import a Python module that registers policy types (repeatable); installed "
                   "plug-ins (entry points loopsim.policies) need no option.")
@click.option("--scenario-path", "scenario_paths", multiple=True, metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="Also let scenario files extend files under DIR (repeatable; as "
                   "LOOPSIM_SCENARIO_PATH). See docs/scenarios.md.")
@click.option("--engine", type=click.Choice(["auto", "compiled", "python"]), default=None,
              help="Simulation engine: compiled (numba) or python (SimPy, the readable reference); "
                   "auto (default, as LOOPSIM_ENGINE) takes compiled when it can run the scenario. "
                   "Both give the same results; see docs/engine.md.")
@click.pass_context
def app(ctx: click.Context, plugins: tuple[str, ...], scenario_paths: tuple[Path, ...],
        engine: str | None):
    """Simulate the customer loyalty loop: funnel, purchases, rewards, service, personalisation,
    advocacy and churn, with real costs."""
    from ..registry import load_plugin
    from ..scenario.files import allow_scenario_paths

    if engine is not None:
        # an environment variable reaches the local worker processes too (results do not
        # depend on the engine, only the speed does)
        os.environ["LOOPSIM_ENGINE"] = engine

    for module in plugins:
        load_plugin(module)
    for d in scenario_paths:
        if not d.is_dir():
            raise LoopsimError(f"--scenario-path {d}: not a folder")
    ctx.with_resource(allow_scenario_paths(scenario_paths))


scenario_arg = click.argument("scenario", type=click.Path(path_type=Path))
class _PositiveFinite(click.ParamType):
    """A finite number > 0 (click's FloatRange lets NaN and inf through)."""

    name = "float"

    def convert(self, value, param, ctx):
        try:
            v = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not (math.isfinite(v) and v > 0):
            self.fail(f"{value!r} is not a finite number > 0", param, ctx)
        return v


POSITIVE = _PositiveFinite()
seed_opt = click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True,
                        help="Root random seed (0 to 2**63-1).")
set_opt = click.option("--set", "set_", multiple=True, metavar="PATH=VALUE",
                       help="Override a field by dotted path (repeatable).")


# ---------------------------------------------------------------------------- helpers
def note(text: str) -> None:
    """Print ``note: text`` with the "note:" in yellow (``text`` printed literally)."""
    console.print(Text.assemble(("note:", "yellow"), " ", printable(text)))


def load(path: Path, sets: list[str] | None = None, workers: int | None = None):
    """Load a scenario with ``--set`` overrides (errors are one-line ScenarioErrors); with
    ``workers`` (processes about to run it on this machine), refuse one that cannot fit in memory."""
    from ..resources import check_memory
    from ..scenario import load_scenario, parse_override

    overrides = dict(parse_override(s) for s in (sets or []))
    sc = load_scenario(path, overrides)
    if workers is not None:
        check_memory(sc, workers)
    return sc


def local_workers(workers: int, dask: str | None) -> int | None:
    """How many processes of this machine a run uses at once (None: a remote Dask cluster's)."""
    return workers if dask in (None, "local") else None


def fmt(v: float) -> str:
    """Format a metric value for a table."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:,.2f}"
    return f"{v:.4f}"


def fmt_ci(mean: float, lo: float, hi: float) -> str:
    """``mean ± half-width`` of a 95% interval, to the precision the half-width supports."""
    if any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)):
        return fmt(mean)
    half = (hi - lo) / 2
    if not half > 0 or math.isnan(mean):
        return f"{fmt(mean)} ± 0"
    # two significant digits of the half-width, and the mean to the same decimals: the digits
    # shown are the ones the interval supports
    d = min(8, max(0, 1 - math.floor(math.log10(half))))
    return f"{mean:,.{d}f} ± {half:,.{d}f}"


def write_table(df, path: Path) -> None:
    """Write a DataFrame atomically as Parquet or CSV (by suffix)."""
    from ..store import atomic_write_table

    atomic_write_table(path, df)


def write_summary_json(path: Path, payload: dict) -> None:
    """Write ``summary.json`` atomically (NaN as null)."""
    from ..store import atomic_write_json

    atomic_write_json(path, payload)


def _check_out(out: Path | None) -> None:
    if out is not None and out.exists() and not out.is_dir():
        raise LoopsimError(f"{out}: --out must be a directory (it is a file)")


# ---------------------------------------------------------------------------- run
precision_opts = [
    click.option("--precision", type=POSITIVE, default=None,
                 help="Add replications until the 95% CI half-width of --metric is within this share "
                      "of its mean (e.g. 0.01), starting from --reps (default 10)."),
    click.option("--max-reps", type=click.IntRange(min=2), default=1000, show_default=True,
                 help="Cap on replications with --precision."),
    click.option("--metric", default="profit", show_default=True, help="Metric for --precision."),
]
dask_opt = click.option("--dask", default=None, metavar="ADDRESS|local",
                        help="Run on Dask distributed: a scheduler address, or 'local' for a LocalCluster "
                             "with --workers processes.")


def _options(opts):
    def deco(f):
        for o in reversed(opts):
            f = o(f)
        return f
    return deco


def _check_metric(metric: str) -> None:
    from ..metrics import CORE_METRICS

    if metric not in CORE_METRICS:
        raise LoopsimError(f"--metric: {metric!r} is not a summary metric; use one of {', '.join(CORE_METRICS)}")


def _check_reps_cap(reps: int | None, max_reps: int, precision: float | None) -> None:
    if precision is not None and reps is not None and reps > max_reps:
        raise LoopsimError(f"--reps {reps} is more than --max-reps {max_reps}; with --precision, --reps is "
                           "where the replications start and --max-reps their cap")


