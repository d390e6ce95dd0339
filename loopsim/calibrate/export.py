"""Exporting simulated transactions in the layout the BTYD libraries read."""

from __future__ import annotations

import pandas as pd


def to_btyd_transactions(transactions_df: pd.DataFrame, start_date: str = "2000-01-01"
                         ) -> pd.DataFrame:
    """Convert loopsim simulated transactions to the layout of ``lifetimes`` / PyMC-Marketing.

    Input columns ``customer_id``, ``time`` (days since the simulation start, float) and
    ``amount`` (currency). Output columns ``customer_id``, ``date`` (datetime64:
    ``start_date + time`` days) and ``monetary_value`` (= ``amount``), which e.g.
    ``lifetimes.utils.summary_data_from_transaction_data(df, "customer_id", "date",
    monetary_value_col="monetary_value")`` reads unchanged.
    """
    for col in ("customer_id", "time", "amount"):
        if col not in transactions_df.columns:
            raise ValueError(f"to_btyd_transactions: missing column {col!r}")
    start = pd.Timestamp(start_date)
    t = transactions_df["time"].to_numpy(dtype=float)
    return pd.DataFrame({
        "customer_id": transactions_df["customer_id"].to_numpy(),
        "date": start + pd.to_timedelta(t, unit="D"),
        "monetary_value": transactions_df["amount"].to_numpy(dtype=float),
    })
