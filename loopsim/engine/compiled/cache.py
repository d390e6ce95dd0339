"""When the compiled engine's cached machine code is stale.

numba caches each ``@njit(cache=True)`` function on disk and checks only the function's *own*
source file: a kernel that calls a function of another module keeps the callee it was compiled
with, so after an edit of ``core.py`` a cached ``journey.purchase`` would run the old ``core``
code (numba issue #1833). The kernel's modules call each other and freeze the constants of
``loopsim.rng`` into the code, so here every kernel function's freshness stamp is the hash of all
of them: any edit recompiles the whole kernel. Installed by the package before any kernel module
is imported; functions outside this folder are not affected.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from numba.core import caching

_HERE = Path(__file__).resolve().parent
_SOURCES = (*sorted(_HERE.glob("*.py")), _HERE.parent.parent / "rng.py")
_stamp: str | None = None


def kernel_stamp() -> str:
    """The hash of every source the compiled kernel is built from."""
    global _stamp
    if _stamp is None:
        h = hashlib.sha256()
        for p in _SOURCES:
            h.update(p.name.encode())
            h.update(p.read_bytes())
        _stamp = h.hexdigest()
    return _stamp


class _KernelStamp:
    """Locator mixin: only the kernel's files, stamped with :func:`kernel_stamp`."""

    def get_source_stamp(self):
        return kernel_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).resolve().parent != _HERE:
            return None
        return super().from_function(py_func, py_file)


class _UserProvided(_KernelStamp, caching.UserProvidedCacheLocator):
    pass


class _InTree(_KernelStamp, caching.InTreeCacheLocator):
    pass


class _UserWide(_KernelStamp, caching.UserWideCacheLocator):
    pass


def install() -> None:
    """Put the kernel's locators first (numba's order: ``NUMBA_CACHE_DIR``, beside the
    sources, the user's cache folder)."""
    classes = caching.CacheImpl._locator_classes
    if _InTree not in classes:
        classes[0:0] = [_UserProvided, _InTree, _UserWide]
