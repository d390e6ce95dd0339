"""On-disk result store for experiments (``--out DIR``): locked, fingerprinted, resumable.

Layout of a store directory (each table in its own folder, so any Parquet reader takes a folder
whole: ``pd.read_parquet(DIR / "runs")``, polars, DuckDB)::

    DIR/store.json                    what the store is for: format, fingerprint (kind, seed,
                                      scenario hashes, points / designs and their labels, CRN),
                                      scenario contents, loopsim version, command
    DIR/runs/p00000_r000000.parquet   one finished run: a one-row table with the experiment's full
                                      schema and its provenance in the Parquet metadata
    DIR/meta/p00000_r000000.json      its metadata: overrides, scenario hash, root seed, spawn key,
                                      version, timings (wall and simulation seconds, host, pid)
    DIR/meta/store.json               a copy of store.json (``store check --repair`` restores it)
    DIR/tables/<table>/p00000_r000000.parquet   optionally each run's tables (customers, ...)
    DIR/comparison/comparison.parquet, DIR/summary/summary.parquet, DIR/sobol/sobol.parquet
                                      final tables of compare / run --reps / sweep --sobol
    DIR/summary.json                  the final summary
    DIR/.lock, DIR/.lock.json         the writer lock and who holds it (pid, host, command)
    DIR/quarantine/                   bad files moved aside on resume or by ``--repair``

Every file is written atomically (a hidden temporary file in the same folder, then
:func:`os.replace`); temporary files of killed writes are removed when the store is next opened.
A run counts as finished once its row file exists. One writer at a time: a second one is refused
with one line naming the holder (or waits, ``wait=True`` / ``--wait``). Opening an existing store
resumes it: every row file is checked against the store's fingerprint and the run it is named for
(seed, spawn key, scenario hash, design / parameters, replication, loopsim version) and used only
if it matches; foreign, duplicate, stale or corrupt rows go to ``quarantine/`` and are redone.
"""

from .atomic import atomic_write_json, atomic_write_parquet, atomic_write_table, atomic_write_text
from .check import check_store
from .resultstore import MANIFEST, STORE_FORMAT, ResultStore, run_name
from .summary import summary_payload

__all__ = ["MANIFEST", "STORE_FORMAT", "ResultStore", "atomic_write_json", "atomic_write_parquet",
           "atomic_write_table", "atomic_write_text", "check_store", "run_name", "summary_payload"]
