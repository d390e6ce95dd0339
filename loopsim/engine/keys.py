"""Offsets that move a customer's key to one purpose's sub-stream (see :mod:`loopsim.rng`).

Precomputed once so the hot path adds a constant instead of hashing the purpose."""

from __future__ import annotations

from ..rng import GOLDEN, M64, Purpose


def _base(purpose: int) -> int:
    """Offset that moves a customer's key to its ``purpose`` sub-stream (see rng docs)."""
    return (GOLDEN * (int(purpose) << 40)) & M64


B_PURCHASE = _base(Purpose.PURCHASE)
B_CHURN = _base(Purpose.CHURN)
B_EXPERIENCE = _base(Purpose.EXPERIENCE)
B_SERVICE = _base(Purpose.SERVICE)
B_FUNNEL = _base(Purpose.FUNNEL)
B_ADVOCACY = _base(Purpose.ADVOCACY)
B_INITIAL = _base(Purpose.INITIAL)
