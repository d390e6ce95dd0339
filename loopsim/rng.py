"""Random streams: one root per replication, named child streams, per-customer streams.

Common random numbers (CRN) are what make two designs comparable: customer number *i* must get
the same traits and the same background draws under design A and design B, whatever else
happens in the simulation. loopsim therefore never shares one sequential generator between
customers. Instead:

* market-level randomness (arrivals, marketing) comes from named child streams of the root
  :class:`numpy.random.SeedSequence` (:meth:`Streams.generator`);
* each customer's randomness is *counter based*: draw number ``n`` of purpose ``p`` for customer
  ``i`` is a pure function ``hash(root, i, p, n)`` (SplitMix64 finaliser). The order in which
  customers' events are processed, or how many draws another customer made, cannot change it.

Purposes are small integers (:class:`Purpose`). A policy that needs its own draws uses
``Purpose.POLICY`` plus its own offset so that adding a policy does not shift the draws that
drive purchases, spend and churn.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_TWO32 = 2.0**-32
_HALF32 = 2.0**-33


class Purpose(IntEnum):
    """Independent per-customer sub-streams (keep values stable: they define the draws)."""

    TRAITS = 1
    PURCHASE = 2   # inter-purchase time, spend
    CHURN = 3      # dropout decisions, lifetime / hazard draws
    EXPERIENCE = 4 # experience quality, satisfaction noise
    SERVICE = 5    # service contacts, handling, patience, resolution
    FUNNEL = 6     # funnel conversion and dwell times
    ADVOCACY = 7   # referrals, win-back
    INITIAL = 8    # an existing customer's first wake-up, a spread first purchase
    DEFECTION = 9  # time-based defection: the Exp(1) threshold of the cumulative hazard, the reason
    POLICY = 100   # policies: POLICY + offset
    # 8 is taken: the engine's stream for the initial customers' first purchase times


#: Counter spaces inside a customer's ``Purpose.SERVICE`` stream: draw ``2n`` and ``2n + 1`` of
#: contact ``n`` give handling, resolution, patience and routing; a repeat contact's decision and
#: delay are draw ``SERVICE_REPEAT_DRAWS + n``; the time of day a contact arrives (the shift along
#: the daily arrival profile, docs/service.md) is draw ``SERVICE_ARRIVAL_DRAWS + n``; whether a
#: problem left unresolved for good makes the customer defect is draw ``SERVICE_DEFECTION_DRAWS + n``.
SERVICE_REPEAT_DRAWS = 1 << 32
SERVICE_ARRIVAL_DRAWS = 1 << 33
SERVICE_DEFECTION_DRAWS = 3 << 32


def mix64(z: int) -> int:
    """SplitMix64 finaliser: a bijective 64-bit mixer with good avalanche."""
    z = ((z ^ (z >> 30)) * _C1) & M64
    z = ((z ^ (z >> 27)) * _C2) & M64
    return z ^ (z >> 31)


def customer_key(root_key: int, customer_id: int, purpose: int) -> int:
    """64-bit key of one customer's sub-stream for one purpose."""
    return mix64((root_key ^ mix64((customer_id * 0x100000001B3 + purpose * GOLDEN) & M64)) & M64)


def uniform2(key: int, n: int) -> tuple[float, float]:
    """Two independent uniforms in (0, 1) (32-bit resolution) for draw ``n`` of stream ``key``."""
    z = (key + (n + 1) * GOLDEN) & M64
    z = ((z ^ (z >> 30)) * _C1) & M64
    z = ((z ^ (z >> 27)) * _C2) & M64
    z ^= z >> 31
    return (z >> 32) * _TWO32 + _HALF32, (z & 0xFFFFFFFF) * _TWO32 + _HALF32


def uniform(key: int, n: int) -> float:
    """One uniform in (0, 1) with 53-bit resolution for draw ``n`` of stream ``key``."""
    z = (key + (n + 1) * GOLDEN) & M64
    z = ((z ^ (z >> 30)) * _C1) & M64
    z = ((z ^ (z >> 27)) * _C2) & M64
    z ^= z >> 31
    return ((z >> 11) + 0.5) * 2.0**-53


def _mix_vec(z: np.ndarray) -> np.ndarray:
    """:func:`mix64` on a uint64 array (wrap-around multiplication is intended)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_C1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_C2)
    return z ^ (z >> np.uint64(31))


def _keys_vec(root_key: int, ids: np.ndarray, purpose: int) -> np.ndarray:
    ids = np.asarray(ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        inner = _mix_vec(ids * np.uint64(0x100000001B3) + np.uint64((purpose * GOLDEN) & M64))
        return _mix_vec(np.uint64(root_key) ^ inner)


def customer_keys(root_key: int, ids: np.ndarray, purpose: int = 0) -> list[int]:
    """Vectorised :func:`customer_key` for many customer ids (as Python ints)."""
    return _keys_vec(root_key, ids, purpose).tolist()


def uniforms_vec(root_key: int, ids: np.ndarray, purpose: int, n: int = 0) -> np.ndarray:
    """Vectorised :func:`uniform` over customer ids for draw ``n`` (used to sample traits)."""
    key = _keys_vec(root_key, ids, purpose)
    with np.errstate(over="ignore"):
        z = _mix_vec(key + np.uint64(((n + 1) * GOLDEN) & M64))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


class Streams:
    """All randomness of one replication, derived from one seed.

    Parameters
    ----------
    seed:
        An int or a :class:`numpy.random.SeedSequence` (e.g. one spawned per replication).
    """

    def __init__(self, seed: int | np.random.SeedSequence):
        self.seed_seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.root_key = int(self.seed_seq.generate_state(2, dtype=np.uint64)[0])

    def generator(self, name: str) -> np.random.Generator:
        """A named market-level stream (same name + same seed = same stream)."""
        salt = [int(b) for b in name.encode()]
        ss = np.random.SeedSequence(self.seed_seq.entropy, spawn_key=(*self.seed_seq.spawn_key, 7919, *salt))
        return np.random.default_rng(ss)

    def trait_uniforms(self, ids: np.ndarray, n: int) -> np.ndarray:
        """Uniform draw number ``n`` of each customer's trait stream, vectorised."""
        return uniforms_vec(self.root_key, ids, Purpose.TRAITS, n)


def spawn_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """Independent per-replication seed sequences spawned from one root seed."""
    return np.random.SeedSequence(seed).spawn(n)
