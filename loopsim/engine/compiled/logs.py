"""The compiled engine's row logs (transactions, service contacts) kept in compact chunks.

The kernel appends rows to a small pool (``TXF``/``TXI``, ``CLF``/``CLI``) and only moves its
write cursor (``ctl[TX_N]``, ``ctl[CL_N]``); it never reads a row back. When the pool is nearly
full the driver empties it into chunks here and resets the cursor, so the log never grows by
copying (which held the old and the new pool at once and left up to half of the new one unused).

A chunk stores each column losslessly in as little memory as it can: a column whose values are
all the same bits is one value broadcast over the chunk (no discount in a scenario without
discounts, one attempt per contact); a float column with at most :data:`MAX_CODES` distinct bit
patterns is one byte per row and a table of them (a fixed spend, a punch card's free purchase);
an integer column takes the narrowest integer type that holds its values (customer ids fit
int32). :meth:`RowLog.column` rebuilds a column with its original dtype and exactly its original
values (the same bits), and frees that column's chunks.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

from . import layout as L

#: rows of a log's pool: large enough that emptying it (a return of the kernel to the driver)
#: is rare, small enough to be negligible; a pool's arrays stay under 4 MB, above which NumPy
#: asks for transparent huge pages, which would make each of its rows cost 2 MB at once
POOL_ROWS = 1 << 16
#: distinct values a float column may have to be stored as one-byte codes
MAX_CODES = 16
#: rows of a chunk looked at for its distinct values (a column with more fails the full check)
_SAMPLE = 1024
_INTS = (np.int8, np.int16, np.int32)


class _Coded:
    """A float column of a chunk as one-byte ``codes`` into ``table`` (the values' bits)."""

    def __init__(self, codes: np.ndarray, table: np.ndarray) -> None:
        self.codes, self.table = codes, table

    def __len__(self) -> int:
        return len(self.codes)

    def decode(self) -> np.ndarray:
        return self.table[self.codes].view(np.float64)


def _pack(col: np.ndarray) -> np.ndarray | _Coded:
    """A compact, lossless copy of one column of a chunk (``col`` is a view of the pool)."""
    if col.dtype.kind == "f":
        bits = col.view(np.uint64)      # compared as bits: -0.0 and NaN are kept as they are
        table = np.unique(bits[:_SAMPLE])
        if len(table) == 1 and (bits == table[0]).all():
            return np.broadcast_to(col[:1].copy(), col.shape)
        if len(table) <= MAX_CODES:
            codes = np.searchsorted(table, bits).astype(np.uint8)
            codes[codes >= len(table)] = 0      # a value not in the table: caught just below
            if (table[codes] == bits).all():
                return _Coded(codes, table)
        return col.copy()
    lo, hi = int(col.min()), int(col.max())
    if lo == hi:
        return np.broadcast_to(col[:1].copy(), col.shape)
    for dt in _INTS:
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return col.astype(dt)
    return col.copy()


def _c_library():
    """The C library if it can trim its heap (glibc), else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


_LIBC = _c_library()


def give_back() -> None:
    """Return memory freed on the C heap to the operating system. Chunks are a few MB each, so
    they live on the heap, and glibc keeps freed heap memory for later: without this the chunks
    freed while the records are built would still count while the records' columns (large,
    mapped separately) are allocated, about 80 MB at 1M customers. A no-op off glibc."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class RowLog:
    """One log: the pool ``pool`` of :class:`~.state.Arrays` (its fields ``names``), its row
    counter ``ctl[counter]`` and the chunks emptied from it so far."""

    def __init__(self, a, pool: str, names: tuple[str, ...], counter: int) -> None:
        self.a, self.pool, self.names, self.counter = a, pool, names, counter
        self.chunks: dict[str, list[np.ndarray | _Coded]] = {name: [] for name in names}
        self.dtypes = {name: a[name].dtype for name in names}
        self.rows = 0       # rows in the chunks

    def __len__(self) -> int:
        """Rows logged so far (chunks and pool)."""
        return self.rows + int(self.a["ctl"][self.counter])

    def drain(self) -> None:
        """Move the pool's rows into a new chunk and empty the pool."""
        ctl = self.a["ctl"]
        n = int(ctl[self.counter])
        if n == 0:
            return
        for name in self.names:
            self.chunks[name].append(_pack(self.a[name][:n]))
        self.rows += n
        ctl[self.counter] = 0

    def make_room(self, rows: int) -> bool:
        """Make room in the pool for ``rows`` more rows (emptying it first if needed); True if the
        pool had to grow (the kernel's state must be packed again)."""
        a = self.a
        if int(a["ctl"][self.counter]) + rows > a[self.names[0]].shape[-1]:
            self.drain()
        return a.ensure(self.pool, max(rows, POOL_ROWS))

    def column(self, name: str) -> np.ndarray:
        """The whole column ``name`` (its original dtype and values); frees its chunks. Call
        :meth:`drain` first."""
        chunks = self.chunks.pop(name)
        out = np.empty(self.rows, dtype=self.dtypes[name])
        at = 0
        for chunk in chunks:
            n = len(chunk)
            out[at:at + n] = chunk.decode() if isinstance(chunk, _Coded) else chunk
            at += n
        chunks.clear()
        give_back()
        return out


def tx_log(a) -> RowLog:
    """The transactions' log (one row per purchase)."""
    return RowLog(a, "tx", ("tx_cid", "tx_t", "tx_amt", "tx_disc"), L.TX_N)


def contact_log(a) -> RowLog:
    """The service contacts' log (one row per contact)."""
    names = (*L.GROUPS["CLF"][2], *L.GROUPS["CLI"][2])
    return RowLog(a, "clog", names, L.CL_N)
