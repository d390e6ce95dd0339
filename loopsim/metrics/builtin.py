"""The metrics the engine reports in every run, each declared once (the built-in policies' own
metrics are in :mod:`loopsim.metrics.policies`). The contracted ones (``core=True``) come first,
in the order of the summary and of ``loopsim run``'s table."""

from __future__ import annotations

from .declare import SHARE, UNBOUNDED, Metric

_NOBODY = "nobody acquired"

CORE: tuple[Metric, ...] = (
    Metric("customers_acquired", "customers", better="higher", core=True, group="Customers",
           doc="customers who made a first purchase (plus the initial cohort)"),
    Metric("active_at_end", "customers", better="higher", core=True, group="Customers",
           doc="acquired customers still active at the horizon"),
    Metric("retention_rate", "share", SHARE, "higher", core=True, group="Customers",
           doc="active_at_end / customers_acquired: share of the customers acquired during the run "
               "(and the initial cohort) active at the horizon; not the Kaplan-Meier survival by "
               "tenure (`RunResult.retention_curve()`, see below)", nan_when=_NOBODY),
    Metric("churned", "customers", better="lower", core=True, group="Customers",
           doc="acquired − active"),
    Metric("purchases", "purchases", better="higher", core=True, group="Customers",
           doc="all purchases, first ones included"),
    Metric("repeat_purchase_rate", "share", SHARE, "higher", core=True, group="Customers",
           doc="share of acquired customers with ≥ 2 purchases", nan_when=_NOBODY),
    Metric("revenue", "currency", better="higher", core=True, group="Money",
           doc="sales at list price (Σ gross amount of every purchase)"),
    Metric("gross_margin", "currency", better="higher", core=True, group="Money",
           doc="revenue × `economics.gross_margin_rate`"),
    Metric("reward_cost", "currency", better="lower", core=True, group="Money",
           doc="price reductions, cash-back, reward items"),
    Metric("acquisition_cost", "currency", better="lower", core=True, group="Money",
           doc="the marketing budget spent"),
    Metric("service_cost", "currency", better="lower", core=True, group="Money",
           doc="agents per day and per contact"),
    Metric("personalisation_cost", "currency", better="lower", core=True, group="Money",
           doc="cost of personalised offers"),
    Metric("profit", "currency", UNBOUNDED, "higher", core=True, group="Money",
           doc="gross_margin + fee_revenue − all costs"),
    Metric("profit_discounted", "currency", UNBOUNDED, "higher", core=True, group="Money",
           doc="profit with each amount discounted at its exact time t by "
               "`(1 + discount_rate_annual) ** (-t / 365)`"),
    Metric("clv_mean", "currency", UNBOUNDED, "higher", core=True, group="Customers",
           doc="mean over acquired customers of their CLV: margin net of their own reward and "
               "service cost (and + fees), discounted to their acquisition, observed until the "
               "horizon", nan_when=_NOBODY),
    Metric("nps", "score", (-100.0, 100.0), "higher", core=True, group="Customers",
           doc="% promoters − % detractors among active customers (−100..100)",
           nan_when="nobody active"),
    Metric("points_liability", "currency", better="lower", core=True, group="Money",
           doc="outstanding points × cost per point at the horizon (0 without points)"),
    Metric("mean_service_wait_days", "days", better="lower", core=True, group="Service",
           doc="mean time in queue of contacts that queued, after `service.warmup_days`",
           nan_when="no contacts"),
)

_MONEY: tuple[Metric, ...] = (
    Metric("fee_revenue", "currency", better="higher", group="Money",
           doc="income besides sales (e.g. paid membership)"),
    Metric("programme_cost", "currency", better="lower", group="Money",
           doc="running a programme: fixed and per member"),
    Metric("winback_cost", "currency", better="lower", group="Money", doc="win-back offers"),
    Metric("fixed_cost", "currency", better="lower", group="Money", doc="the business's fixed cost"),
    Metric("cac", "currency", better="lower", group="Money",
           doc="acquisition_cost / customers acquired through the funnel",
           nan_when="none acquired through the funnel"),
    Metric("ltv_cac", "ratio", UNBOUNDED, "higher", group="Money", doc="clv_mean / cac",
           nan_when="cac undefined or 0"),
)

_FUNNEL: tuple[Metric, ...] = (
    Metric("prospects", "prospects", group="Customers", doc="prospects made aware"),
    Metric("funnel_<stage>", "prospects", group="Customers",
           doc="prospects entering each funnel stage"),
    Metric("funnel_conversion", "share", SHARE, "higher", group="Customers",
           doc="customers from the funnel / prospects", nan_when="no prospects"),
    Metric("referrals", "customers", better="higher", group="Customers",
           doc="customers referred by customers"),
    Metric("winback_attempts", "customers", group="Customers", doc="win-back offers made"),
    Metric("winbacks", "customers", better="higher", group="Customers",
           doc="churned customers won back"),
)

_SERVICE: tuple[Metric, ...] = (
    Metric("service_contacts", "contacts", group="Service", doc="service contacts"),
    Metric("p90_service_wait_days", "days", better="lower", group="Service",
           doc="90th percentile of the time in queue", nan_when="no contacts"),
    Metric("service_abandonment_rate", "share", SHARE, "lower", group="Service",
           doc="contacts that balked or hung up / contacts", nan_when="no contacts"),
    Metric("service_resolution_rate", "share", SHARE, "higher", group="Service",
           doc="served contacts resolved at that contact / served contacts",
           nan_when="no served contacts"),
    Metric("agent_utilisation", "share", SHARE, group="Service",
           doc="busy agent-days / on-duty agent-days over the whole run", nan_when="no agents"),
    Metric("service_contacts_open_at_end", "contacts", better="lower", group="Service",
           doc="contacts waiting or in service at the horizon"),
    Metric("service_repeat_contacts", "contacts", better="lower", group="Service",
           doc="follow-up contacts about a problem left unresolved or abandoned"),
    Metric("service_recoveries", "customers", better="higher", group="Service",
           doc="problems resolved at the first contact with `service_recovery` on (the recovery bonus)"),
    Metric("customers_with_unresolved_problems", "customers", better="lower", group="Service",
           doc="customers with a problem still unresolved at the horizon"),
    Metric("service_defections", "customers", better="lower", group="Service",
           doc="customers who defected at once over a problem left unresolved for good "
               "(`service.defection_probability`)"),
    Metric("service_<channel>_contacts", "contacts", group="Service",
           doc="per channel, with more than one channel"),
    Metric("service_<channel>_mean_wait_days", "days", better="lower", group="Service",
           doc="per channel", nan_when="no contacts on the channel"),
    Metric("service_<channel>_p90_wait_days", "days", better="lower", group="Service",
           doc="per channel", nan_when="no contacts on the channel"),
    Metric("service_<channel>_abandonment_rate", "share", SHARE, "lower", group="Service",
           doc="per channel", nan_when="no contacts on the channel"),
    Metric("service_<channel>_resolution_rate", "share", SHARE, "higher", group="Service",
           doc="per channel", nan_when="no served contacts on the channel"),
    Metric("service_<channel>_utilisation", "share", SHARE, group="Service",
           doc="per channel", nan_when="no agents on the channel"),
)

#: Every metric the engine reports (policies' metrics aside), core ones first.
BUILTIN: tuple[Metric, ...] = CORE + _MONEY + _FUNNEL + _SERVICE

#: The rows of ``loopsim compare``'s table, in order (a selection, declared above).
COMPARE_METRICS: tuple[str, ...] = ("profit", "profit_discounted", "retention_rate", "revenue",
                                    "reward_cost", "clv_mean", "repeat_purchase_rate", "nps")
