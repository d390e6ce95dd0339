"""Compare two runs cell by cell and say exactly what differs (the engines' equality contract).

Integer, boolean, categorical and string columns must be identical; float columns and summary
values equal within ``REL`` relative (NaN equals NaN, infinities equal themselves). Used by the
tests that run one scenario on both engines (``docs/engine.md``, "Two engines").
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

from loopsim.result import RunResult

#: relative tolerance of float columns and summary values (issue 13: "floats equal to 1e-9 relative")
REL = 1e-9
#: tables of a RunResult compared row by row
TABLES = ("customers", "transactions", "contacts", "timeline")
#: differing cells shown per column (the count of all differing cells is always given)
_SHOWN = 3


def _close(x: np.ndarray, y: np.ndarray, rel: float) -> np.ndarray:
    """Elementwise: equal within ``rel`` relative, NaN == NaN, an infinity equals only itself."""
    both_nan = np.isnan(x) & np.isnan(y)
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.abs(x - y) <= rel * np.maximum(np.abs(x), np.abs(y))
    return both_nan | (x == y) | near


def _column_diff(name: str, a: pd.Series, b: pd.Series, rel: float, key: pd.Series | None) -> str | None:
    """What differs in one column of two equally long tables, or None."""
    if str(a.dtype) != str(b.dtype):
        return f"{name}: dtype {a.dtype} vs {b.dtype}"
    if a.dtype.kind == "f":
        ok = _close(a.to_numpy(), b.to_numpy(), rel)
    else:
        # categorical, string, object, int, bool: identical values (None and NaN count as missing)
        xa = a.astype(object).to_numpy()
        xb = b.astype(object).to_numpy()
        ok = np.array([x == y or (pd.isna(x) and pd.isna(y)) for x, y in zip(xa, xb, strict=True)],
                      dtype=bool)
    if ok.all():
        return None
    bad = np.flatnonzero(~ok)
    shown = ", ".join(
        f"row {i}{'' if key is None else f' ({key.name}={key.iloc[i]})'}: {a.iloc[i]!r} vs {b.iloc[i]!r}"
        for i in bad[:_SHOWN])
    return f"{name}: {len(bad)} of {len(a)} rows differ; {shown}"


def table_differences(label: str, a: pd.DataFrame, b: pd.DataFrame, rel: float = REL) -> list[str]:
    """What differs between two tables (columns, length, then each column), one line per item."""
    if list(a.columns) != list(b.columns):
        return [f"{label}: columns {list(a.columns)} vs {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{label}: {len(a)} vs {len(b)} rows"]
    key = a["customer_id"] if "customer_id" in a.columns else None
    out = []
    for col in a.columns:
        d = _column_diff(f"{label}.{col}", a[col], b[col], rel, key)
        if d is not None:
            out.append(d)
    return out


def summary_differences(a: dict, b: dict, rel: float = REL) -> list[str]:
    """What differs between two summaries: missing keys, then values outside ``rel`` relative."""
    if set(a) != set(b):
        return [f"summary keys: only in first {sorted(set(a) - set(b))}, "
                f"only in second {sorted(set(b) - set(a))}"]
    out = []
    for k in a:
        x, y = a[k], b[k]
        if not (isinstance(x, Real) and isinstance(y, Real)):
            if x != y:
                out.append(f"summary.{k}: {x!r} vs {y!r}")
            continue
        x, y = float(x), float(y)
        if not _close(np.array([x]), np.array([y]), rel)[0]:
            scale = max(abs(x), abs(y))
            err = abs(x - y) / scale if scale and math.isfinite(scale) else math.nan
            out.append(f"summary.{k}: {x!r} vs {y!r} (relative difference {err:.3g})")
    return out


def run_differences(a: RunResult, b: RunResult, rel: float = REL) -> list[str]:
    """Everything that differs between two runs' tables and summaries (empty: the same run)."""
    out = []
    for name in TABLES:
        out += table_differences(name, getattr(a, name), getattr(b, name), rel)
    return out + summary_differences(a.summary, b.summary, rel)


def assert_same_run(a: RunResult, b: RunResult, what: str = "") -> None:
    """Fail with every difference listed if ``a`` and ``b`` are not the same run."""
    diffs = run_differences(a, b)
    assert not diffs, f"{what}: the runs differ\n" + "\n".join(diffs)


def both_engines(sc, seed: int) -> tuple[RunResult, RunResult]:
    """``sc`` run with ``seed`` on the Python and on the compiled engine, after checking that
    ``auto`` would take the compiled one (the scenario is one the compiled engine runs)."""
    import loopsim
    from loopsim.engine import choose_engine

    assert choose_engine(sc, "auto") == "compiled"
    return loopsim.simulate(sc, seed, engine="python"), loopsim.simulate(sc, seed, engine="compiled")
