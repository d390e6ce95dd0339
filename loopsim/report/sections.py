"""The content of a report: scenario differences, assumptions, the summary table, provenance.

Every function returns HTML; every string that comes from a user (scenario names, descriptions,
design names, field values) is escaped.
"""

from __future__ import annotations

import math
import platform
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from ..cli.common import fmt, fmt_ci
from ..scenario import Scenario
from .store import StoreView


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a scenario dict (lists of tables by index)."""
    if isinstance(d, dict):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    if isinstance(d, list) and not d:
        return {}           # an empty list of tables: its absence shows as "(none)" beside the other
    if isinstance(d, list) and all(isinstance(v, dict) for v in d):
        out = {}
        for i, v in enumerate(d):
            out.update(_flat(v, f"{prefix}{i}."))
        return out
    return {prefix[:-1]: d}


def _policy_settings(p: Any) -> dict[str, Any]:
    """A policy's parameters that differ from its type's defaults: what the scenario file sets
    (the defaults, the behavioural mechanisms' included, are the same in every design)."""
    from pydantic import ValidationError

    from ..registry import policy_types

    try:
        default = _flat(policy_types()[p.type].Params(type=p.type).model_dump(mode="json", by_alias=True))
    except (KeyError, ValidationError):   # a policy without defaults for every parameter
        default = {}
    mine = _flat(p.model_dump(mode="json", by_alias=True))
    return {k: v for k, v in mine.items() if k != "type" and (k not in default or default[k] != v)}


def _scenario_flat(sc: Scenario) -> dict[str, Any]:
    """Dotted paths of a scenario, its policies by type with only their non-default settings."""
    d = sc.to_dict()
    d.pop("policies", None)
    out = _flat(d)
    for p in sc.policies:
        out[f"policies.{p.type}"] = "on"
        out.update({f"policies.{p.type}.{k}": v for k, v in _policy_settings(p).items()})
    return out


def table(head: list[str], rows: list[list[str]], cls: str = "", caption: str = "") -> str:
    """An HTML table (cells already HTML) in a scrolling wrapper (phones)."""
    h = "".join(f"<th scope='col'>{c}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (f"<div class='scroll'><table class='{cls}'>{cap}<thead><tr>{h}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


def scenarios(view: StoreView) -> str:
    """Each scenario (name, description, policies) and, for several, the fields that differ."""
    scs = view.scenarios
    items = "".join(f"<li><b>{escape(k)}</b>: {escape(s.name)}"
                    f"{' (' + escape(s.description) + ')' if s.description else ''}; policies: "
                    f"{escape(', '.join(p.type for p in s.policies) or 'none')}</li>" for k, s in scs.items())
    html = f"<ul>{items}</ul>"
    if len(scs) > 1:
        flats = {k: _scenario_flat(s) for k, s in scs.items()}
        keys = sorted(set().union(*flats.values()))
        rows = [[f"<code>{escape(p)}</code>", *(escape(str(f.get(p, "(none)"))) for f in flats.values())]
                for p in keys if len({repr(f.get(p, "(none)")) for f in flats.values()}) > 1
                and p not in ("name", "description")]
        html += "<h3>Differences, field by field</h3><p>Policies by type, with the settings their files " \
                "change from the defaults (docs/policies.md lists every default).</p>" + (
            table(["field", *map(escape, scs)], rows, "diff") if rows else "<p>None besides the name.</p>")
    if view.kind == "sweep":
        from ..plots.sweeps import parameters

        rows = [[f"<code>{escape(p)}</code>", escape(", ".join(map(str, sorted(view.runs[p].unique()))))]
                for p in parameters(view.runs)]
        html += "<h3>Swept parameters</h3>" + table(["field", "values"], rows, "diff")
    return html


def assumptions(view: StoreView, figure_reps: int) -> str:
    """The settings that shape every number: horizon, money, replications, statistics."""
    sc: Scenario = next(iter(view.scenarios.values()))
    n = int(view.runs["replication"].nunique())
    crn = view.summary.get("crn", True)
    items = [
        f"Horizon {sc.time.horizon_days:g} days; money in {escape(sc.market.currency)}, undiscounted "
        f"except <code>profit_discounted</code> and CLV (annual rate {sc.time.discount_rate_annual:g}).",
        f"Gross margin rate {sc.economics.gross_margin_rate:g}; {sc.market.initial_customers:,} customers "
        f"at day 0; marketing {sc.market.marketing_budget_per_day:g} {escape(sc.market.currency)}/day.",
        f"{n} replications{' per design' if view.kind == 'compare' else ' per point' if view.kind == 'sweep' else ''}, "
        f"root seed {view.seed}; " + ("common random numbers (paired designs)" if crn else "independent streams") + ".",
        "Intervals: 95% Student-t confidence intervals of the mean over replications (paired for "
        "differences); p5/p50/p95 are quantiles across replications; P(better) is the share of paired "
        "replications in which a design beats the reference (ties count half).",
        f"Figures of customers, days and contacts show the first {figure_reps} replications of each "
        "design, run again with their stored seeds (the same runs).",
        "Profit = gross margin + fees \u2212 reward, programme, acquisition, service, personalisation, "
        "win-back and fixed costs; the points liability is owed at the horizon and not in profit.",
    ]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _pct(v: float) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


def summary_table(view: StoreView) -> str:
    """The summary table: mean and 95% CI with p5/p50/p95 (and paired differences)."""
    if view.kind == "compare":
        cmp = view.comparison()
        tab = cmp.table()
        rows = [[f"<code>{escape(r['metric'])}</code>", escape(str(r["design"])),
                 fmt_ci(r["mean"], r["ci_low"], r["ci_high"]), fmt(r["p5"]), fmt(r["p50"]), fmt(r["p95"]),
                 "" if r["design"] == cmp.reference else fmt_ci(r["diff"], r["diff_ci_low"], r["diff_ci_high"]),
                 _pct(r["p_better"])] for _, r in tab.iterrows()]
        head = ["metric", "design", "mean \u00b1 95% CI", "p5", "p50", "p95",
                f"vs {escape(cmp.reference)} \u00b1 95% CI", "P(better)"]
        return table(head, rows, "summary")
    if view.kind == "sweep":
        from ..experiment import sweep_summary

        s = sweep_summary(view.runs).reset_index()
        params = [c for c in s.columns if c not in ("point", "n") and not c.startswith(("profit_", "retention_rate_"))]
        rows = [[str(r["point"]), *(escape(str(r[p])) for p in params), str(int(r["n"])),
                 fmt_ci(r["profit_mean"], r["profit_ci_low"], r["profit_ci_high"]),
                 fmt_ci(r["retention_rate_mean"], r["retention_rate_ci_low"], r["retention_rate_ci_high"])]
                for _, r in s.iterrows()]
        return table(["point", *map(escape, params), "n", "profit \u00b1 95% CI", "retention \u00b1 95% CI"],
                     rows, "summary")
    summ = view.experiment().summary()
    q = view.runs[list(summ.index)].quantile([0.05, 0.5, 0.95])
    rows = [[f"<code>{escape(str(m))}</code>", fmt_ci(r["mean"], r["ci_low"], r["ci_high"]),
             *(fmt(float(q.loc[p, m])) for p in (0.05, 0.5, 0.95)), fmt(r["sd"])] for m, r in summ.iterrows()]
    return table(["metric", "mean \u00b1 95% CI", "p5", "p50", "p95", "sd"], rows, "summary")


def provenance(view: StoreView) -> str:
    """Version, seed, scenario hashes, where the store is, when it was made."""
    from .. import __version__

    created = view.manifest.get("created")
    when = pd.Timestamp(created, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M UTC") if created else "unknown"
    versions = sorted(set(view.runs.get("loopsim_version", pd.Series([view.manifest.get("loopsim_version")]))
                          .dropna().astype(str)))
    rows = [["result store", escape(str(view.root))], ["kind", escape(view.kind)],
            ["created", when], ["root seed", str(view.seed)],
            ["runs made with loopsim", escape(", ".join(versions) or "unknown")],
            ["report made with loopsim", escape(__version__)],
            ["command", f"<code>{escape(str(view.manifest.get('command', 'unknown')))}</code>"],
            ["experiment fingerprint", escape(str(view.manifest.get("fingerprint_digest", "unknown")))],
            ["Python", escape(platform.python_version())]]
    rows += [[f"scenario hash: {escape(k)}", f"<code>{escape(s.hash)}</code>"] for k, s in view.scenarios.items()]
    n_hashes = len(np.unique(view.runs["scenario_hash"])) if "scenario_hash" in view.runs else 0
    rows.append(["distinct scenario hashes in the runs", str(n_hashes)])
    return table(["what", "value"], rows, "prov")
