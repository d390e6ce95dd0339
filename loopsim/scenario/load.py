"""Loading scenario files: TOML, ``extends`` (deep merge over a base), provenance of values
and one-line errors."""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    ValidationError,
)

from ..errors import ScenarioError
from .base import SCHEMA_VERSION
from .model import Scenario
from .overrides import _allowed_keys, _dist_names, _set_path
from .schema import _walk


def _deep_merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_toml(path: Path, shown: str | None = None) -> dict:
    shown = shown or str(path)
    if not path.exists():
        raise ScenarioError("file not found", source=shown)
    if path.is_dir():
        raise ScenarioError("is a directory, not a scenario file", source=shown)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"malformed TOML: {exc}", source=shown) from None
    except UnicodeDecodeError:
        raise ScenarioError("not a UTF-8 text file", source=shown) from None


def load_raw(path: str | Path, _stack: tuple[Path, ...] = ()) -> dict:
    """Read a scenario file and resolve ``extends`` (without validating)."""
    return _load(Path(path), str(path), _stack)[0]


Origins = dict[tuple[str, ...], tuple[str, ...]]


def _load(path: Path, shown: str, _stack: tuple[Path, ...] = ()) -> tuple[dict, Origins]:
    """:func:`load_raw`, and where each value came from: ``{key path: (file, the file extending
    it, ...)}`` for every value that is not a table (files as shown in messages)."""
    path = path.resolve()
    if path in _stack:
        chain = " -> ".join(p.name for p in (*_stack, path))
        raise ScenarioError(f"extends cycle: {chain}", source=str(_stack[-1]), field="extends")
    data = _read_toml(path, shown)
    if not data:
        # every field has a default, so an empty file would silently run the default model;
        # an empty file is far more often a mistake (a failed copy, the wrong path)
        raise ScenarioError("the file is empty; a scenario names at least its `name`, e.g. "
                            "name = \"my design\" (see scenarios/baseline.toml)", source=shown)
    parent = data.pop("extends", None)
    own: Origins = {k: (shown,) for k in _leaves(data)}
    if parent is None:
        return data, own
    if not isinstance(parent, str):
        raise ScenarioError(f"must be a file name (string), e.g. extends = \"base.toml\" (got {parent!r})",
                            source=shown, field="extends")
    if not parent.strip():
        raise ScenarioError("is empty; name the scenario file this one extends, e.g. extends = \"base.toml\"",
                            source=shown, field="extends")
    ppath = (path.parent / parent)
    if not ppath.exists():
        raise ScenarioError(f"extends {parent!r}: file not found ({ppath})", source=shown, field="extends")
    if ppath.is_dir():
        raise ScenarioError(f"{parent!r} is a directory ({ppath}), not a scenario file",
                            source=shown, field="extends")
    base, inherited = _load(ppath, os.path.normpath(os.path.join(os.path.dirname(shown), parent)),
                            (*_stack, path))
    origins = {k: (*v, shown) for k, v in inherited.items()
               if not any(_overlaps(k, mine) for mine in own)}
    origins.update(own)
    return _deep_merge(base, data), origins


def _leaves(data: Mapping, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for k, v in data.items():
        out += _leaves(v, (*prefix, k)) if isinstance(v, dict) else [(*prefix, k)]
    return out


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One path is (a prefix of) the other; a name in place of an array index matches any index."""
    return all(x == y or (x.isdigit() != y.isdigit()) for x, y in zip(a, b, strict=False))


def _blame(origins: Origins, field: str | None, top: str, overridden: list[tuple[str, ...]]) -> str:
    """The file a bad value came from: ``parent.toml (extended by top.toml)`` when every value at
    ``field`` was inherited from one base file, else ``top``."""
    if field is None:
        return top
    parts = tuple(field.split("."))
    if any(_overlaps(parts, o) for o in overridden):
        return top
    chains = {v for k, v in origins.items() if _overlaps(parts, k)}
    if len(chains) != 1:
        files = sorted({c[0] for c in chains} - {top})
        return f"{top} (with values from {', '.join(files)})" if files else top
    chain = chains.pop()
    return chain[0] if len(chain) == 1 else f"{chain[0]} (extended by {', extended by '.join(chain[1:])})"


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, resolve ``extends``, apply ``overrides`` (dotted paths) and validate a scenario file.

    Raises
    ------
    ScenarioError
        One line naming the file (the base file a bad value came from, for ``extends``), the
        field path and what is allowed.
    """
    data, origins = _load(Path(path), str(path))
    overridden = []
    for k, v in (overrides or {}).items():
        try:
            overridden.append(tuple(_set_path(data, k, v)))
        except ScenarioError as exc:
            raise ScenarioError(exc.message, source=str(path), field=exc.field) from None
    try:
        return validate_scenario(data, source=str(path))
    except ScenarioError as exc:
        source = _blame(origins, exc.field, str(path), overridden)
        if source == str(path):
            raise
        raise ScenarioError(exc.message, source=source, field=exc.field) from None


def loads_scenario(text: str, source: str = "<string>") -> Scenario:
    """Validate a scenario given as TOML text (``extends`` is not allowed here)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"malformed TOML: {exc}", source=source) from None
    if "extends" in data:
        raise ScenarioError("extends needs a file; use load_scenario", source=source, field="extends")
    return validate_scenario(data, source=source)


def validate_scenario(data: Mapping[str, Any], source: str | None = None) -> Scenario:
    """Validate a dict into a :class:`Scenario`, turning pydantic errors into one-line :class:`ScenarioError`."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ScenarioError(f"must be the integer {SCHEMA_VERSION}, e.g. schema_version = {SCHEMA_VERSION} "
                            f"(got {version!r})", source=source, field="schema_version")
    if version != SCHEMA_VERSION:
        raise ScenarioError(f"unsupported schema_version {version!r}; this loopsim reads {SCHEMA_VERSION}",
                            source=source, field="schema_version")
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise _to_scenario_error(exc, data, source) from None


def _to_scenario_error(exc: ValidationError, data: Mapping, source: str | None) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    # drop pydantic's union-member tags ("gamma", "function-after[...]") from the path
    clean, _ = _walk(err["loc"], data, Scenario)
    field = ".".join(clean) or None
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "loopsim_field":
        field, msg = err["ctx"]["field"], err["ctx"]["msg"]
    elif err["type"] == "extra_forbidden":
        allowed = _allowed_keys(err["loc"][:-1], data)
        msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    elif err["type"] == "union_tag_invalid":
        msg = f"unknown distribution; 'dist' must be one of: {', '.join(sorted(_dist_names()))}"
    elif err["type"] == "union_tag_not_found":
        msg = f"missing 'dist'; one of: {', '.join(sorted(_dist_names()))}"
    elif "input" in err and err["type"] not in ("missing",):
        got = err["input"]
        if not isinstance(got, dict | list):
            msg = f"{msg} (got {got!r})"
    # policy errors carry their own path inside the message
    if msg.startswith("policies."):
        field, _, msg = msg.partition(": ")
    n = len(exc.errors())
    if n > 1:
        msg += f" (and {n - 1} more problem{'s' if n > 2 else ''})"
    return ScenarioError(msg, source=source, field=field)
