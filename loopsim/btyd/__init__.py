"""Buy-till-you-die (BTYD) model mathematics: BG/NBD, Pareto/NBD and Gamma-Gamma spend.

Pure numpy/scipy. Time is measured in an arbitrary *time unit* (weeks in the published CDNOW
analyses); rate parameters (``alpha``, ``beta``) are in that unit, shape parameters are unitless.
Per-customer data use the usual RFM summary notation:

* ``x``   - number of *repeat* purchases in the calibration period (count),
* ``t_x`` - time of the last purchase, measured from the first purchase (time units),
* ``T``   - length of observation, from the first purchase to the end of calibration (time units),
* ``m``   - mean value of the ``x`` repeat transactions (currency).

References
----------
* Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the easy way: an
  alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284. (BG/NBD; eqs. 6 and 7.)
* Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they
  and what will they do next? *Management Science* 33(1), 1-24. (Pareto/NBD.)
* Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
  expressions. http://brucehardie.com/notes/009/ (likelihood, eq. 22-24 there.)
* Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves for
  customer base analysis. *Journal of Marketing Research* 42(4), 415-430; and Fader & Hardie (2013),
  "The Gamma-Gamma model of monetary value", http://brucehardie.com/notes/025/ (spend model).

Published CDNOW estimates (2,357 customers, 39-week calibration): BG/NBD r=0.243, alpha=4.414,
a=0.793, b=2.426 (LL -9582.4); Pareto/NBD r=0.553, alpha=10.578, s=0.606, beta=11.669 (LL
-9595.0); Gamma-Gamma p=6.25, q=3.74, gamma=15.44.

The package holds one model per module (:mod:`.bgnbd`, :mod:`.paretonbd`, :mod:`.gammagamma`)
and the fitting machinery they share (:mod:`.fitting`); every public name is importable from
``loopsim.btyd``.
"""

from __future__ import annotations

from .bgnbd import bgnbd_expected_purchases, bgnbd_loglik, bgnbd_loglik_i, fit_bgnbd
from .fitting import PARAM_NAMES, FitResult, numerical_hessian
from .gammagamma import (
    fit_gammagamma,
    gammagamma_expected_spend,
    gammagamma_loglik,
    gammagamma_loglik_i,
)
from .paretonbd import (
    fit_paretonbd,
    paretonbd_expected_purchases,
    paretonbd_loglik,
    paretonbd_loglik_i,
)

__all__ = [
    "PARAM_NAMES",
    "FitResult",
    "bgnbd_expected_purchases",
    "bgnbd_loglik",
    "bgnbd_loglik_i",
    "fit_bgnbd",
    "fit_gammagamma",
    "fit_paretonbd",
    "gammagamma_expected_spend",
    "gammagamma_loglik",
    "gammagamma_loglik_i",
    "numerical_hessian",
    "paretonbd_expected_purchases",
    "paretonbd_loglik",
    "paretonbd_loglik_i",
]
