"""Row files: one finished run as a one-row Parquet file with the experiment's schema.

Columns, in order: ``point``, the labels (``design`` and the design's parameters, or a sweep's
parameters), ``replication``, ``seed``, ``spawn_key``, the metrics, ``scenario_hash``,
``loopsim_version``. Counts (customers, purchases, contacts, ...) are int64, every other metric
float64; a metric a run does not report is null. The Parquet key-value metadata carries the
provenance (``loopsim.*`` keys: version, kind, seed, scenario hashes, fingerprint, command).

:func:`read_row` refuses (with a one-phrase reason) any file that is not exactly such a row of
this experiment, so a foreign, duplicate or corrupt file is redone instead of used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .fingerprint import expected, same_value

HEAD = ("point",)
IDS_AFTER_LABELS = ("replication", "seed", "spawn_key")
TAIL = ("scenario_hash", "loopsim_version")
_INT_IDS = ("point", "replication", "seed")

#: Built-in metrics that count things (stored as int64). Besides these: every ``*_at_end``
#: headcount (``tier_gold_at_end``, ...), ``service_*_contacts`` and the funnel stages.
COUNT_METRICS = frozenset({
    "customers_acquired", "active_at_end", "churned", "purchases", "prospects", "referrals",
    "winback_attempts", "winbacks", "customers_with_unresolved_problems", "service_contacts",
    "service_contacts_open_at_end", "service_repeat_contacts", "service_recoveries",
    "points_redemptions", "tier_upgrades", "tier_demotions", "tier_requalifications",
})


def is_count_metric(name: str) -> bool:
    """Whether a built-in metric counts things (customers, purchases, contacts, ...)."""
    from ..metrics import is_builtin_metric
    from ..scenario import STAGES

    if not is_builtin_metric(name):
        return False
    return (name in COUNT_METRICS or name.endswith("_at_end")
            or (name.startswith("service_") and name.endswith("_contacts"))
            or name in {f"funnel_{s}" for s in STAGES})


def metric_is_int(name: str, values: Sequence[Any]) -> bool:
    """Store ``name`` as int64: a count whose values are all whole numbers (or missing)."""
    return is_count_metric(name) and all(
        v is None or (isinstance(v, float) and math.isnan(v)) or float(v).is_integer() for v in values)


def frame_for(rows: Sequence[Mapping[str, Any]], labels: Mapping[str, str],
              metrics: Sequence[str], ints: set[str]) -> pd.DataFrame:
    """Rows as a DataFrame with the experiment's full schema (labels typed by ``labels``,
    ``metrics`` in order, the ``ints`` among them as nullable int64)."""
    cols: dict[str, Any] = {"point": pd.array([r["point"] for r in rows], dtype="int64")}
    # text as plain Python strings, so a reader gets pandas' default string dtype back
    kinds = {"bool": "bool", "bool?": "boolean", "int64": "int64", "int64?": "Int64", "double": "float64",
             "string": object}
    for k, t in labels.items():
        cols[k] = pd.array([r.get(k) for r in rows], dtype=kinds[t])
    for k in IDS_AFTER_LABELS:
        cols[k] = pd.array([r[k] for r in rows], dtype=object if k == "spawn_key" else "int64")
    for m in metrics:
        vals = [r.get(m) for r in rows]
        if m in ints:
            cols[m] = pd.array([None if v is None or math.isnan(v) else int(v) for v in vals], dtype="Int64")
        else:
            cols[m] = pd.array([math.nan if v is None else float(v) for v in vals], dtype="float64")
    for k in TAIL:
        cols[k] = pd.array([r[k] for r in rows], dtype=object)
    return pd.DataFrame(cols)


def row_table(df: pd.DataFrame, provenance: Mapping[str, Any]) -> pa.Table:
    """A row frame as an Arrow table whose metadata carries ``provenance`` (``loopsim.*`` keys)."""
    t = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(t.schema.metadata or {})
    meta.update({f"loopsim.{k}".encode(): (v if isinstance(v, str) else json.dumps(v)).encode()
                 for k, v in provenance.items()})
    return t.replace_schema_metadata(meta)


class BadRow(Exception):
    """A row file that must not be used: ``kind`` is foreign, duplicate, stale or corrupt."""

    def __init__(self, kind: str, why: str):
        super().__init__(f"{kind}: {why}")
        self.kind = kind


def _read(path: Path) -> tuple[pd.DataFrame, dict[str, str], pa.Schema]:
    try:
        t = pq.read_table(path)
    except Exception as exc:  # any unreadable file is simply a corrupt row
        raise BadRow("corrupt", f"not a readable Parquet file ({type(exc).__name__})") from None
    meta = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in (t.schema.metadata or {}).items()}
    if t.num_rows != 1:
        raise BadRow("corrupt", f"{t.num_rows} rows instead of 1")
    try:
        return t.to_pandas(), meta, t.schema
    except Exception as exc:
        raise BadRow("corrupt", f"cannot be read as a table ({type(exc).__name__})") from None


def _check_types(df: pd.DataFrame, schema: pa.Schema, labels: Sequence[str]) -> None:
    need = [*HEAD, *labels, *IDS_AFTER_LABELS, *TAIL]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise BadRow("corrupt", f"missing column {missing[0]}")
    for c in _INT_IDS:
        if not pa.types.is_integer(schema.field(c).type) or pd.isna(df[c].iloc[0]):
            raise BadRow("corrupt", f"column {c} is {schema.field(c).type}, not an integer")
    for c in df.columns:
        if c in need:
            continue
        t = schema.field(c).type
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t)):
            raise BadRow("corrupt", f"metric {c} is stored as {t}, not a number")


def read_row(path: Path, fingerprint: Mapping[str, Any], fp_digest: str, version: str,
             core: Sequence[str]) -> dict[str, Any]:
    """The row in ``path`` (run ``pPPPPP_rRRRRRR``) as a dict, metrics as floats (NaN where
    missing); :class:`BadRow` if it is not exactly that run of this experiment."""
    try:
        point, rep = (int(x) for x in path.stem[1:].split("_r"))
    except ValueError:
        raise BadRow("foreign", "not named like a run (pPPPPP_rRRRRRR.parquet)") from None
    exp = expected(fingerprint, point, rep)
    if exp is None:
        raise BadRow("foreign", f"this experiment has no point {point} replication {rep}")
    df, meta, schema = _read(path)
    if meta.get("loopsim.fingerprint") != fp_digest:
        theirs = meta.get("loopsim.seed")
        why = f"seed {theirs}" if theirs not in (None, json.dumps(fingerprint["seed"])) else "other inputs"
        raise BadRow("foreign", f"made for another experiment ({why})")
    _check_types(df, schema, list(exp["labels"]))
    missing = [m for m in core if m not in df.columns]
    if missing:
        raise BadRow("corrupt", f"missing metric {missing[0]}")
    row = {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in df.iloc[0].items()}
    if (row["point"], row["replication"]) != (point, rep):
        raise BadRow("duplicate", f"holds point {row['point']} replication {row['replication']}")
    for k in ("seed", "spawn_key", "scenario_hash"):
        if row[k] != exp[k]:
            raise BadRow("foreign", f"{k} {row[k]} instead of {exp[k]}")
    for k, v in exp["labels"].items():
        if not same_value(row[k], v):
            raise BadRow("foreign", f"{k} {row[k]!r} instead of {v!r}")
    if row["loopsim_version"] != version:
        raise BadRow("stale", f"made by loopsim {row['loopsim_version']}")
    skip = {*HEAD, *exp["labels"], *IDS_AFTER_LABELS, *TAIL}
    return {k: (float("nan") if v is None else float(v)) if k not in skip else v for k, v in row.items()}
