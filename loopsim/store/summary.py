"""The body of ``summary.json``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd


def summary_payload(kind: str, seed: int, table: pd.DataFrame, extra: Mapping[str, Any] | None = None,
                    index_name: str = "metric") -> dict[str, Any]:
    """A JSON-able ``summary.json`` body from a summary table indexed by metric: ``metrics``
    maps each metric to its row (mean, sd, n, ci_low, ci_high), ``table`` is the same as records."""
    records: Iterable[dict] = table.reset_index().rename(columns={"index": index_name}).to_dict("records")
    return {"kind": kind, "seed": seed, **dict(extra or {}),
            "metrics": {str(k): dict(r) for k, r in table.iterrows()}, "table": list(records)}
