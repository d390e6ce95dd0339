"""Reading scenario files safely: regular files under a size cap, TOML nested no deeper than a
limit, and ``extends`` only inside the folders the scenario may read.

A scenario file may come from someone else. Reading it must not hang (a FIFO), exhaust memory
(``/dev/zero``, a huge file, a long ``extends`` chain), crash on deep nesting, or read files
outside the scenario's folder tree and show their values in an error. The rules, documented in
``docs/scenarios.md``:

* Scenario files (the one named on the command line and every ``extends`` base) are regular
  files (not devices, FIFOs, sockets or folders) of at most :data:`MAX_SCENARIO_BYTES`.
* Tables and arrays nest at most :data:`MAX_NESTING` deep; an ``extends`` chain has at most
  :data:`MAX_EXTENDS_CHAIN` files.
* ``extends`` is resolved relative to the extending file (symbolic links followed) and must stay
  inside an allowed folder tree: the folder of the top-level file, a *scenario library* (a
  folder holding a :data:`LIBRARY_MARKER` file, such as the bundled ``scenarios/``), or a folder
  the user allows with ``--scenario-path DIR`` or the ``LOOPSIM_SCENARIO_PATH`` environment
  variable (folders separated by ``os.pathsep``). A path outside them is refused before it is
  opened, so nothing read from it can appear in a message.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ScenarioError

#: Largest scenario file read (bytes): 1 MiB, hundreds of times the largest bundled scenario.
MAX_SCENARIO_BYTES = 1 << 20
#: Deepest nesting of tables and arrays in a scenario (the bundled ones need 5).
MAX_NESTING = 32
#: Most files in one ``extends`` chain (the top-level file included).
MAX_EXTENDS_CHAIN = 16
#: A file of this name marks its folder (and subfolders) as a scenario library that any
#: scenario may extend, e.g. the bundled ``scenarios/``.
LIBRARY_MARKER = ".loopsim-scenarios"
#: Environment variable listing extra folders ``extends`` may read (``os.pathsep``-separated).
SCENARIO_PATH_ENV = "LOOPSIM_SCENARIO_PATH"

#: The loading rules as documented in docs/scenarios.md (appended by ``loopsim.docgen``).
LOADING_RULES: list[str] = [
    "## Loading rules",
    "",
    "A scenario file may come from someone else; loading it cannot hang, exhaust memory, run code",
    "or show the contents of files it should not read. Every rule gives one line and exit code 2.",
    "",
    "* Scenario files (the one named on the command line and every `extends` base) are regular",
    f"  files (not devices, FIFOs, sockets or folders) of at most {MAX_SCENARIO_BYTES / 2**20:g} MiB, "
    "in UTF-8.",
    f"* Tables and arrays nest at most {MAX_NESTING} levels deep (dotted keys count); an `extends`",
    f"  chain has at most {MAX_EXTENDS_CHAIN} files and no cycle.",
    "* `extends` is resolved relative to the extending file (symbolic links followed) and must stay",
    "  inside an allowed folder tree: the folder of the top-level file (and its subfolders); a",
    f"  *scenario library*, a folder holding a file named `{LIBRARY_MARKER}` (the bundled",
    "  `scenarios/` is one, so its subfolders extend `../baseline.toml` and a calibrated scenario",
    "  anywhere may extend `scenarios/calibrated/cdnow_base.toml`); or a folder the user allows with",
    f"  `loopsim --scenario-path DIR` (repeatable, before the command) or `{SCENARIO_PATH_ENV}`",
    "  (folders separated by `:`; `;` on Windows). An absolute path or a `../` leaving these trees",
    "  is refused before the file is opened, so nothing from it can appear in a message.",
    "* Integers fit in 64 bits (-2**63 to 2**63-1), in files, `--set` and `--grid` values; booleans",
    "  are `true` or `false` (not `\"yes\"` or `1`); numbers are finite numbers, not strings.",
    "* A policy `type` names a registered policy (built in, or from a plug-in: see",
    "  [howto_custom_policy.md](howto_custom_policy.md)); nothing in a scenario file is imported",
    "  or executed.",
    "* Before a run, loopsim estimates its memory (the larger of the two engines' footprints",
    "  measured in [engine.md](engine.md): about 0.7 KB per customer plus 310 MB per process on",
    "  the compiled engine, 1.4 KB plus 200 MB on the Python engine; times the worker processes)",
    "  and refuses a run that cannot fit: `needs about X GB; this machine has Y GB`.",
    "  `LOOPSIM_MEMORY_BYTES` sets the memory to assume instead of the machine's (tests use it;",
    "  also useful on a shared machine).",
    "",
]

_ALLOWED: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("loopsim_scenario_path",
                                                                            default=())


@contextlib.contextmanager
def allow_scenario_paths(dirs: Iterable[str | os.PathLike]) -> Iterator[None]:
    """Within the block, ``extends`` may also read files under ``dirs`` (the CLI's
    ``--scenario-path``); nested blocks add to the outer ones."""
    token = _ALLOWED.set(_ALLOWED.get() + tuple(Path(d).resolve() for d in dirs))
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def allowed_roots(top: Path, extra: Iterable[str | os.PathLike] = ()) -> tuple[Path, ...]:
    """The folders whose trees ``extends`` may read for the top-level file ``top`` (resolved):
    its own folder, ``extra``, the ``--scenario-path`` folders and ``LOOPSIM_SCENARIO_PATH``."""
    env = [p for p in os.environ.get(SCENARIO_PATH_ENV, "").split(os.pathsep) if p.strip()]
    return (top.parent, *(Path(p).resolve() for p in (*extra, *env)), *_ALLOWED.get())


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _in_library(path: Path) -> bool:
    """``path`` lies in a folder tree marked as a scenario library."""
    return any((folder / LIBRARY_MARKER).is_file() for folder in path.parents)


def check_extends_target(target: Path, roots: tuple[Path, ...], written: str, shown: str) -> None:
    """Refuse an ``extends`` target (resolved) outside every allowed tree, before opening it;
    ``written`` is the value as written in the file ``shown``."""
    if any(_inside(target, r) for r in roots) or _in_library(target):
        return
    raise ScenarioError(
        f"{written!r} is outside the scenario's folder tree ({roots[0]}); allow its folder with "
        f"`loopsim --scenario-path DIR` or {SCENARIO_PATH_ENV}, or mark a folder holding both as a "
        f"scenario library with an empty {LIBRARY_MARKER} file (see docs/scenarios.md)",
        source=shown, field="extends")


def read_scenario_text(path: Path, shown: str) -> str:
    """The text of a scenario file: a regular file of at most :data:`MAX_SCENARIO_BYTES`, UTF-8.

    Opened without blocking (a FIFO swapped in after a check cannot hang the read) and checked
    on the open file, then read up to one byte past the cap (``/proc`` files report size 0)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ScenarioError("file not found", source=shown) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", source=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot open: {exc.strerror or exc}", source=shown) from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ScenarioError("is a directory, not a scenario file", source=shown)
        if not stat.S_ISREG(mode):
            raise ScenarioError("is not a regular file (a device, FIFO or socket); a scenario is a "
                                "TOML text file", source=shown)
        data = fh.read(MAX_SCENARIO_BYTES + 1)
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"larger than {MAX_SCENARIO_BYTES / 2**20:g} MiB, the limit for a "
                            "scenario file", source=shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not a UTF-8 text file", source=shown) from None


def parse_toml(text: str, source: str | None, what: str = "malformed TOML") -> dict[str, Any]:
    """Parse TOML text, refusing nesting deeper than :data:`MAX_NESTING` with one line
    (``tomllib`` recurses once per level, so very deep input raises RecursionError in it)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{what}: {exc}", source=source) from None
    except RecursionError:
        data = None
    if data is None or nesting_depth(data) > MAX_NESTING:
        raise ScenarioError(f"tables and arrays nested more than {MAX_NESTING} levels deep; a scenario "
                            "needs a handful", source=source)
    return data


def nesting_depth(value: Any) -> int:
    """How many tables and arrays enclose the deepest value (the top-level table not counted);
    iterative, so any depth is measured without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            break
        items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((v, depth + 1) for v in items if isinstance(v, dict | list))
    return deepest
