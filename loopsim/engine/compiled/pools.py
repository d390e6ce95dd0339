"""Slots of the kernel's pools (calendar entries, chunks of the days' lists, contacts), reused
last-freed-first: a slot just freed is likely still in the caches."""

from __future__ import annotations

from numba import njit


@njit(cache=True, _nrt=False)
def take(ctl, free_n, used, stack):
    """A slot: the last freed (``stack[:ctl[free_n]]`` holds the free ones), else the next never
    used (``ctl[used]``). The driver keeps the pool large enough (``loop.room``)."""
    if ctl[free_n] > 0:
        ctl[free_n] -= 1
        return stack[ctl[free_n]]
    k = ctl[used]
    ctl[used] = k + 1
    return k


@njit(cache=True, _nrt=False)
def give(ctl, free_n, stack, k):
    """Give slot ``k`` back (see :func:`take`)."""
    stack[ctl[free_n]] = k
    ctl[free_n] += 1
