"""What a store is for, and what each of its runs must therefore look like.

The fingerprint of an experiment (written to ``store.json``) is plain JSON::

    {"kind": "replicate" | "compare" | "sweep", "seed": int, "crn": bool,
     "scenarios": {key: scenario hash},
     "points": [{"labels": {column: value}, "scenario_hash": hash | [hash per replication]}]}

From it, :func:`expected` derives every identifier of run (point, replication): its seed, spawn
key, scenario hash and labels (design name / parameter values). A row file is used on resume only
if it matches them exactly and carries the fingerprint's :func:`digest` in its Parquet metadata.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from .atomic import _clean


def digest(fingerprint: Mapping[str, Any]) -> str:
    """A short, stable hash of a fingerprint (16 hex digits of SHA-256 of its canonical JSON)."""
    text = json.dumps(_clean(dict(fingerprint)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def label_value(v: Any) -> Any:
    """A label as stored in a column: scalars as they are, anything else as its JSON text."""
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        v = v.item()
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return json.dumps(_clean(v), sort_keys=True)


def label_types(points: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Type of each label column over all points: ``bool``, ``int64``, ``double`` or ``string``
    (``bool?``, ``int64?`` if some point lacks it): one type per column, so every row file of an
    experiment has the same schema."""
    seen: dict[str, set[type]] = {}
    for p in points:
        for k, v in p.get("labels", {}).items():
            seen.setdefault(k, set()).add(type(label_value(v)))
    out = {}
    for k, types in seen.items():
        null = "?" if type(None) in types else ""
        types = types - {type(None)}
        if types and types <= {bool}:
            out[k] = "bool" + null
        elif types and types <= {int}:
            out[k] = "int64" + null
        elif types and types <= {int, float}:
            out[k] = "double"
        else:
            out[k] = "string"
    return out


def cast_label(v: Any, type_name: str) -> Any:
    """``v`` converted to its column's type (see :func:`label_types`)."""
    v = label_value(v)
    if v is None:
        return None
    if type_name == "double":
        return float(v)
    if type_name == "string" and not isinstance(v, str):
        return json.dumps(v)
    return v


def expected(fingerprint: Mapping[str, Any], point: int, replication: int) -> dict[str, Any] | None:
    """The identifiers run (point, replication) must have, or None if the experiment has no
    such run (a point beyond its design, a replication beyond its list of scenarios)."""
    points = fingerprint.get("points") or []
    if not 0 <= point < len(points) or replication < 0:
        return None
    p = points[point]
    h = p.get("scenario_hash")
    if isinstance(h, list):
        if replication >= len(h):
            return None
        h = h[replication]
    spawn = (replication,) if fingerprint.get("crn", True) else (point, replication)
    types = label_types(points)
    return {"point": point, "replication": replication, "seed": fingerprint["seed"],
            "spawn_key": ".".join(str(k) for k in spawn), "scenario_hash": h,
            "labels": {k: cast_label(v, types[k]) for k, v in p.get("labels", {}).items()}}


def same_value(a: Any, b: Any) -> bool:
    """Equality of stored values, with NaN equal to NaN and None."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b or (a is None and isinstance(b, float) and math.isnan(b)) or \
        (b is None and isinstance(a, float) and math.isnan(a))
