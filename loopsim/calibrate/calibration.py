"""The result of a calibration: the fitted population as a scenario fragment, TOML text and
draws from the fit's sampling distribution."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import tomli_w

from ..btyd import FitResult

if TYPE_CHECKING:
    from ..scenario import Scenario


def _sig(v: float, digits: int = 6) -> float:
    return float(f"{v:.{digits}g}")


@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    Attributes
    ----------
    model : ``"bgnbd"`` or ``"paretonbd"``.
    purchase : fit of the purchase/dropout model (rates per ``unit_days``).
    spend : Gamma-Gamma fit of spend per purchase (None when the log has no amounts or no
        customer has a repeat purchase).
    unit_days : time unit of the rate parameters (days).
    rfm : the RFM summary the models were fitted on.
    source : description of the data source (file name), used in the TOML header.
    calibration_end : end of the calibration period (as passed or inferred).
    """

    model: str
    purchase: FitResult
    spend: FitResult | None
    unit_days: float
    rfm: pd.DataFrame = field(repr=False)
    source: str | None = None
    calibration_end: Any = None

    def population_fragment(self, purchase_params: dict[str, float] | None = None,
                            spend_params: dict[str, float] | None = None) -> dict[str, Any]:
        """The calibrated population as a scenario dict ``{"population": {...}}``.

        One segment ``calibrated`` (share 1): purchase rates ``Gamma(shape=r, rate=alpha)`` per
        time unit; BG/NBD: ``dropout ~ Beta(a, b)`` after each repeat purchase and no churn hazard;
        Pareto/NBD: no per-purchase dropout and ``churn_hazard ~ Gamma(shape=s, rate=beta)`` per
        time unit; spend ``gamma_gamma`` with ``p, q, gamma``.

        ``purchase_params`` / ``spend_params`` replace the estimates (e.g. a draw from the
        sampling distribution, see :meth:`scenario_draws`); default: the MLE.
        """
        p = purchase_params if purchase_params is not None else self.purchase.params
        seg: dict[str, Any] = {
            "name": "calibrated",
            "share": 1.0,
            "purchase_rate": {"dist": "gamma", "shape": _sig(p["r"]), "rate": _sig(p["alpha"])},
        }
        if self.model == "bgnbd":
            seg["dropout"] = {"dist": "beta", "a": _sig(p["a"]), "b": _sig(p["b"])}
            seg["churn_hazard"] = {"dist": "fixed", "value": 0.0}
        else:
            seg["dropout"] = {"dist": "fixed", "value": 0.0}
            seg["churn_hazard"] = {"dist": "gamma", "shape": _sig(p["s"]), "rate": _sig(p["beta"])}
        if self.spend is not None:
            sp = spend_params if spend_params is not None else self.spend.params
            seg["spend"] = {"model": "gamma_gamma", "p": _sig(sp["p"]), "q": _sig(sp["q"]),
                            "gamma": _sig(sp["gamma"])}
        return {"population": {"time_unit_days": float(self.unit_days),
                               "dropout_timing": "after_repeat",
                               "segments": [seg]}}

    def scenario_draws(self, base_scenario: Scenario, n: int,
                       seed: int | np.random.Generator | None = None) -> list[Scenario]:
        """``n`` copies of ``base_scenario`` whose calibrated population parameters are drawn from
        the fit's sampling distribution (parameter uncertainty carried into an experiment).

        Each draw takes the purchase/dropout parameters from
        :meth:`FitResult.sample_params <loopsim.btyd.FitResult.sample_params>` (log-normal
        around the MLE with the observed-information covariance) and, independently, the
        Gamma-Gamma spend parameters from the spend fit (draws with ``q <= 1``, for which the mean
        spend does not exist, are redrawn). Run replication ``i`` on scenario ``i`` to let the
        spread of the results include the estimation error as well as the simulation noise.

        Parameters
        ----------
        base_scenario : a scenario with the calibrated population, e.g. loaded from the file
            written by ``loopsim calibrate``. Its segment named ``calibrated`` (or its only
            segment) gets the drawn ``purchase_rate``, ``dropout``, ``churn_hazard`` and
            ``spend``; every other field is kept. A base without such a segment gets the
            calibrated population (:meth:`population_fragment`) in place of its own.
        n : number of scenarios.
        seed : seed or Generator of the parameter draws.

        Returns
        -------
        list of validated :class:`~loopsim.scenario.Scenario` (named ``"<name> [draw i]"``).
        """
        from ..scenario import validate_scenario

        if n < 1:
            raise ValueError("scenario_draws: n must be >= 1")
        rng = np.random.default_rng(seed)
        purchase = self.purchase.sample_param_dicts(rng, n)
        spend: list[dict[str, float] | None] = [None] * n
        if self.spend is not None:
            spend = []
            while len(spend) < n:
                spend += [d for d in self.spend.sample_param_dicts(rng, n) if d["q"] > 1.0]
            spend = spend[:n]
        base = base_scenario.to_dict()
        segs = base["population"]["segments"]
        idx = next((i for i, sg in enumerate(segs) if sg.get("name") == "calibrated"),
                   0 if len(segs) == 1 else None)
        out = []
        for i in range(n):
            pop = self.population_fragment(purchase[i], spend[i])["population"]
            data = copy.deepcopy(base)
            if idx is None:
                data["population"] = pop
            else:
                drawn = pop["segments"][0]
                seg = data["population"]["segments"][idx]
                for key in ("purchase_rate", "dropout", "churn_hazard", "spend"):
                    if key in drawn:
                        seg[key] = drawn[key]
                data["population"]["time_unit_days"] = pop["time_unit_days"]
                data["population"]["dropout_timing"] = pop["dropout_timing"]
            data["journey"]["churn"]["process"] = "per_purchase"
            data["name"] = f"{base.get('name', 'scenario')} [draw {i}]"
            out.append(validate_scenario(data, source=f"scenario_draws[{i}]"))
        return out

    def summary_table(self) -> pd.DataFrame:
        """Estimates and standard errors: columns ``param``, ``estimate``, ``se`` (purchase model
        parameters first, then spend parameters)."""
        rows = []
        for fit in (self.purchase, self.spend):
            if fit is None:
                continue
            for k, v in fit.params.items():
                rows.append({"param": k, "estimate": v, "se": fit.se[k]})
        return pd.DataFrame(rows, columns=["param", "estimate", "se"])

    def to_toml(self, extends: str | None = None, extra: dict[str, Any] | None = None) -> str:
        """A scenario fragment in TOML: header comments (source, model, log-likelihood, standard
        errors), ``extends = "..."`` if given, the fields of ``extra`` (e.g. ``name`` or a
        ``market`` table), and the ``[population]`` table of :meth:`population_fragment`."""
        names = {"bgnbd": "BG/NBD (Fader, Hardie & Lee 2005)",
                 "paretonbd": "Pareto/NBD (Schmittlein, Morrison & Colombo 1987)"}
        lines = [
            "# Population calibrated by loopsim.calibrate",
            f"# source: {self.source or '(data frame)'}",
            f"# calibration end: {self.calibration_end}; time unit: {self.unit_days:g} days",
            f"# purchase model: {names.get(self.model, self.model)}, "
            f"n = {self.purchase.n} customers, log-likelihood = {self.purchase.loglik:.2f}",
            "#   " + ", ".join(f"{k} = {v:.4g} (se {self.purchase.se[k]:.2g})"
                               for k, v in self.purchase.params.items()),
        ]
        if self.spend is not None:
            lines += [
                f"# spend model: Gamma-Gamma (Fader, Hardie & Lee 2005), n = {self.spend.n} "
                f"customers with repeat purchases, log-likelihood = {self.spend.loglik:.2f}",
                "#   " + ", ".join(f"{k} = {v:.4g} (se {self.spend.se[k]:.2g})"
                                   for k, v in self.spend.params.items()),
            ]
        doc: dict[str, Any] = {}
        if extends is not None:
            doc["extends"] = str(extends)
        doc.update(extra or {})
        doc.setdefault("journey", {}).setdefault("churn", {})["process"] = "per_purchase"
        doc.update(self.population_fragment())
        return "\n".join(lines) + "\n\n" + tomli_w.dumps(doc)
