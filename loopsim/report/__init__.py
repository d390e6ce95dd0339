"""A self-contained HTML report of a result store (``loopsim report DIR``).

The report has the scenario(s) and their differences field by field, the assumptions, the
summary table with 95% CIs and p5/p50/p95, the generated explanation and the profit bridge (for
comparisons), the figures, and provenance (versions, seed, scenario hashes). Figures are
embedded as PNG data URIs and the CSS is inline: the file needs no network and no other file.
Any PNG or SVG under ``DIR/figures/`` that the report does not draw itself (an optimiser's
figures, say) is embedded too. The folder of an optimisation (``summary.json`` of kind
optimise) gets a report of its own (:mod:`loopsim.report.optimise`). See ``docs/figures.md``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..errors import LoopsimError
from .figures import calibration_figures, run_figures, store_figures, write_figures
from .page import figure, file_uri, page, png_uri
from .sections import assumptions, provenance, scenarios, summary_table
from .store import FIGURE_REPS, StoreView, check_store

__all__ = ["FIGURE_REPS", "StoreView", "build_report", "calibration_figures", "check_store", "run_figures", "store_figures",
           "write_figures", "write_report"]


def _title(view: StoreView) -> str:
    names = [s.name for s in view.scenarios.values()]
    what = {"replicate": "Replications", "compare": "Comparison", "sweep": "Sweep"}[view.kind]
    return f"loopsim report \u2014 {what}: {' vs '.join(names) if view.kind == 'compare' else names[0]}"


def _extra_figures(view: StoreView, drawn: set[str]) -> list[str]:
    """Figures under DIR/figures/ that the report did not draw (PNG preferred over SVG)."""
    folder = view.root / "figures"
    if not folder.is_dir():
        return []
    files: dict[str, Path] = {}
    for f in sorted(folder.iterdir()):
        wanted = f.suffix.lower() in (".png", ".svg") and f.stem not in drawn and f.is_file()
        if wanted and (f.stem not in files or f.suffix.lower() == ".png"):
            files[f.stem] = f
    return [figure(file_uri(f.read_bytes(), f.suffix.lower()), f.stem.replace("_", " "))
            for f in files.values()]


def build_report(view: StoreView, k: int = FIGURE_REPS) -> str:
    """The report of a store as one HTML string."""
    sections = [("scenarios", "Scenarios", scenarios(view)),
                ("assumptions", "Assumptions", assumptions(view, k)),
                ("summary", "Summary table", summary_table(view))]
    figs, bridges, drawn = [], [], set()
    for name, caption, draw in store_figures(view, k):
        try:
            fig = draw()
        except LoopsimError:   # a figure whose data the runs do not have (no contacts, say)
            continue
        drawn.add(name)
        (bridges if name.startswith("bridge") else figs).append(figure(png_uri(fig), caption))
    if view.kind == "compare":
        from ..explain import explain

        paras = "".join(f"<p>{escape(p)}</p>" for p in explain(view.comparison()).split("\n\n"))
        sections.append(("explanation", "Why the designs differ", f"<div class='explain'>{paras}</div>"))
        sections.append(("bridge", "Profit bridge", "".join(bridges)))
    extra = _extra_figures(view, drawn)
    sections.append(("figures", "Figures", "".join(figs + extra)))
    sections.append(("provenance", "Provenance", provenance(view)))
    return page(_title(view), sections)


def write_report(root: str | Path | StoreView, out: str | Path | None = None, k: int = FIGURE_REPS) -> Path:
    """Write the report of the store ``root`` (a folder, or a :class:`StoreView` already open)
    to ``out`` (default ``root/report.html``) atomically; returns the path."""
    from ..store import atomic_write_text

    if not isinstance(root, StoreView):
        from . import optimise

        check_store(Path(root))
        if optimise.is_optimise(Path(root)):
            path = Path(out) if out is not None else Path(root) / "report.html"
            atomic_write_text(path, optimise.build(Path(root)))
            return path
    view = root if isinstance(root, StoreView) else StoreView.open(root)
    path = Path(out) if out is not None else view.root / "report.html"
    atomic_write_text(path, build_report(view, k))
    return path
