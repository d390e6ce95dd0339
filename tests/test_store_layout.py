"""Store layout every tool reads (issue 12, item 3): runs/ holds only row files with one schema
across designs, counts as integers, provenance in the Parquet metadata, design parameters as
columns; pandas, polars and DuckDB read the folder whole and agree."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

import loopsim
from loopsim.experiment import compare

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"time.horizon_days": 40, "market.initial_customers": 150, "market.marketing_budget_per_day": 20}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A comparison of designs with different policies (so with different metrics)."""
    out = tmp_path_factory.mktemp("layout") / "cmp"
    designs = {n: loopsim.load_scenario(ROOT / "scenarios" / f"{f}.toml", SMALL)
               for n, f in (("base", "baseline"), ("points", "retailer_points"), ("tiers", "airline_tiers"))}
    cmp = compare(designs, n=2, seed=4, out=out)
    return out, cmp


def test_pandas_polars_and_duckdb_read_the_runs_whole_and_agree(store):
    out, cmp = store
    assert {p.suffix for p in (out / "runs").iterdir()} == {".parquet"}
    pdf = pd.read_parquet(out / "runs")
    plf = pl.read_parquet(out / "runs" / "*.parquet").to_pandas()
    ddf = duckdb.sql(f"select * from read_parquet('{out / 'runs' / '*.parquet'}') "
                     "order by point, replication").df()
    # every metric of every design: the union of what the designs report, nothing dropped
    assert list(pdf.columns) == ["point", *cmp.runs.columns[:1], *[c for c in cmp.runs.columns[1:]]]
    assert "points_earned" in pdf.columns and "tier_upgrades" in pdf.columns
    assert list(plf.columns) == list(ddf.columns) == list(pdf.columns) and len(pdf) == len(plf) == len(ddf) == 6
    for c in pdf.columns:
        a, b, d = (pd.Series(x[c].to_numpy(dtype=object, na_value=None)) for x in (pdf, plf, ddf))
        assert a.equals(b) and a.equals(d), c
    # a metric a design lacks is null, not absent
    assert pdf.loc[pdf["design"] == "base", "points_earned"].isna().all()
    assert pdf.loc[pdf["design"] == "points", "points_earned"].notna().all()
    stored = pdf.drop(columns="point")
    np.testing.assert_array_equal(stored["profit"], cmp.runs["profit"])


def test_one_schema_integer_counts_and_provenance(store):
    out, _cmp = store
    schemas = [pq.read_schema(p) for p in sorted((out / "runs").iterdir())]
    assert all(s.remove_metadata().equals(schemas[0].remove_metadata()) for s in schemas)
    types = {f.name: str(f.type) for f in schemas[0]}
    assert types["customers_acquired"] == types["purchases"] == types["tier_upgrades"] == "int64"
    assert types["profit"] == types["retention_rate"] == "double"
    meta = {k.decode(): v.decode() for k, v in schemas[0].metadata.items()}
    manifest = json.loads((out / "store.json").read_text())
    assert meta["loopsim.version"] == loopsim.__version__ and meta["loopsim.seed"] == "4"
    assert json.loads(meta["loopsim.scenario_hashes"]) == sorted(manifest["fingerprint"]["scenarios"].values())
    assert meta["loopsim.command"] and meta["loopsim.fingerprint"] == manifest["fingerprint_digest"]
    assert pq.read_schema(out / "comparison" / "comparison.parquet").metadata[b"loopsim.kind"] == b"compare"


def test_compare_tables_carry_the_design_parameters(store):
    out, _cmp = store
    runs = pd.read_parquet(out / "runs")
    tab = pd.read_parquet(out / "comparison")
    for df in (runs, tab):
        rate = df.groupby("design")["policies.points.earn_rate"].first()
        assert rate["points"] == 1.0 and pd.isna(rate["base"]) and pd.isna(rate["tiers"])
        assert "name" not in df.columns and "time.horizon_days" not in df.columns   # only what differs
    assert list(tab.columns[:2]) == ["design", "policies.points.type"]
