"""Why one design beats another: the profit bridge and a generated explanation.

Profit is, in every run, the sum of its money components (``docs/metrics.md``)::

    profit = gross_margin + fee_revenue - reward_cost - programme_cost - acquisition_cost
             - service_cost - personalisation_cost - winback_cost - fixed_cost

so the mean paired difference in profit between two designs splits exactly into the mean paired
differences of the components. :func:`bridge` gives those (with their paired 95% CIs, from
:meth:`Comparison.table`), :func:`explain` names the components that drive the difference, and
:func:`table_metrics` chooses what :meth:`Comparison.table` shows: every money component, the
points liability and every policy metric besides the core metrics (with p5/p50/p95 quantiles).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import LoopsimError
from .metrics import _BUILTIN_PREFIXES, CORE_METRICS, is_builtin_metric

#: (metric, label, sign in profit): the money components of profit, in bridge order.
COMPONENTS = (
    ("gross_margin", "margin", 1), ("fee_revenue", "fees", 1), ("reward_cost", "rewards", -1),
    ("programme_cost", "running cost", -1), ("acquisition_cost", "acquisition", -1),
    ("service_cost", "service", -1), ("personalisation_cost", "personalisation", -1),
    ("winback_cost", "win-back", -1), ("fixed_cost", "fixed cost", -1),
)
#: Money columns of a run, besides profit, shown in the full table.
MONEY_METRICS = ("revenue", *(m for m, _l, _s in COMPONENTS), "profit", "profit_discounted",
                 "points_liability")


#: What a design's reward cost is called, by its one reward policy (several: "rewards").
REWARD_NAMES = {"membership": "member benefits", "punch_card": "free items", "points": "redeemed points",
                "cashback": "cashback", "discount": "discounts", "tiers": "tier benefits",
                "referral": "referral rewards", "streaks": "streak rewards", "exclusive_access": "perks"}


def reward_label(*scenarios) -> str:
    """The name of the reward cost in a bridge between ``scenarios``: their reward policy's
    word for it when they have one kind of reward between them, else "rewards"."""
    kinds = {p.type for sc in scenarios for p in sc.policies if p.type in REWARD_NAMES}
    return REWARD_NAMES[kinds.pop()] if len(kinds) == 1 else "rewards"


def _check_design(cmp, design: str | None) -> str:
    others = [d for d in cmp.designs if d != cmp.reference]
    if design is None:
        if not others:
            raise LoopsimError("a profit bridge needs two designs; this comparison has one")
        return others[0]
    if design not in cmp.designs or design == cmp.reference:
        raise LoopsimError(f"design {design!r}: choose one of {', '.join(others) or '(none)'}")
    return design


def bridge(cmp, design: str | None = None) -> pd.DataFrame:
    """The profit difference of ``design`` vs the comparison's reference, by component.

    One row per component (``kind`` "component"; ``diff``: its mean paired contribution to the
    profit difference in currency, costs negated, with ``ci_low``/``ci_high``), then "profit"
    (the total) and, when either design reports one, the change of "points_liability" (kind
    "liability": owed at the horizon, not in profit). ``attrs`` holds the design names, both
    mean profits, ``n`` and the currency. The component rows sum to the profit row."""
    design = _check_design(cmp, design)
    runs = cmp.runs
    metrics = [m for m, _l, _s in COMPONENTS if m in runs.columns] + ["profit"]
    has_liab = "points_liability" in runs.columns and \
        bool(np.nanmax(np.abs(runs["points_liability"].to_numpy(dtype=float)), initial=0) > 0)
    tab = cmp.table(metrics=metrics + (["points_liability"] if has_liab else []))
    rows_d = tab[tab["design"] == design].set_index("metric")
    rows_r = tab[tab["design"] == cmp.reference].set_index("metric")
    sign = {m: s for m, _l, s in COMPONENTS} | {"profit": 1, "points_liability": 1}
    label = {m: lab for m, lab, _s in COMPONENTS} | {"profit": "profit", "points_liability": "points liability",
                                                      "reward_cost": reward_label(cmp.designs[design],
                                                                                  cmp.designs[cmp.reference])}
    out = []
    for m in rows_d.index:
        r, s = rows_d.loc[m], sign[m]
        lo, hi = sorted((s * r["diff_ci_low"], s * r["diff_ci_high"]))
        kind = "liability" if m == "points_liability" else "total" if m == "profit" else "component"
        out.append({"metric": m, "label": label[m], "kind": kind, "diff": s * r["diff"],
                    "ci_low": lo, "ci_high": hi, "p_better": r["p_better"]})
    df = pd.DataFrame(out)
    sc = cmp.designs[design]
    df.attrs.update(reference=cmp.reference, design=design, n=cmp.n, currency=sc.market.currency,
                    reference_profit=float(rows_r.loc["profit", "mean"]),
                    design_profit=float(rows_d.loc["profit", "mean"]))
    return df


def _k(v: float) -> str:
    """Signed compact money: +59.3k, -7.3k, +950."""
    a = abs(v)
    body = f"{a / 1e6:.1f}M" if a >= 1e6 else f"{a / 1e3:.1f}k" if a >= 1e3 else f"{a:.0f}"
    return ("+" if v >= 0 else "\u2212") + body


def _ci(lo: float, hi: float) -> str:
    return f"95% CI {_k(lo)} to {_k(hi)}" if math.isfinite(lo) else "no CI (one replication)"


def explain_design(cmp, design: str | None = None, share: float = 0.05) -> str:
    """One paragraph on ``design`` vs the reference: the profit difference with its CI and
    P(better), the components that drive it (each moving profit by at least ``share`` of the
    total movement), gains against losses, each with its paired CI, and the liability change."""
    br = bridge(cmp, design)
    ref, des, cur = br.attrs["reference"], br.attrs["design"], br.attrs["currency"]
    tot = br[br["kind"] == "total"].iloc[0]
    comp = br[br["kind"] == "component"]
    moved = float(comp["diff"].abs().sum())
    big = comp[comp["diff"].abs() >= share * moved] if moved > 0 else comp.iloc[0:0]
    big = big.reindex(big["diff"].abs().sort_values(ascending=False).index)

    def items(rows: pd.DataFrame) -> str:
        return " and ".join(f"{_k(r['diff'])} {r['label']} ({_ci(r['ci_low'], r['ci_high'])})"
                            for _, r in rows.iterrows())

    verdict = "more" if tot["diff"] > 0 else "less"
    sure = tot["ci_low"] > 0 or tot["ci_high"] < 0
    text = (f"{des} makes {_k(tot['diff'])[1:]} {cur} {verdict} profit than {ref} "
            f"({_ci(tot['ci_low'], tot['ci_high'])}"
            + (f"; better in {tot['p_better']:.0%} of paired runs" if math.isfinite(tot["p_better"]) else "")
            + ("" if sure else "; the CI includes zero: not a clear difference") + ").")
    gains, losses = big[big["diff"] > 0], big[big["diff"] < 0]
    if len(gains) and len(losses):
        text += f" Drivers: {items(gains)} against {items(losses)}."
    elif len(big):
        text += f" Drivers: {items(big)}."
    liab = br[br["kind"] == "liability"]
    if len(liab) and abs(liab["diff"].iloc[0]) > 0:
        r = liab.iloc[0]
        text += (f" Points liability at the horizon changes by {_k(r['diff'])} {cur} "
                 f"({_ci(r['ci_low'], r['ci_high'])}); it is owed to members and not in profit.")
    return text


def explain(cmp, share: float = 0.05) -> str:
    """The explanation of every design against the reference, one paragraph each."""
    return "\n\n".join(explain_design(cmp, d, share) for d in cmp.designs if d != cmp.reference)


def table_metrics(runs: pd.DataFrame) -> list[str]:
    """Every metric a comparison table shows, in order: the core metrics, every money component
    and the points liability, the policies' metrics, then every other metric the runs report."""
    from .experiment import ID_COLUMNS

    cols = list(runs.columns)
    # the columns before "replication" label a run (design, a design's parameters): not metrics
    labels = set(cols[:cols.index("replication")]) if "replication" in cols else {"design"}
    first = [m for m in (*CORE_METRICS, *MONEY_METRICS) if m in runs.columns]
    rest = [c for c in cols if c not in ID_COLUMNS and c not in first and c not in labels
            and pd.api.types.is_numeric_dtype(runs[c])]
    pol = policy_metrics(rest)
    return list(dict.fromkeys(first + pol + rest))


def policy_metrics(names) -> list[str]:
    """The names among ``names`` that a loyalty, service or personalisation policy reports
    (built-in policies by their prefixes; any metric loopsim does not know is a custom policy's)."""
    engine = ("funnel_", "service_")
    return [m for m in names if m not in CORE_METRICS and m not in MONEY_METRICS
            and (m == "breakage_rate" or not is_builtin_metric(m)
                 or (m.startswith(_BUILTIN_PREFIXES) and not m.startswith(engine)))]
