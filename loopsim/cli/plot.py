"""Figures and reports from a result store: ``plot`` and ``report``; the ``--plots`` helpers."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import LoopsimError
from .common import app, console

figure_reps_opt = click.option(
    "--figure-reps", type=click.IntRange(min=1), default=3, show_default=True,
    help="Replications per design run again (same seeds) for the figures of customers, days and contacts.")


plots_opt = click.option("--plots", is_flag=True,
                         help="Also draw the figures into --out DIR/figures (PNG and SVG).")
report_opt = click.option("--report", is_flag=True,
                          help="Also write a self-contained HTML report, --out DIR/report.html.")


def figures_and_report(out: Path, plots: bool, report: bool, k: int = 3) -> None:
    """What ``--plots`` and ``--report`` ask for, once the store ``out`` is finished (both from
    one reading of the store, so the replications re-run for the figures are run once)."""
    if not (plots or report):
        return
    from ..report import StoreView

    view = StoreView.open(out)
    if plots:
        plots_for_store(view, k)
    if report:
        report_for_store(view, k)


def plots_for_store(root, k: int = 3) -> None:
    """Write every figure of the store ``root`` (a folder or an open StoreView) into
    ``root/figures`` and say so (``--plots``, ``loopsim plot``)."""
    from ..report import StoreView, store_figures, write_figures

    view = root if isinstance(root, StoreView) else StoreView.open(root)
    done = write_figures(store_figures(view, k), view.root / "figures")
    console.print(f"wrote {len(done)} figures (PNG and SVG) to {view.root / 'figures'}")


def plots_for_run(res, out: Path) -> None:
    """Write the figures of one run into ``out/figures`` (``run --out DIR --plots``)."""
    from ..report import run_figures, write_figures

    done = write_figures(run_figures({res.scenario.name: [res]}), out / "figures")
    console.print(f"wrote {len(done)} figures (PNG and SVG) to {out / 'figures'}")


def plots_for_calibration(cal, tx, cal_end, folder: Path) -> None:
    """Write a calibration's figures into ``folder`` (``calibrate --plots``); with a calibration
    end before the log's last transaction, the holdout figure too."""
    from ..calibrate import rfm_summary
    from ..report import calibration_figures, write_figures

    hold = None
    if cal_end is not None and cal_end < tx["time"].max():
        hold = rfm_summary(tx, calibration_end=cal_end, observation_end=tx["time"].max(),
                           unit_days=cal.unit_days)
    skipped: list[str] = []
    done = write_figures(calibration_figures(cal, tx, hold), folder, skipped)
    console.print(f"wrote {len(done)} figures (PNG and SVG) to {folder}")
    for why in skipped:
        console.print(f"[yellow]note:[/yellow] not drawn: {why}", highlight=False)


def report_for_store(root, k: int = 3, out: Path | None = None) -> Path:
    """Write the HTML report of ``root`` and say where (``--report``, ``loopsim report``)."""
    from ..report import write_report

    path = write_report(root, out, k)
    console.print(f"wrote {path} (one self-contained HTML file; open it in a browser)")
    return path


def need_out(out: Path | None, flags: dict[str, bool]) -> None:
    """``--plots``/``--report`` write into ``--out DIR``: refuse them without it."""
    used = [f for f, on in flags.items() if on]
    if used and out is None:
        raise LoopsimError(f"{' and '.join(used)}: needs --out DIR (figures and reports are written there)")


@app.command("plot")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@figure_reps_opt
def plot_cmd(directory: Path, figure_reps: int):
    """Draw every figure of a result store (run --reps, compare, sweep) into DIR/figures as PNG and SVG."""
    plots_for_store(directory, figure_reps)


@app.command("report")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="HTML file to write  [default: DIR/report.html]")
@figure_reps_opt
def report_cmd(directory: Path, out: Path | None, figure_reps: int):
    """Write one self-contained HTML report of a result store (run --reps, compare, sweep)."""
    if out is not None and out.is_dir():
        raise LoopsimError(f"{out}: --out must be a file name for the report (it is a folder)")
    report_for_store(directory, figure_reps, out)
