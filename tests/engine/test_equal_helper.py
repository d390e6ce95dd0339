"""The run comparison (``equal.py``) catches what the engine tests rely on it to catch."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .equal import summary_differences, table_differences


def table() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": np.array([0, 1, 2], dtype=np.int64),
                         "time": [0.5, np.nan, 1e6],
                         "outcome": pd.Categorical(["served", "balked", "served"]),
                         "reason": ["purchase", None, "repeat"],
                         "resolved": [True, False, True]})


def test_identical_tables_and_nan_agree():
    assert table_differences("t", table(), table()) == []


def test_floats_within_and_outside_the_tolerance():
    b = table()
    b.loc[2, "time"] = 1e6 * (1 + 1e-12)
    assert table_differences("t", table(), b) == []
    b.loc[2, "time"] = 1e6 * (1 + 1e-8)
    (d,) = table_differences("t", table(), b)
    assert d.startswith("t.time: 1 of 3 rows differ; row 2 (customer_id=2)")
    b.loc[2, "time"] = np.nan
    assert len(table_differences("t", table(), b)) == 1


def test_every_non_float_change_is_named():
    for col, value in (("customer_id", 7), ("outcome", "balked"), ("reason", "other"), ("resolved", False)):
        b = table()
        b.loc[0, col] = value
        (d,) = table_differences("t", table(), b)
        assert d.startswith(f"t.{col}: 1 of 3 rows differ; row 0"), d


def test_dtype_length_and_columns():
    b = table().astype({"customer_id": float})
    assert table_differences("t", table(), b) == ["t.customer_id: dtype int64 vs float64"]
    assert table_differences("t", table(), table().iloc[:2]) == ["t: 3 vs 2 rows"]
    assert "columns" in table_differences("t", table(), table().drop(columns="reason"))[0]


def test_summary_keys_values_and_nan():
    a = {"x": 1.0, "y": math.nan, "n": 3}
    assert summary_differences(a, dict(a)) == []
    assert summary_differences(a, a | {"x": 1.0 + 1e-12}) == []
    (d,) = summary_differences(a, a | {"x": 1.001})
    assert d.startswith("summary.x: 1.0 vs 1.001")
    assert len(summary_differences(a, a | {"y": 0.0})) == 1
    assert "only in first ['n']" in summary_differences(a, {"x": 1.0, "y": math.nan})[0]
