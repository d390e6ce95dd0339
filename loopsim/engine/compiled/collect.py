"""A finished compiled run's :class:`~loopsim.records.RunRecords` (the same records as the
Python engine's :func:`loopsim.engine.collect.collect`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...records import LEDGER_KINDS, ContactLog, Ledger, RunRecords
from . import layout as L
from .driver import CompiledRun
from .logs import RowLog, give_back
from .state import _WHERE

_CUSTOMER = {"id": None, "segment": "c_seg", "referred_by": "c_referred_by", "aware_at": "c_aware_at",
             "acquired_at": "c_acquired_at", "churned_at": "c_churned_at", "purchases": "c_purchases",
             "revenue": "c_revenue", "reward_cost": "c_reward_cost", "service_cost": "c_service_cost",
             "clv": "c_clv", "satisfaction": "c_sat", "nps": "c_nps", "contacts": "c_contacts",
             "winbacks": "c_winbacks", "rate": "c_rate", "p_drop": "c_p_drop", "hazard": "c_hazard",
             "s_reward": "c_s_reward", "s_price": "c_s_price", "s_service": "c_s_service",
             "s_personalisation": "c_s_pers"}
_INTS = ("segment", "referred_by", "purchases", "nps", "contacts", "winbacks")
#: the customer columns read from the float group ``F`` (the rest come from ``I``)
_FROM_F = frozenset(name for name, src in _CUSTOMER.items() if src and _WHERE[src][0] == "F")
#: names of the channels and churn reasons by code, as an array: ``names[codes]`` looks them up
_CHANNEL_NAMES = np.array(L.CHANNELS, dtype=object)
_REASON_NAMES = np.array(L.REASONS, dtype=object)


def _customers(a) -> dict:
    """The acquired customers' columns, in acquisition order. The integer group ``I`` is read and
    freed before the float group ``F`` is read, so the state and the records overlap by one group."""
    ids = a["acq"][:int(a["ctl"][L.ACQ_N])].copy()
    cols: dict = {"id": ids}
    for name, src in _CUSTOMER.items():
        if src is not None and name not in _FROM_F:
            col = a[src][ids]
            cols[name] = col.astype(np.int64, copy=False) if name in _INTS else col
    cols["channel"] = _CHANNEL_NAMES[a["c_channel"][ids]].tolist()
    cols["churn_reason"] = _REASON_NAMES[a["c_reason"][ids]].tolist()
    _free(a, "I")
    for name in _FROM_F:
        cols[name] = a[_CUSTOMER[name]][ids]
    _free(a, "F")
    return {name: cols[name] for name in (*_CUSTOMER, "channel", "churn_reason")}


def _free(a, *groups: str) -> None:
    """Drop groups of the state (their memory returns as soon as nothing else holds them)."""
    for g in groups:
        a.pop(g, None)
    give_back()


def _transactions(log: RowLog) -> pd.DataFrame:
    """The transactions from their log, one column at a time (each column's chunks are freed as
    it is built); the same columns, dtypes and values as the Python engine's."""
    cid = log.column("tx_cid")
    t = log.column("tx_t")
    amount = log.column("tx_amt")
    disc = log.column("tx_disc")
    return pd.DataFrame({"customer_id": cid, "time": t, "amount": amount, "discount": disc,
                         "gross": amount + disc}, copy=False)


def _contacts(log: RowLog, channels) -> pd.DataFrame:
    """The service contacts from their log (as :func:`_transactions`)."""
    col = log.column
    n = len(log)
    df = pd.DataFrame({
        "customer_id": col("cl_cid"), "arrived": col("cl_arrived"), "wait": col("cl_wait"),
        "handling": col("cl_handling"),
        "outcome": pd.Categorical.from_codes(col("cl_outcome"), ContactLog.OUTCOMES)
        if n else pd.Categorical([], categories=ContactLog.OUTCOMES),
        "resolved": col("cl_resolved").astype(bool),
        "priority": col("cl_prio"),
        "reason": pd.Series(np.array(L.CONTACT_REASONS, dtype=object)[col("cl_reason")].tolist(),
                            dtype="object"),
    }, copy=False)      # fresh columns: no need to copy them again
    names = [ch.name for ch in channels]
    codes = col("cl_ch")
    df["channel"] = (pd.Categorical.from_codes(codes, names) if n
                     else pd.Categorical([], categories=names))
    df["attempt"] = col("cl_attempt")
    df["patience"] = col("cl_patience")
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
    """The records of a finished compiled run. The run's state is freed along the way, each part
    as soon as its records exist (the calendar and the desk first, then the customers' groups,
    then the logs), and is gone afterwards: the records never sit beside a full copy of it."""
    a, ctl, days = run.a, run.a["ctl"], run.days
    run.S = None    # the kernel's view of the state: the groups below must be freeable
    daily = {k: np.asarray(v[:days], dtype=np.int64) for k, v in run.snaps.items()}
    daily["new_prospects"] = run.d_prospects[:days].copy()
    for k, src in (("new_customers", "d_new"), ("churned", "d_churned"), ("won_back", "d_won_back"),
                   ("purchases", "d_purchases")):
        daily[k] = a[src][:days].copy()
    small = dict(
        final_active=int(ctl[L.N_ACTIVE]), final_class=[int(ctl[L.NC0]), int(ctl[L.NC1]), int(ctl[L.NC2])],
        prospects=run.prospects, funnel_entered=a["funnel_entered"][:6].tolist(), referrals=run.referrals,
        winback_attempts=int(ctl[L.WB_ATT]), winbacks=int(ctl[L.WB_SUC]), desk=_desk(run),
        policy_summaries=[p.summary(run) for p in run.policies], ledger=_ledger(run),
        policy_columns=[p.customer_columns(run, a["acq"][:int(ctl[L.ACQ_N])]) for p in run.policies
                        if callable(getattr(p, "customer_columns", None))])
    _free(a, "EVT", "EVI", "EVL", "EVLT", "KF", "KI", "Q", "PB", "PBI", "PI", "PF", "key")
    run.tx.drain()
    run.clog.drain()
    _free(a, "TXF", "TXI", "CLF", "CLI")
    customers = _customers(a)
    contacts = _contacts(run.clog, run.channels)
    transactions = (_transactions(run.tx) if run.sc.time.record_transactions
                    else _transactions_empty())
    a.clear()
    return RunRecords(scenario=run.sc, horizon=run.horizon, days=days, customers=customers,
                      transactions=transactions, contacts=contacts, daily=daily, series=run.series,
                      **small)


def _transactions_empty() -> pd.DataFrame:
    from ..collect import _EMPTY_TX

    return pd.DataFrame(_EMPTY_TX)

