"""The report of an optimisation's output folder (``loopsim optimise --out DIR``).

It shows what the folder holds, whatever columns the optimiser writes: the problem (from
``summary.json``), the chosen design (``best.toml``), the final selection table
(``selection.parquet``), every figure under ``DIR/figures/`` and provenance. Nothing is re-run.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ..cli.common import fmt
from ..errors import LoopsimError
from .page import figure, file_uri, page
from .sections import table


def is_optimise(root: Path) -> bool:
    """Whether ``root`` holds an optimisation's output (``summary.json`` of kind optimise)."""
    try:
        return json.loads((root / "summary.json").read_text(encoding="utf-8")).get("kind") == "optimise"
    except (OSError, ValueError, AttributeError):
        return False


def _cell(v: Any) -> str:
    if isinstance(v, float | int) and not isinstance(v, bool):
        return fmt(float(v))
    return escape(json.dumps(v) if isinstance(v, dict | list) else str(v))


def _frame_table(df: pd.DataFrame, cls: str = "summary") -> str:
    return table([escape(str(c)) for c in df.columns],
                 [[_cell(v) for v in row] for row in df.itertuples(index=False)], cls)


def figures(root: Path) -> str:
    """Every PNG (else SVG) under ``root/figures`` as embedded images."""
    folder = root / "figures"
    files: dict[str, Path] = {}
    for f in sorted(folder.iterdir()) if folder.is_dir() else []:
        if f.is_file() and f.suffix.lower() in (".png", ".svg") and (f.stem not in files or f.suffix == ".png"):
            files[f.stem] = f
    return "".join(figure(file_uri(f.read_bytes(), f.suffix.lower()), f.stem.replace("_", " "))
                   for f in files.values()) or "<p class='muted'>No figures (run with --plots).</p>"


def build(root: Path) -> str:
    """The report of the optimisation in ``root`` as one HTML string."""
    summ = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    problem = summ.get("problem") or {}
    best = (root / "best.toml").read_text(encoding="utf-8") if (root / "best.toml").is_file() else ""
    sel = root / "selection.parquet"
    try:
        selection = _frame_table(pd.read_parquet(sel)) if sel.is_file() else "<p>No selection table.</p>"
    except Exception as exc:  # noqa: BLE001 - an unreadable table is one line
        raise LoopsimError(f"{sel}: not a readable table ({exc.__class__.__name__})") from None
    base = str(summ.get("base_scenario", "?"))
    sections = [
        ("scenarios", "Scenarios", f"<p>Base scenario: <b>{escape(base)}</b>. The chosen design "
         f"(<code>best.toml</code>):</p><pre>{escape(best)}</pre>"),
        ("assumptions", "Assumptions", table(["field", "value"], [[escape(str(k)), _cell(v)]
                                                                    for k, v in problem.items()], "diff")),
        ("summary", "Summary table", "<h3>Final selection</h3>" + selection
         + f"<p>{_cell(summ.get('finished_trials', '?'))} of {_cell(summ.get('trials', '?'))} trials "
           f"finished; best: <code>{_cell(summ.get('best', ''))}</code></p>"),
        ("figures", "Figures", figures(root)),
        ("provenance", "Provenance", table(["what", "value"], [
            ["folder", escape(str(root))], ["loopsim version", _cell(summ.get("loopsim_version", "?"))],
            ["study", _cell(summ.get("study", "?"))],
            ["root seed", _cell(problem.get("seed", "?"))],
            ["scenario hash: base", _cell(problem.get("base", "?"))],
            ["scenario hash: best", _cell(summ.get("best_scenario_hash", "?"))]], "prov")),
    ]
    return page(f"loopsim report \u2014 Optimisation: {base}", sections)
