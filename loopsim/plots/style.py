"""Shared look of every loopsim figure: the Okabe-Ito palette, axes helpers, saving.

The palette is Okabe & Ito (2008), distinguishable with the common colour-vision deficiencies;
sizes are chosen to stay readable on a slide (11 pt text on a 7.5 x 4.5 inch figure).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

# Figures are bare ``Figure`` objects, drawn and saved without pyplot's backend: importing
# loopsim.plots never changes a notebook's or a script's backend, and works on headless machines.
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

#: Okabe-Ito colours (black last: it is kept for totals and reference lines).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Colours with a meaning: gains, losses and totals in the profit bridge.
GAIN, LOSS, TOTAL = "#009E73", "#D55E00", "#0072B2"

RC = {"font.size": 11, "axes.titlesize": 13, "axes.labelsize": 11, "legend.fontsize": 10,
      "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "loopsim",
      "svg.fonttype": "none"}


def colour(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def colours() -> Iterator[str]:
    """The palette, cycling forever."""
    i = 0
    while True:
        yield colour(i)
        i += 1


def axes(ax: Axes | None = None, size: tuple[float, float] = (7.5, 4.5)) -> tuple[Figure, Axes]:
    """``(figure, axes)``: the given axes and their figure, or a new figure of ``size`` inches."""
    if ax is not None:
        return ax.figure, ax
    with plt.rc_context(RC):
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.add_subplot()


def money(v: float, _pos: object = None) -> str:
    """Compact money for ticks and labels: 1.2M, 35.4k, 950 (currency not included)."""
    if not math.isfinite(v):
        return "n/a"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:,.1f}M"
    if a >= 1e3:
        return f"{v / 1e3:,.1f}k"
    return f"{v:,.0f}" if a >= 10 else f"{v:,.2f}"


MONEY_TICKS = FuncFormatter(money)


def finish(fig: Figure, ax: Axes, title: str, xlabel: str, ylabel: str) -> Figure:
    """Title and axis labels (with units), a light grid; returns the figure."""
    with plt.rc_context(RC):
        ax.set_title(title, fontsize=RC["axes.titlesize"])
        ax.set_xlabel(xlabel, fontsize=RC["axes.labelsize"])
        ax.set_ylabel(ylabel, fontsize=RC["axes.labelsize"])
        ax.grid(True, alpha=0.3, linewidth=0.6)
        ax.set_axisbelow(True)
    return fig


def save(fig: Figure, folder: str | Path, name: str) -> list[Path]:
    """Write ``folder/name.png`` (150 dpi) and ``folder/name.svg``; returns both paths.

    Each file is written atomically (no half-written figure is left on an error)."""
    from ..store.atomic import _atomic_write  # the store's atomic writer (temp file, fsync, rename)

    folder = Path(folder)
    out = []
    for ext, kw in (("png", {"dpi": 150}), ("svg", {"metadata": {"Date": None}})):
        path = folder / f"{name}.{ext}"
        _atomic_write(path, lambda tmp, ext=ext, kw=kw: fig.savefig(tmp, format=ext, **kw))
        out.append(path)
    return out
