"""Calibration figures, as lifetimes and PyMC-Marketing users know them: expected purchases and
P(alive) by frequency and recency, calibration vs holdout purchases, cumulative repeat
transactions of the model against the log.

The conditional BG/NBD expressions are those of Fader, Hardie & Lee (2005a), eqs. 10 and 13;
the matrices and the holdout figure need a BG/NBD fit (``--model bgnbd``, the default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import special

from .. import btyd
from ..errors import LoopsimError
from .style import axes, colour, finish


def _bgnbd(cal) -> tuple[float, float, float, float]:
    if cal.model != "bgnbd":
        raise LoopsimError(f"this calibration figure needs a BG/NBD fit (got {cal.model}); "
                           "calibrate with --model bgnbd")
    p = cal.purchase.params
    return p["r"], p["alpha"], p["a"], p["b"]


def _odds_dead(x, t_x, T, r, alpha, a, b) -> np.ndarray:
    """a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x) for x > 0, else 0 (FHL 2005a)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = a / (b + x - 1) * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return np.where(x > 0, odds, 0.0)


def p_alive(x, t_x, T, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """BG/NBD probability that a customer with ``x`` repeat purchases, recency ``t_x`` and age
    ``T`` (time units) is still alive (FHL 2005a, eq. 13)."""
    return 1.0 / (1.0 + _odds_dead(x, t_x, T, r, alpha, a, b))


def conditional_purchases(t: float, x, t_x, T, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """BG/NBD expected purchases in the next ``t`` time units of a customer with history
    (``x``, ``t_x``, ``T``) (FHL 2005a, eq. 10)."""
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return head * tail / (1.0 + _odds_dead(x, t_x, T, r, alpha, a, b))


def _matrix(cal, values, title: str, label: str, ax: Axes | None) -> Figure:
    fig, ax = axes(ax, size=(7, 5.5))
    rfm = cal.rfm
    im = ax.imshow(values, origin="lower", aspect="auto", cmap="cividis",
                   extent=(0, float(rfm["T"].max()), -0.5, values.shape[0] - 0.5))
    fig.colorbar(im, ax=ax, label=label)
    unit = f"{cal.unit_days:g}-day units"
    fig = finish(fig, ax, title, f"recency (time of last purchase, {unit})", "repeat purchases (frequency)")
    ax.grid(False)
    return fig


def _grid(cal) -> tuple[np.ndarray, np.ndarray, float]:
    T = float(cal.rfm["T"].max())
    fmax = int(max(1, np.percentile(cal.rfm["frequency"], 99)))
    return np.arange(fmax + 1)[:, None], np.linspace(0, T, 60)[None, :], T


def frequency_recency(cal, t: float = 1.0, ax: Axes | None = None) -> Figure:
    """Expected purchases in the next ``t`` time units of a customer of the longest age, by
    frequency and recency (a BG/NBD calibration)."""
    r, alpha, a, b = _bgnbd(cal)
    f, rec, T = _grid(cal)
    vals = conditional_purchases(t, f, np.minimum(rec, T), T, r, alpha, a, b)
    return _matrix(cal, vals, f"Expected purchases in the next {t:g} unit(s) ({cal.unit_days:g} days)",
                   "expected purchases (count)", ax)


def p_alive_matrix(cal, ax: Axes | None = None) -> Figure:
    """Probability a customer of the longest age is still alive, by frequency and recency."""
    r, alpha, a, b = _bgnbd(cal)
    f, rec, T = _grid(cal)
    return _matrix(cal, p_alive(f, rec, T, r, alpha, a, b) * np.ones_like(rec),
                   "Probability still alive (BG/NBD)", "P(alive)", ax)


def holdout(cal, rfm: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Mean purchases in the holdout period, actual against the model's prediction, by the
    number of repeat purchases in the calibration period (``rfm`` from
    :func:`loopsim.calibrate.rfm_summary` with ``observation_end``; 7+ pooled)."""
    if "frequency_holdout" not in rfm.columns:
        raise LoopsimError("the holdout figure needs an RFM summary with a holdout period "
                           "(rfm_summary(..., observation_end=...); --calibration-end before the log ends)")
    r, alpha, a, b = _bgnbd(cal)
    pred = conditional_purchases(float(rfm["duration_holdout"].iloc[0]), rfm["frequency"], rfm["recency"],
                                 rfm["T"], r, alpha, a, b)
    g = pd.DataFrame({"f": np.minimum(rfm["frequency"], 7), "actual": rfm["frequency_holdout"],
                      "model": pred}).groupby("f").mean()
    fig, ax = axes(ax)
    ax.plot(g.index, g["actual"], marker="o", color=colour(0), label="actual")
    ax.plot(g.index, g["model"], marker="s", linestyle="--", color=colour(1), label=f"model ({cal.model})")
    ax.set_xticks(g.index, [str(int(i)) if i < 7 else "7+" for i in g.index])
    ax.legend(loc="upper left")
    return finish(fig, ax, "Calibration vs holdout purchases", "repeat purchases in the calibration period",
                  "mean purchases in the holdout period (count)")


def cumulative_repeat(cal, transactions: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Cumulative repeat transactions over time: the log's against the fitted model's expected
    (each customer from their first purchase; ``transactions`` as read by
    :func:`loopsim.calibrate.read_transactions`, customers of the fit only)."""
    tx = transactions[transactions["customer_id"].isin(cal.rfm.index)].sort_values("time", kind="stable")
    t = tx["time"]
    t0 = t.min()
    days = ((t - t0).dt.total_seconds() / 86400.0 if pd.api.types.is_datetime64_any_dtype(t)
            else t - t0).to_numpy(dtype=float)
    is_repeat = tx.groupby("customer_id").cumcount().to_numpy() > 0
    first = pd.Series(days).groupby(tx["customer_id"].to_numpy()).min().to_numpy()
    grid = np.linspace(0, days.max(), 120)
    p = cal.purchase.params
    fn = btyd.bgnbd_expected_purchases if cal.model == "bgnbd" else btyd.paretonbd_expected_purchases
    age = np.clip(grid[None, :] - first[:, None], 0, None) / cal.unit_days
    model = fn(age, **p).sum(axis=0)
    actual = np.searchsorted(np.sort(days[is_repeat]), grid, side="right")
    fig, ax = axes(ax)
    ax.plot(grid, actual, color=colour(0), label="actual (log)")
    ax.plot(grid, model, color=colour(1), linestyle="--", label=f"model ({cal.model}, expected)")
    if isinstance(cal.calibration_end, str | float | int) and not isinstance(cal.calibration_end, bool):
        end = pd.Timestamp(cal.calibration_end) if isinstance(cal.calibration_end, str) else cal.calibration_end
        x = (end - t0).total_seconds() / 86400.0 if isinstance(end, pd.Timestamp) else float(end) - float(t0)
        ax.axvline(x, color="black", linestyle=":", label="end of calibration")
    ax.legend(loc="upper left")
    return finish(fig, ax, "Cumulative repeat transactions", "days since the log's first transaction",
                  "repeat transactions (count)")
