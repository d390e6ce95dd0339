"""The search space: which scenario fields the optimiser may change, and over which values.

A parameter is a dotted scenario path (as in ``--set``) with a float range, an integer range, a
log-scale range or a list of choices. On the command line::

    PATH=LOW:HIGH          uniform float (or integers when both ends are integers)
    PATH=LOW:HIGH:int      integers LOW..HIGH
    PATH=LOW:HIGH:log      log-uniform float (LOW > 0)
    PATH=a,b,c             one of the listed values (read as TOML, else strings)

From Python: ``{path: (low, high)}``, ``(low, high, "int" | "log")`` or a list of choices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import LoopsimError, ScenarioError

KINDS = ("float", "int", "log", "choice")


@dataclass(frozen=True)
class Param:
    """One searched field: dotted ``path``, ``kind`` (float, int, log, choice), its range
    ``low``..``high`` (in the field's own unit) or its ``choices``."""

    path: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()

    def suggest(self, trial) -> Any:
        """The value an Optuna trial proposes for this parameter."""
        if self.kind == "choice":
            return trial.suggest_categorical(self.path, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.path, int(self.low), int(self.high))
        return trial.suggest_float(self.path, float(self.low), float(self.high), log=self.kind == "log")

    def describe(self) -> str:
        """The parameter as written on the command line."""
        if self.kind == "choice":
            return f"{self.path}=" + ",".join(str(c) for c in self.choices)
        return f"{self.path}={self.low:g}:{self.high:g}" + ("" if self.kind == "float" else f":{self.kind}")


def _number(text: str, where: str) -> int | float:
    t = text.strip()
    try:
        v: int | float = int(t) if t.lstrip("+-").isdigit() else float(t)
    except ValueError:
        raise LoopsimError(f"--param {where}: LOW and HIGH must be numbers (got {text!r})") from None
    if not math.isfinite(v):
        raise LoopsimError(f"--param {where}: LOW and HIGH must be finite numbers (got {text!r})")
    return v


def make_param(path: str, low: Any, high: Any, kind: str | None = None) -> Param:
    """A range parameter, checked: finite numbers, LOW < HIGH, integer ends for ``int``,
    LOW > 0 for ``log``. ``kind=None``: integers when both ends are integers, else float."""
    where = path
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise LoopsimError(f"--param {where}: LOW and HIGH must be finite numbers (got {low!r}:{high!r})")
    if kind is None:
        kind = "int" if isinstance(low, int) and isinstance(high, int) else "float"
    if kind not in ("float", "int", "log"):
        raise LoopsimError(f"--param {where}: unknown scale {kind!r}; use int or log (or none for float)")
    if not high > low:
        raise LoopsimError(f"--param {where}: an empty or inverted range {low!r}:{high!r}; needs LOW < HIGH")
    if kind == "int" and not (float(low).is_integer() and float(high).is_integer()):
        raise LoopsimError(f"--param {where}: an int range needs whole-number ends (got {low!r}:{high!r})")
    if kind == "log" and low <= 0:
        raise LoopsimError(f"--param {where}: a log range needs LOW > 0 (got {low!r})")
    if kind == "int":
        low, high = int(low), int(high)
    return Param(path, kind, low, high)


def parse_param(spec: str) -> Param:
    """One ``--param`` string (``PATH=LOW:HIGH[:int|:log]`` or ``PATH=a,b,c``) -> a Param."""
    from ..scenario import parse_override

    path, sep, raw = spec.partition("=")
    path = path.strip()
    if not sep or not path:
        raise LoopsimError(f"--param needs PATH=LOW:HIGH, PATH=LOW:HIGH:int|log or PATH=a,b,c (got {spec!r})")
    if not raw.strip():
        raise LoopsimError(f"--param {path}: no range or values")
    if ":" in raw:
        parts = raw.split(":")
        if len(parts) not in (2, 3):
            raise LoopsimError(f"--param {path}: needs LOW:HIGH or LOW:HIGH:int|log (got {raw!r})")
        kind = parts[2].strip() if len(parts) == 3 else None
        return make_param(path, _number(parts[0], path), _number(parts[1], path), kind)
    items = raw.split(",")
    if any(not v.strip() for v in items):
        raise LoopsimError(f"--param {path}: an empty value in {raw!r}; separate choices by single commas")
    return make_choice(path, [parse_override(f"{path}={v}")[1] for v in items])


def make_choice(path: str, values: Sequence[Any]) -> Param:
    """A choice parameter: at least one value, no repeats."""
    values = list(values)
    if not values:
        raise LoopsimError(f"--param {path}: an empty list of choices")
    if len({repr(v) for v in values}) != len(values):
        raise LoopsimError(f"--param {path}: a choice is listed twice in {values!r}")
    kinds = {"number" if isinstance(v, int | float) and not isinstance(v, bool) else type(v).__name__
             for v in values}
    if len(kinds) > 1:   # one column of the trials table holds them
        raise LoopsimError(f"--param {path}: choices must be all numbers, all strings or all booleans "
                           f"(got {values!r})")
    return Param(path, "choice", choices=tuple(values))


def from_mapping(params: Mapping[str, Any]) -> list[Param]:
    """The Python form (``{path: (low, high[, kind]) | [choices] | Param}``) -> Params."""
    out: list[Param] = []
    for path, spec in params.items():
        if isinstance(spec, Param):
            out.append(spec)
        elif isinstance(spec, list):
            out.append(make_choice(path, spec))
        elif isinstance(spec, tuple) and len(spec) in (2, 3):
            out.append(make_param(path, spec[0], spec[1], spec[2] if len(spec) == 3 else None))
        else:
            raise LoopsimError(f"--param {path}: give (low, high), (low, high, 'int'|'log') or a list "
                               f"of choices (got {spec!r})")
    return out


def check_space(params: Sequence[Param], scenario) -> None:
    """Refuse, before anything runs, an empty space, a path given twice, or a path or value the
    scenario does not accept (both ends of a range and every choice are validated)."""
    if not params:
        raise LoopsimError("no parameters to optimise; give at least one --param PATH=LOW:HIGH")
    seen: set[str] = set()
    for p in params:
        if p.path in seen:
            raise LoopsimError(f"--param {p.path}: given twice")
        seen.add(p.path)
        for v in (p.choices if p.kind == "choice" else (p.low, p.high)):
            try:
                scenario.with_overrides({p.path: v}, source=f"--param {p.describe()}")
            except ScenarioError as exc:
                msg = str(exc)
                raise LoopsimError(msg if msg.startswith("--param") else f"--param {p.describe()}: {msg}") from None
