"""Reading a result store for figures and reports, through its public files only.

A store (``run --reps N --out DIR``, ``compare --out DIR``, ``sweep --out DIR``) holds
``store.json`` (kind, seed, the scenarios' contents), ``runs/`` (one summary row per run, a
folder any Parquet reader takes whole) and ``summary.json``. Figures that need a run's tables (customers, timeline, contacts) re-run the
first few replications with their stored seeds: loopsim runs are reproducible, so these are the
very runs the store summarises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LoopsimError, ScenarioError
from ..result import RunResult
from ..scenario import Scenario, validate_scenario

#: Replications per design re-run for the figures that need a run's tables.
FIGURE_REPS = 3
KINDS = ("replicate", "compare", "sweep")
_HOW = "make one with: loopsim run SCENARIO --reps N --out DIR, loopsim compare ... --out DIR or loopsim sweep ... --out DIR"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoopsimError(f"{path}: not readable JSON ({exc.__class__.__name__}: "
                           f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'})") from None
    if not isinstance(data, dict):
        raise LoopsimError(f"{path}: not a loopsim store file (expected a JSON object)")
    return data


def check_store(root: Path) -> None:
    """Raise a one-line LoopsimError unless ``root`` is a finished result store (or an
    optimisation's output, which has its own report)."""
    if not root.exists():
        raise LoopsimError(f"{root}: no such folder")
    if not root.is_dir():
        raise LoopsimError(f"{root}: not a folder (give a result store directory)")
    if not any(root.iterdir()):
        raise LoopsimError(f"{root}: empty folder, not a loopsim result store; {_HOW}")
    from .optimise import is_optimise

    if is_optimise(root):
        return
    if not (root / "store.json").is_file():
        single = (root / "summary.json").is_file()
        what = ("a single run's output (no store.json); draw its figures with loopsim run SCENARIO "
                "--out DIR --plots, or make a store with --reps 2 or more") if single else \
            f"not a loopsim result store (no store.json); {_HOW}"
        raise LoopsimError(f"{root}: {what}")
    if not (root / "summary.json").is_file() or not (root / "runs").is_dir():
        raise LoopsimError(f"{root}: an unfinished result store (no summary.json); run the same "
                           "command again to finish it")


@dataclass
class StoreView:
    """A finished result store, read for figures and reports (see the module docstring)."""

    root: Path
    manifest: dict[str, Any] = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    runs: pd.DataFrame = field(repr=False)
    _results: dict[int, dict[str, list[RunResult]]] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: str | Path) -> StoreView:
        """Open ``root``; a missing, empty, foreign or unfinished folder is a one-line LoopsimError."""
        root = Path(root)
        check_store(root)
        summary = _read_json(root / "summary.json")
        kind = summary.get("kind")
        if kind == "optimise":
            raise LoopsimError(f"{root}: an optimisation's output; its figures are drawn by loopsim "
                               "optimise --plots, and loopsim report DIR makes its report")
        manifest = _read_json(root / "store.json")
        if kind not in KINDS or not isinstance(manifest.get("scenarios"), dict):
            raise LoopsimError(f"{root}: summary.json kind {kind!r} is not one loopsim can draw "
                               f"({', '.join(KINDS)})")
        try:
            runs = pd.read_parquet(root / "runs")
        except Exception as exc:  # noqa: BLE001 - any unreadable table is one line
            raise LoopsimError(f"{root / 'runs'}: not a readable table ({exc.__class__.__name__})") from None
        if not len(runs) or "replication" not in runs.columns:
            raise LoopsimError(f"{root / 'runs'}: no runs in it")
        keys = [c for c in ("point", "replication") if c in runs.columns]
        runs = runs.sort_values(keys, kind="stable").reset_index(drop=True)
        return cls(root, manifest, summary, runs)

    @property
    def kind(self) -> str:
        """``replicate``, ``compare`` or ``sweep``."""
        return str(self.summary["kind"])

    @property
    def seed(self) -> int:
        return int(self.summary.get("seed", self.manifest.get("fingerprint", {}).get("seed", 0)))

    @cached_property
    def scenarios(self) -> dict[str, Scenario]:
        """The store's scenarios by key (design names for a comparison), validated again."""
        out = {}
        for k, data in self.manifest["scenarios"].items():
            try:
                out[str(k)] = validate_scenario(data, source=f"{self.root / 'store.json'} scenario {k}")
            except ScenarioError as exc:
                raise LoopsimError(str(exc)) from None
        return out

    @property
    def currency(self) -> str:
        return next(iter(self.scenarios.values())).market.currency

    def comparison(self):
        """The :class:`loopsim.experiment.Comparison` of a compare store."""
        from ..experiment import Comparison

        if self.kind != "compare":
            raise LoopsimError(f"{self.root}: not a comparison (kind {self.kind})")
        return Comparison(self.scenarios, str(self.summary["reference"]), self.seed,
                          bool(self.summary.get("crn", True)), self.runs)

    def experiment(self):
        """The :class:`loopsim.experiment.Experiment` of a replicate store."""
        from ..experiment import Experiment

        return Experiment(next(iter(self.scenarios.values())), self.seed, self.runs)

    def _scenario_of(self, row: pd.Series) -> Scenario:
        """The scenario a stored run was made with (by its hash; else its design)."""
        by_hash = {s.hash: s for s in self.scenarios.values()}
        sc = by_hash.get(str(row.get("scenario_hash")))
        return sc if sc is not None else self.scenarios.get(str(row.get("design")),
                                                            next(iter(self.scenarios.values())))

    def rerun(self, design: str | None = None, k: int = FIGURE_REPS) -> list[RunResult]:
        """The first ``k`` replications of ``design`` (or of a replicate store's scenario), run
        again with their stored seeds (identical to the stored runs)."""
        from ..engine import simulate

        runs = self.runs
        if design is not None and "design" in runs.columns:
            runs = runs[runs["design"] == design]
        if "point" in runs.columns:
            runs = runs[runs["point"] == runs["point"].min()]
        out = []
        for _, row in runs.sort_values("replication").head(k).iterrows():
            key = tuple(int(x) for x in str(row["spawn_key"]).split("."))
            ss = np.random.SeedSequence(int(row["seed"]), spawn_key=key)
            out.append(simulate(self._scenario_of(row), seed=ss))
        return out

    def results(self, k: int = FIGURE_REPS) -> dict[str, list[RunResult]]:
        """``{design: first k replications}`` (one entry for a replicate store); run once per
        ``k`` and kept, so figures and a report of the same view share them."""
        if k not in self._results:
            if self.kind == "compare":
                self._results[k] = {d: self.rerun(d, k) for d in self.scenarios}
            else:
                self._results[k] = {next(iter(self.scenarios.values())).name: self.rerun(None, k)}
        return self._results[k]
