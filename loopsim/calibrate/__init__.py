"""Calibrate a loopsim population from a transaction log with buy-till-you-die models.

Workflow::

    from loopsim.calibrate import read_transactions, calibrate, cdnow_sample_path
    tx = read_transactions(cdnow_sample_path())               # customer_id, time, amount
    cal = calibrate(tx, model="bgnbd", calibration_end="1997-09-30")
    print(cal.summary_table())
    open("calibrated.toml", "w").write(cal.to_toml(extends="online_shop.toml"))

The purchase/dropout process is fitted with the BG/NBD (Fader, Hardie & Lee 2005, Marketing
Science 24(2)) or the Pareto/NBD (Schmittlein, Morrison & Colombo 1987, Management Science 33(1)),
spend with the Gamma-Gamma model (Fader, Hardie & Lee 2005, JMR 42(4)); see :mod:`loopsim.btyd`.

Conventions (those of the BTYD literature and of the ``lifetimes`` package; with them the
published CDNOW estimates and log-likelihoods are reproduced exactly):

* transactions of one customer on the same day are merged into one (amounts summed);
* ``calibration_end`` is the last day *included* in the calibration period, and the customer's
  age is ``T = (calibration_end - first purchase) / unit_days`` (for CDNOW, calibration_end =
  1997-09-30 gives T = 38.86 weeks for a customer who first bought on 1997-01-01);
* ``frequency`` counts *repeat* purchases (days with a purchase after the first one), and
  ``monetary_value`` is the mean value of the repeat transactions (0 if none), as in the
  Gamma-Gamma papers.

This module does not import the simulation engine or the CLI.

The package holds one concept per module: reading and checking a log (:mod:`.log`), the RFM
summary (:mod:`.rfm`), fitting (:mod:`.fit`), the result and its scenario fragment
(:mod:`.calibration`), from a log file to a written scenario (:mod:`.cohort`, what ``loopsim
calibrate`` does) and exporting simulated transactions (:mod:`.export`); every public name is
importable from ``loopsim.calibrate``.
"""

from __future__ import annotations

from .calibration import Calibration
from .cohort import (
    CohortCalibration,
    calibrate_log,
    cohort_fields,
    parse_calibration_end,
    transaction_log,
)
from .export import to_btyd_transactions
from .fit import MIN_CUSTOMERS, MODEL_TITLES, calibrate
from .log import cdnow_sample_path, merge_same_day, read_transactions
from .rfm import rfm_summary

__all__ = [
    "MIN_CUSTOMERS",
    "MODEL_TITLES",
    "Calibration",
    "CohortCalibration",
    "calibrate",
    "calibrate_log",
    "cdnow_sample_path",
    "cohort_fields",
    "merge_same_day",
    "parse_calibration_end",
    "read_transactions",
    "rfm_summary",
    "to_btyd_transactions",
    "transaction_log",
]
