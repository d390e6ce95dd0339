"""Jobs: one simulation run as plain, picklable data, its seed, and the tidy row it gives."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LoopsimError
from ..scenario import Scenario, validate_scenario

#: Identifier columns of a runs table (everything else numeric is a metric).
ID_COLUMNS = ("point", "design", "replication", "seed", "spawn_key", "scenario_hash", "loopsim_version")

#: Root seeds are integers in [0, MAX_SEED] (stored as int64 in the runs table).
MAX_SEED = 2**63 - 1


def check_seed(seed: int) -> int:
    """``seed`` as an int, or a LoopsimError if it is not an integer in [0, MAX_SEED]."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) <= MAX_SEED:
        raise LoopsimError(f"seed must be an integer from 0 to 2**63-1 (got {seed!r})")
    return int(seed)


@dataclass(frozen=True)
class Job:
    """One simulation run: plain, picklable data."""

    point: int
    replication: int
    scenario: dict
    scenario_hash: str
    seed: int
    spawn_key: tuple[int, ...]
    labels: tuple[tuple[str, Any], ...] = ()
    overrides: tuple[tuple[str, Any], ...] = ()
    tables: bool = False

    @property
    def key(self) -> tuple[int, int]:
        return (self.point, self.replication)


_SCENARIOS: dict[str, Scenario] = {}


def seed_sequence(seed: int, spawn_key: Sequence[int]) -> np.random.SeedSequence:
    """The seed of one run: ``SeedSequence(seed, spawn_key=...)`` (equal to the ``spawn_key[-1]``-th
    child of ``SeedSequence(seed, spawn_key=spawn_key[:-1])``)."""
    return np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in spawn_key))


def run_job(job: Job) -> dict[str, Any]:
    """Worker entry point: run one job, return its summary and timings (picklable)."""
    from ..engine import simulate

    sc = _SCENARIOS.get(job.scenario_hash)
    if sc is None:
        sc = validate_scenario(job.scenario)
        if len(_SCENARIOS) > 64:
            _SCENARIOS.clear()
        _SCENARIOS[job.scenario_hash] = sc
    t0 = time.time()
    res = simulate(sc, seed=seed_sequence(job.seed, job.spawn_key))
    out: dict[str, Any] = {"summary": res.summary, "started": t0, "wall_seconds": time.time() - t0,
                           "simulation_seconds": res.elapsed_seconds, "host": socket.gethostname(),
                           "pid": os.getpid()}
    if job.tables:
        out["tables"] = {k: getattr(res, k) for k in ("customers", "transactions", "timeline", "contacts")}
    return out


def make_row(job: Job, summary: Mapping[str, float], version: str) -> dict[str, Any]:
    """The tidy row of one run: ids, labels (design / parameters), metrics, provenance."""
    row: dict[str, Any] = {"point": job.point}
    row.update(dict(job.labels))
    row["replication"] = job.replication
    row["seed"] = job.seed
    row["spawn_key"] = ".".join(str(k) for k in job.spawn_key)
    row.update({k: float(v) for k, v in summary.items()})
    row["scenario_hash"] = job.scenario_hash
    row["loopsim_version"] = version
    return row


def _frame(rows: Iterable[dict[str, Any]], drop: Sequence[str] = ()) -> pd.DataFrame:
    """The runs table of rows in key order; provenance columns last, after every metric (also
    after a metric only some designs report), as in the stored row files."""
    df = pd.DataFrame(list(rows))
    tail = [c for c in ("scenario_hash", "loopsim_version") if c in df.columns]
    df = df[[c for c in df.columns if c not in tail] + tail]
    if len(df):
        for c in ("point", "replication", "seed"):
            if c in df:
                df[c] = df[c].astype(np.int64)
    return df.drop(columns=[c for c in drop if c in df.columns]).reset_index(drop=True)
