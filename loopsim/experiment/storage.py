"""An experiment's result store: its fingerprint, and the parameters that tell designs apart."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..scenario import Scenario

#: Scenario fields that name or describe a design rather than parameterise it.
_NOT_PARAMETERS = ("schema_version", "name", "description")


def open_store(out: str | os.PathLike | None, kind: str, seed: int, scenarios: Mapping[str, Scenario],
               points: Sequence[Mapping[str, Any]], crn: bool, tables: bool, wait: bool | float):
    """The locked :class:`~loopsim.store.ResultStore` of an experiment (a context manager), or a
    null context when ``out`` is None. ``points``: per point its ``labels`` and
    ``scenario_hash`` (or one hash per replication), see :mod:`loopsim.store.fingerprint`."""
    if out is None:
        return contextlib.nullcontext()
    from .. import __version__
    from ..store import ResultStore

    fingerprint = {"kind": kind, "seed": int(seed), "crn": bool(crn),
                   "scenarios": {k: s.hash for k, s in scenarios.items()}, "points": list(points)}
    manifest = {"loopsim_version": __version__, "created": time.time(),
                "scenarios": {k: s.to_dict() for k, s in scenarios.items()}}
    return ResultStore(out, fingerprint, manifest, tables=tables, wait=wait)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    """Dotted paths of a scenario's leaves. Lists of named tables (segments, policies) are keyed
    by their ``name`` / ``type`` (as ``--set`` paths are), other lists are one JSON value."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list) and not value:
        return   # no policies: the other designs' policy columns are None here
    elif isinstance(value, list) and all(isinstance(v, Mapping) and ("name" in v or "type" in v)
                                                     for v in value):
        for v in value:
            _flatten(v, f"{prefix}.{v.get('name', v.get('type'))}", out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value, sort_keys=True)
    else:
        out[prefix] = value


def design_parameters(designs: Mapping[str, Scenario]) -> dict[str, dict[str, Any]]:
    """Per design, the scenario fields (dotted paths) in which the designs differ: the columns
    that say what each design of a comparison is. A field a design lacks is None."""
    flat: dict[str, dict[str, Any]] = {}
    for name, sc in designs.items():
        d = {k: v for k, v in sc.to_dict().items() if k not in _NOT_PARAMETERS}
        flat[name] = {}
        _flatten(d, "", flat[name])
    paths: list[str] = []
    for f in flat.values():
        paths += [p for p in f if p not in paths]
    differ = [p for p in paths if len({json.dumps(f.get(p), sort_keys=True) for f in flat.values()}) > 1]
    return {name: {p: f.get(p) for p in differ} for name, f in flat.items()}
