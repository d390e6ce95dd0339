"""Fitting a purchase/dropout model (BG/NBD or Pareto/NBD) and Gamma-Gamma spend to a log,
refusing logs that cannot identify the model."""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import pandas as pd

from .. import btyd
from ..btyd import FitResult
from .calibration import Calibration
from .rfm import _check_unit_days, rfm_summary

#: Fewest customers in the calibration period :func:`calibrate` fits a model to. A sanity floor,
#: not a recommended sample size: the purchase models have 4 parameters describing a
#: *distribution* over customers, and with fewer than 20 customers (5 per parameter) the fit is
#: mostly not identified (on random CDNOW subsets of 10 customers a third of the fits have
#: infinite standard errors). Published BTYD work uses hundreds to thousands of customers.
MIN_CUSTOMERS = 20

#: Display names of the purchase models.
MODEL_TITLES = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD"}

#: Estimates beyond ``exp(+-_EDGE_LOG)`` are at the edge of the search (the optimiser works on
#: log-parameters bounded by +-30): the likelihood kept growing towards a degenerate limit.
_EDGE_LOG = 25.0


def _require_identified(fit: FitResult, title: str, counts: str, remedy: str) -> None:
    """Refuse a fit the data do not identify: a standard error that is not finite, or an estimate
    at the edge of the parameter space (then the estimates mean nothing)."""
    bad = [k for k, v in fit.se.items() if not math.isfinite(v)]
    edge = [f"{k} = {v:.3g}" for k, v in fit.params.items()
            if not (v > 0 and abs(math.log(v)) < _EDGE_LOG)]
    if not bad and not edge:
        return
    if bad:
        why = (f"the standard error{'s' if len(bad) > 1 else ''} of {', '.join(bad)} "
               f"{'are' if len(bad) > 1 else 'is'} not finite (the likelihood is flat or largest "
               "at the edge of the parameter space)")
    else:
        why = (f"the estimate{'s' if len(edge) > 1 else ''} {', '.join(edge)} "
               f"{'are' if len(edge) > 1 else 'is'} at the edge of the parameter space (the "
               "likelihood keeps growing towards a degenerate limit)")
    raise ValueError(f"the {title} fit is not identified by this log ({counts}): {why}, so the "
                     f"estimates mean nothing; {remedy}")


def _fittable_counts(rfm: pd.DataFrame, title: str) -> str:
    """Refuse (one line) an RFM summary with too few customers or no repeat purchase; otherwise
    the customer counts as the phrase the later messages quote."""
    if len(rfm) == 0:
        raise ValueError("calibrate: no customers in the calibration period")
    repeaters = int((rfm["frequency"] > 0).sum())
    counts = (f"{len(rfm)} customer{'s' if len(rfm) != 1 else ''} in the calibration period, "
              f"{repeaters} with a repeat purchase")
    if len(rfm) < MIN_CUSTOMERS:
        raise ValueError(f"too few customers to fit the {title} model: {counts}; at least "
                         f"{MIN_CUSTOMERS} are needed")
    if repeaters == 0:
        raise ValueError(f"no customer made a repeat purchase (on a later day) in the calibration "
                         f"period ({counts}), so the {title} model cannot be fitted; the log needs "
                         "customers who bought on more than one day")
    return counts


def _fit_spend(rfm: pd.DataFrame) -> FitResult | None:
    """Gamma-Gamma fit on the customers with repeat purchases of positive value (None with fewer
    than 3 of them); warns when ``q <= 1`` (the population mean spend does not exist)."""
    rep = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
    if len(rep) < 3:
        return None
    spend_fit = btyd.fit_gammagamma(rep["frequency"], rep["monetary_value"])
    _require_identified(spend_fit, "Gamma-Gamma spend",
                       f"{len(rep)} customers with repeat purchases of positive value",
                       "calibrate without a spend model (spend=False, --amount-col '') "
                       "or with more customers whose repeat amounts vary")
    if spend_fit.params["q"] <= 1:
        # stacklevel 3: the warning points at the caller of calibrate(), as it did before
        warnings.warn("Gamma-Gamma q <= 1: the population mean spend does not exist; "
                      "loopsim will reject this spend model", stacklevel=3)
    return spend_fit


def calibrate(df: pd.DataFrame, model: Literal["bgnbd", "paretonbd"] = "bgnbd",
              unit_days: float = 7.0, calibration_end: Any = None, spend: bool = True,
              source: str | None = None) -> Calibration:
    """Fit a BTYD purchase/dropout model (and Gamma-Gamma spend) to a transaction log.

    Parameters
    ----------
    df : transactions (``customer_id``, ``time``, ``amount``), e.g. from
        :func:`read_transactions` (same-day transactions already merged).
    model : ``"bgnbd"`` or ``"paretonbd"``.
    unit_days : time unit of the fitted rates (days; 7 = weeks, as in the published CDNOW work).
    calibration_end : last time of the calibration period (default: last transaction).
    spend : also fit the Gamma-Gamma spend model on customers with at least one repeat purchase
        and positive mean repeat spend.
    source : label for the TOML header (e.g. the file name).

    Raises
    ------
    LoopsimError
        ``unit_days`` is not a finite number > 0.
    ValueError
        one line saying why the log cannot identify the model: fewer than :data:`MIN_CUSTOMERS`
        customers in the calibration period, no customer with a repeat purchase, or a fit whose
        standard errors are not finite or whose estimates are at the edge of the parameter space
        (a flat likelihood, or one that keeps growing towards a degenerate limit: the estimates
        mean nothing).
    """
    if model not in ("bgnbd", "paretonbd"):
        raise ValueError(f"model must be 'bgnbd' or 'paretonbd', not {model!r}")
    unit_days = _check_unit_days(unit_days)
    rfm = rfm_summary(df, calibration_end=calibration_end, unit_days=unit_days)
    title = MODEL_TITLES[model]
    counts = _fittable_counts(rfm, title)
    x, t_x, T = rfm["frequency"], rfm["recency"], rfm["T"]
    fitter = btyd.fit_bgnbd if model == "bgnbd" else btyd.fit_paretonbd
    purchase = fitter(x, t_x, T)
    other = "paretonbd" if model == "bgnbd" else "bgnbd"
    _require_identified(purchase, title, counts, "a larger log, a longer calibration period or "
                       f"model={other!r} (--model {other}) may help")
    spend_fit = _fit_spend(rfm) if spend else None
    if calibration_end is None:
        calibration_end = df["time"].max()
    if isinstance(calibration_end, pd.Timestamp):
        calibration_end = calibration_end.date().isoformat() if calibration_end == \
            calibration_end.normalize() else calibration_end.isoformat()
    return Calibration(model=model, purchase=purchase, spend=spend_fit, unit_days=float(unit_days),
                       rfm=rfm, source=source, calibration_end=calibration_end)
