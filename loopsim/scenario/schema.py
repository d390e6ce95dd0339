"""Walking the scenario schema alongside raw (TOML) data.

The scenario models describe the raw data; these helpers follow a path through both, so error
messages can list a table's keys, ``--set`` can create a missing array from its default, numbers
can be checked before pydantic's lax coercion (true -> 1, "3" -> 3) hides them, and a policy's
table is validated by the model its ``type`` names.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from ..dists import DISTRIBUTIONS, _Dist
from ..registry import PolicyParams, policy_types


def _validate_policy(raw: Any, index: int) -> PolicyParams:
    if isinstance(raw, PolicyParams):
        return raw
    if not isinstance(raw, Mapping):
        raise ValueError(f"policies.{index}: must be a table with a 'type' key")
    registry = policy_types()
    t = raw.get("type")
    if t is None:
        raise ValueError(f"policies.{index}.type: missing; allowed: {', '.join(registry)}")
    if not isinstance(t, str) or t not in registry:
        hint = difflib.get_close_matches(str(t), registry, n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ValueError(f"policies.{index}.type: unknown policy type {t!r}{extra}; allowed: {', '.join(registry)}")
    try:
        return registry[t].Params.model_validate(dict(raw))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        parts, _ = _walk(err["loc"], raw, registry[t].Params)
        loc = ".".join(parts)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            table = _walk(err["loc"][:-1], raw, registry[t].Params)[1]
            allowed = _keys(table) if table is not None else []
            what = ".".join([t, *parts[:-1]])
            msg = f"unknown parameter of {what}" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif "input" in err and not isinstance(err["input"], dict | list) and err["type"] != "missing":
            msg = f"{msg} (got {err['input']!r})"
        raise ValueError(f"policies.{index}.{loc}: {msg}") from None


# --------------------------------------------------------------------------- schema walking
# The scenario models describe the raw (TOML) data; these helpers follow a path through both, so
# error messages can list a table's keys, --set can create a missing array from its default, and
# numbers can be checked before pydantic's lax coercion (true -> 1, "3" -> 3) hides them.

_POLICY = object()   # the item type of ``policies``: a policy's Params, chosen by its ``type``


def _members(ann: Any) -> list[Any]:
    """The alternatives of an annotation (Annotated, Optional and unions unwrapped)."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _members(typing.get_args(ann)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(ann) for m in _members(a)]
    return [ann]


def _model_for(ann: Any, node: Any) -> type[BaseModel] | None:
    """The model that validates the table ``node`` given as ``ann`` (a distribution by its
    ``dist``, a policy by its ``type``), or None."""
    if ann is _POLICY:
        t = node.get("type") if isinstance(node, Mapping) else None
        return getattr(policy_types().get(t), "Params", None) if isinstance(t, str) else None
    models = [m for m in _members(ann) if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) > 1 and all(issubclass(m, _Dist) for m in models):
        d = node.get("dist") if isinstance(node, Mapping) else None
        return next((m for m in models if m.model_fields["dist"].default == d), None)
    return models[0] if models else None


def _item_type(ann: Any) -> Any:
    """The item type of an array annotation (``tuple[X, ...]``, ``list[X]``), else None."""
    for m in _members(ann):
        origin, args = typing.get_origin(m), typing.get_args(m)
        if origin in (tuple, list) and args:
            return args[0]
    return None


def _field_type(model: type[BaseModel], key: Any) -> Any:
    """The annotation of ``model``'s field named (or aliased) ``key``, or None."""
    from .model import Scenario  # the scenario model is built on this module

    if model is Scenario and key == "policies":
        return tuple[_POLICY, ...]
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or k for k, f in model.model_fields.items()]


def _walk(loc, data: Any, model: type[BaseModel]) -> tuple[list[str], type[BaseModel] | None]:
    """Follow ``loc`` (a pydantic error location or a dotted path's parts) from ``model`` and the
    raw ``data``: the path without pydantic's union tags, and the model of the table it ends at."""
    ann: Any = model
    node: Any = data
    parts: list[str] = []
    for part in loc:
        part = str(part)
        if part.startswith(("function-", "tagged-union")):
            continue
        table = _model_for(ann, node)
        if table is not None and issubclass(table, _Dist) and part in DISTRIBUTIONS:
            continue   # the union tag of a distribution
        parts.append(part)
        if table is not None:
            ann = _field_type(table, part)
            node = node.get(part) if isinstance(node, Mapping) else None
        else:
            ann = _item_type(ann)
            i = int(part) if part.isdigit() else -1
            node = node[i] if isinstance(node, list | tuple) and 0 <= i < len(node) else None
    return parts, _model_for(ann, node)


def _field_error(path: str, msg: str) -> PydanticCustomError:
    return PydanticCustomError("loopsim_field", "{field}: {msg}", {"field": path, "msg": msg})


def _check_numbers(model: type[BaseModel], node: Mapping, path: str = "") -> None:
    """Refuse, in raw scenario data, NaN and infinities (except where a model's ``infinite_ok``
    allows one) anywhere, and booleans or strings where a field wants a number."""
    for key, value in node.items():
        _check_value(_field_type(model, key), value, f"{path}{key}", getattr(model, "infinite_ok", {}).get(key))


def _check_value(ann: Any, value: Any, path: str, inf_ok: float | None = None) -> None:
    if isinstance(value, Mapping):
        table = _model_for(ann, value)
        if table is not None:
            _check_numbers(table, value, path + ".")
        else:   # a mapping field (dict[str, X]) or an unknown table (pydantic names it)
            vt = next((typing.get_args(m)[1] for m in _members(ann)
                       if typing.get_origin(m) is dict and len(typing.get_args(m)) == 2), None)
            for k, v in value.items():
                _check_value(vt, v, f"{path}.{k}")
        return
    if isinstance(value, list | tuple):
        item = _item_type(ann)
        for i, v in enumerate(value):
            _check_value(item, v, f"{path}.{i}")
        return
    members = _members(ann) if ann is not None else []
    literals = [a for m in members if typing.get_origin(m) is typing.Literal for a in typing.get_args(m)]
    if any(m in (int, float) for m in members):
        if isinstance(value, bool) and bool not in members and not any(isinstance(a, bool) for a in literals):
            raise _field_error(path, f"must be a valid number, not a boolean (got {str(value).lower()})")
        if isinstance(value, str) and str not in members and value not in literals:
            raise _field_error(path, f"must be a valid number, not a string (got {value!r})")
    if isinstance(value, float) and not math.isfinite(value) and value != inf_ok:
        also = "" if inf_ok is None else f" or {inf_ok!r}"
        raise _field_error(path, f"must be a finite number{also} (got {value!r})")


# --------------------------------------------------------------------------- the scenario
