"""A finished compiled run's :class:`~loopsim.records.RunRecords` (the same records as the
Python engine's :func:`loopsim.engine.collect.collect`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...records import LEDGER_KINDS, ContactLog, Ledger, RunRecords
from . import layout as L
from .driver import CompiledRun

_CUSTOMER = {"id": None, "segment": "c_seg", "referred_by": "c_referred_by", "aware_at": "c_aware_at",
             "acquired_at": "c_acquired_at", "churned_at": "c_churned_at", "purchases": "c_purchases",
             "revenue": "c_revenue", "reward_cost": "c_reward_cost", "service_cost": "c_service_cost",
             "clv": "c_clv", "satisfaction": "c_sat", "nps": "c_nps", "contacts": "c_contacts",
             "winbacks": "c_winbacks", "rate": "c_rate", "p_drop": "c_p_drop", "hazard": "c_hazard",
             "s_reward": "c_s_reward", "s_price": "c_s_price", "s_service": "c_s_service",
             "s_personalisation": "c_s_pers"}
_INTS = ("segment", "referred_by", "purchases", "nps", "contacts", "winbacks")


def _customers(a) -> dict:
    ids = a["acq"][:int(a["ctl"][L.ACQ_N])].copy()
    out: dict = {}
    for name, src in _CUSTOMER.items():
        if src is None:
            out[name] = ids
        else:
            col = a[src][ids]
            out[name] = col.astype(np.int64) if name in _INTS else col
    out["channel"] = [L.CHANNELS[i] for i in a["c_channel"][ids].tolist()]
    out["churn_reason"] = [L.REASONS[i] for i in a["c_reason"][ids].tolist()]
    return out


def _transactions(a) -> pd.DataFrame:
    n = int(a["ctl"][L.TX_N])
    amount = a["tx_amt"][:n].copy()
    disc = a["tx_disc"][:n].copy()
    return pd.DataFrame({"customer_id": a["tx_cid"][:n].copy(), "time": a["tx_t"][:n].copy(),
                         "amount": amount, "discount": disc, "gross": amount + disc}, copy=False)


def _contacts(a, channels) -> pd.DataFrame:
    n = int(a["ctl"][L.CL_N])
    df = pd.DataFrame({
        "customer_id": a["cl_cid"][:n].copy(), "arrived": a["cl_arrived"][:n].copy(),
        "wait": a["cl_wait"][:n].copy(), "handling": a["cl_handling"][:n].copy(),
        "outcome": pd.Categorical.from_codes(a["cl_outcome"][:n], ContactLog.OUTCOMES)
        if n else pd.Categorical([], categories=ContactLog.OUTCOMES),
        "resolved": a["cl_resolved"][:n].astype(bool),
        "priority": a["cl_prio"][:n].copy(),
        "reason": pd.Series([L.CONTACT_REASONS[i] for i in a["cl_reason"][:n].tolist()], dtype="object"),
    })
    names = [ch.name for ch in channels]
    codes = a["cl_ch"][:n]
    df["channel"] = (pd.Categorical.from_codes(codes, names) if n
                     else pd.Categorical([], categories=names))
    df["attempt"] = a["cl_attempt"][:n].astype(np.int64)
    df["patience"] = a["cl_patience"][:n].copy()
    return df


def _ledger(run: CompiledRun) -> Ledger:
    a = run.a
    led = Ledger(run.days, run.sc.time.discount_rate_annual)
    for i, k in enumerate(LEDGER_KINDS):
        led.total[k] = float(a["led_total"][i])
        led.discounted[k] = float(a["led_disc"][i])
        led.daily[k] = a["LEDD"][i].tolist()
    return led


def _desk(run: CompiledRun) -> dict:
    a, ctl = run.a, run.a["ctl"]
    stats = [(ch.name, float(a["ch_busy"][i]), ch.on_duty_days(run.horizon))
             for i, ch in enumerate(run.channels) if not ch.self_service]
    return {"channel_stats": stats, "open_at_end": int(ctl[L.IN_FLIGHT]), "repeats": int(ctl[L.REPEATS]),
            "recoveries": int(ctl[L.RECOVERIES]), "defections": int(ctl[L.DEFECTIONS]),
            "unresolved": int(ctl[L.UNRES_N])}


def collect(run: CompiledRun) -> RunRecords:
    """The records of a finished compiled run."""
    a, ctl, days = run.a, run.a["ctl"], run.days
    daily = {k: np.asarray(v[:days], dtype=np.int64) for k, v in run.snaps.items()}
    daily["new_prospects"] = run.d_prospects[:days].copy()
    for k, src in (("new_customers", "d_new"), ("churned", "d_churned"), ("won_back", "d_won_back"),
                   ("purchases", "d_purchases")):
        daily[k] = a[src][:days].copy()
    customers = _customers(a)
    return RunRecords(
        scenario=run.sc, horizon=run.horizon, days=days, customers=customers,
        transactions=_transactions(a) if run.sc.time.record_transactions else _transactions_empty(),
        contacts=_contacts(a, run.channels), ledger=_ledger(run), daily=daily, series=run.series,
        final_active=int(ctl[L.N_ACTIVE]), final_class=[int(ctl[L.NC0]), int(ctl[L.NC1]), int(ctl[L.NC2])],
        prospects=run.prospects, funnel_entered=a["funnel_entered"][:6].tolist(), referrals=run.referrals,
        winback_attempts=int(ctl[L.WB_ATT]), winbacks=int(ctl[L.WB_SUC]), desk=_desk(run),
        policy_summaries=[p.summary(run) for p in run.policies],
        policy_columns=[p.customer_columns(run, customers["id"]) for p in run.policies
                        if callable(getattr(p, "customer_columns", None))])


def _transactions_empty() -> pd.DataFrame:
    from ..collect import _EMPTY_TX

    return pd.DataFrame(_EMPTY_TX)

