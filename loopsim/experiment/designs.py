"""Sweep designs: full-factorial grids, Latin hypercube and random points; CLI parsers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LoopsimError


def full_factorial(grid: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Every combination of the grid's values (the first parameter varies slowest)."""
    if not grid:
        raise LoopsimError("an empty grid")
    for k, v in grid.items():
        if isinstance(v, str | bytes) or not isinstance(v, Iterable) or len(list(v)) == 0:
            raise LoopsimError(f"grid {k}: needs a non-empty list of values")
    keys = list(grid)
    return pd.DataFrame([dict(zip(keys, combo, strict=True))
                         for combo in itertools.product(*(list(grid[k]) for k in keys))])


def _check_ranges(ranges: Mapping[str, tuple[float, float]]) -> list[tuple[str, float, float, bool]]:
    if not ranges:
        raise LoopsimError("no parameter ranges")
    out = []
    for k, r in ranges.items():
        try:
            lo, hi = r
        except (TypeError, ValueError):
            raise LoopsimError(f"range {k}: needs (low, high)") from None
        if not (isinstance(lo, int | float) and isinstance(hi, int | float)) or not hi > lo:
            raise LoopsimError(f"range {k}: needs numbers low < high (got {lo!r}:{hi!r})")
        integer = isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool)
        out.append((k, float(lo), float(hi), integer))
    return out


def _scale(unit: np.ndarray, ranges: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    cols = {}
    for i, (k, lo, hi, integer) in enumerate(_check_ranges(ranges)):
        if integer:   # equal-probability integers lo..hi
            cols[k] = np.minimum(np.floor(lo + unit[:, i] * (hi - lo + 1)), hi).astype(np.int64)
        else:
            cols[k] = lo + unit[:, i] * (hi - lo)
    return pd.DataFrame(cols)


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], points: int, seed: int = 0) -> pd.DataFrame:
    """A Latin-hypercube design (:class:`scipy.stats.qmc.LatinHypercube`) over ``ranges``
    (integer ranges give integers)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(_check_ranges(ranges)), rng=np.random.default_rng(seed)).random(points)
    return _scale(unit, ranges)


def random_design(ranges: Mapping[str, tuple[float, float]], points: int, seed: int = 0) -> pd.DataFrame:
    """Independent uniform points over ``ranges``."""
    unit = np.random.default_rng(seed).random((points, len(_check_ranges(ranges))))
    return _scale(unit, ranges)


def _design_frame(grid, design, ranges, points, seed) -> pd.DataFrame:
    if (grid is None) == (design is None):
        raise LoopsimError("give either a grid or a design")
    if grid is not None:
        return full_factorial(grid)
    if isinstance(design, str):
        if ranges is None or not points:
            raise LoopsimError(f"design {design!r} needs ranges and a number of points")
        if int(points) < 1:
            raise LoopsimError("points must be >= 1")
        if design in ("lhs", "latin_hypercube"):
            return latin_hypercube(ranges, int(points), seed)
        if design == "random":
            return random_design(ranges, int(points), seed)
        raise LoopsimError(f"design {design!r}: use 'lhs', 'random', a DataFrame or a list of points")
    df = design if isinstance(design, pd.DataFrame) else pd.DataFrame(list(design))
    if df.empty:
        raise LoopsimError("an empty design")
    return df.reset_index(drop=True)


def _py(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def parse_grid(specs: Iterable[str]) -> dict[str, list[Any]]:
    """``PATH=V1,V2,...`` strings (values read as TOML, else strings) -> a grid."""
    from ..scenario import parse_override

    grid: dict[str, list[Any]] = {}
    for s in specs:
        if "=" not in s:
            raise LoopsimError(f"--grid needs PATH=V1,V2,... (got {s!r})")
        path, _, raw = s.partition("=")
        path = path.strip()
        if path in grid:
            raise LoopsimError(f"--grid {path}: given twice; list all its values in one --grid")
        items = raw.split(",")
        if not raw.strip():
            raise LoopsimError(f"--grid {path}: no values")
        if any(not v.strip() for v in items):
            raise LoopsimError(f"--grid {path}: an empty value in {raw!r}; separate values by single commas")
        grid[path] = [parse_override(f"{path}={v}")[1] for v in items]
    return grid


def parse_ranges(specs: Iterable[str]) -> dict[str, tuple[float, float]]:
    """``PATH=LOW:HIGH`` strings -> ranges (integers stay integers)."""
    out: dict[str, tuple[float, float]] = {}
    for s in specs:
        path, _, raw = s.partition("=")
        lo_s, sep, hi_s = raw.partition(":")
        if not sep:
            raise LoopsimError(f"--lhs needs PATH=LOW:HIGH (got {s!r})")
        try:
            lo, hi = (int(v) if v.strip().lstrip("-").isdigit() else float(v) for v in (lo_s, hi_s))
        except ValueError:
            raise LoopsimError(f"--lhs {path.strip()}: LOW and HIGH must be numbers (got {raw!r})") from None
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise LoopsimError(f"--lhs {path.strip()}: LOW and HIGH must be finite numbers (got {raw!r})")
        if not hi > lo:
            raise LoopsimError(f"--lhs {path.strip()}: needs LOW < HIGH (got {raw!r})")
        if path.strip() in out:
            raise LoopsimError(f"--lhs {path.strip()}: given twice")
        out[path.strip()] = (lo, hi)
    return out
