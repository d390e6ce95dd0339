"""Dotted-path overrides (``with_overrides``, ``--set PATH=VALUE``)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from pydantic import (
    TypeAdapter,
)

from ..errors import ScenarioError
from ..registry import POLICY_REGISTRY, policy_types
from .model import Scenario
from .schema import _field_type, _item_type, _keys, _walk


def _dist_names():
    from ..dists import DISTRIBUTIONS

    return DISTRIBUTIONS


def _allowed_keys(loc, data: Mapping) -> list[str]:
    table = _walk(loc, data, Scenario)[1]
    return _keys(table) if table is not None else []


_ALIASES = ("rewards", "service", "personalisation")


def _set_path(data: dict, path: str, value: Any) -> list[str]:
    """Set ``value`` at the dotted ``path`` of raw scenario data; returns the path's parts (policy
    aliases resolved)."""
    parts = path.split(".")
    if not path or any(p == "" for p in parts):
        raise ScenarioError("empty path segment; use dotted paths like market.cost_per_aware", field=path)
    if parts[0] in _ALIASES and len(parts) >= 3 and parts[1] in POLICY_REGISTRY | policy_types():
        parts = ["policies", *parts[1:]]
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_list_index(node, part, parts[:i])]
        else:
            if part not in node or not isinstance(node[part], dict | list):
                if part in node:
                    raise ScenarioError(f"{part!r} is a value, not a table", field=path)
                node[part] = _missing(parts[:i + 1], data)
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[_list_index(node, last, parts[:-1])] = value
    else:
        node[last] = value
    return parts


def _missing(loc: list[str], data: dict) -> dict | list:
    """A table or array on an override's path that the data leaves out: an array starts as its
    default (``population.segments.0.x`` changes the default segment), a table empty."""
    owner = _walk(loc[:-1], data, Scenario)[1]
    ann = _field_type(owner, loc[-1]) if owner is not None else None
    if ann is None or _item_type(ann) is None:
        return {}
    f = next((f for k, f in owner.model_fields.items() if loc[-1] in (k, f.alias)), None)
    default = f.get_default(call_default_factory=True) if f is not None and owner is not Scenario else None
    if not default:
        return []
    return TypeAdapter(f.annotation).dump_python(default, mode="json", by_alias=True)


def _list_index(node: list, part: str, where: list[str]) -> int:
    if part.isdigit():
        idx = int(part)
        if idx >= len(node):
            n = len(node)
            which = "none" if n == 0 else f"{n}: use 0" + (f" to {n - 1}" if n > 1 else "")
            raise ScenarioError(f"index {idx} out of range (there are {which})", field=".".join([*where, part]))
        return idx
    matches = [i for i, item in enumerate(node) if isinstance(item, dict) and
               (item.get("type") == part or item.get("name") == part)]
    if not matches:
        raise ScenarioError(f"no entry with type or name {part!r}", field=".".join([*where, part]))
    if len(matches) > 1:
        raise ScenarioError(f"{part!r} matches {len(matches)} entries; use an index", field=".".join([*where, part]))
    return matches[0]


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``PATH=VALUE`` from the command line; VALUE is read as a TOML value, else a string."""
    if "=" not in text:
        raise ScenarioError(f"--set needs PATH=VALUE (got {text!r})")
    path, _, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value
