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
``Purpose.POLICY`` plus its own stream number (``ctx.uniform(customer, stream)``) so that adding
a policy does not shift the draws that drive purchases, spend and churn.

This module is the one place that declares the layout: every purpose, its offset (``B_*``, what
the engine adds to a customer's key), every counter space inside a purpose (``*_DRAWS``, the
table :data:`COUNTER_SPACES`) and the built-in policies' streams (:data:`POLICY_STREAMS`). Both
engines use these names; ``tests/unit/test_rng_layout.py`` checks that nothing overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass
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

    TRAITS = 1     # traits at birth (keyed differently: see Streams.trait_uniforms)
    PURCHASE = 2   # inter-purchase time, spend
    CHURN = 3      # dropout decisions, lifetime / hazard draws
    EXPERIENCE = 4 # experience quality, satisfaction noise
    SERVICE = 5    # service contacts, handling, patience, resolution
    FUNNEL = 6     # funnel conversion and dwell times
    ADVOCACY = 7   # referrals, win-back
    INITIAL = 8    # an existing customer's first wake-up, a spread first purchase
    DEFECTION = 9  # time-based defection: the Exp(1) threshold of the cumulative hazard, the reason
    POLICY = 100   # policies: POLICY + stream (see POLICY_STREAMS)


#: Bits of a purpose in a stream offset: purpose ``p``'s draw ``n`` is the hash of
#: ``key + GOLDEN * ((p << PURPOSE_SHIFT) + n + 1)``, so every counter must stay below
#: ``1 << PURPOSE_SHIFT`` or it would reach the next purpose's draws (tests/unit/test_rng_layout.py).
PURPOSE_SHIFT = 40


def purpose_offset(purpose: int) -> int:
    """What to add to a customer's key to reach its ``purpose`` sub-stream (mod 2**64)."""
    return (GOLDEN * (int(purpose) << PURPOSE_SHIFT)) & M64


# The engine's sub-stream offsets, precomputed so the hot path adds a constant instead of
# hashing the purpose (the compiled engine imports exactly these names).
B_PURCHASE = purpose_offset(Purpose.PURCHASE)
B_CHURN = purpose_offset(Purpose.CHURN)
B_EXPERIENCE = purpose_offset(Purpose.EXPERIENCE)
B_SERVICE = purpose_offset(Purpose.SERVICE)
B_FUNNEL = purpose_offset(Purpose.FUNNEL)
B_ADVOCACY = purpose_offset(Purpose.ADVOCACY)
B_INITIAL = purpose_offset(Purpose.INITIAL)
B_DEFECTION = purpose_offset(Purpose.DEFECTION)

# ---------------------------------------------------------------- counter spaces, per purpose
# Which draw numbers (counters) each purpose uses; each is one call of uniform2 (two uniforms)
# or uniform. "k" is the purchase index (0 = first purchase), "w" the customer's win-backs so
# far, "n" its service contacts so far.
#
# PURCHASE: draw k (time to the next purchase, spend of purchase k).
# EXPERIENCE: draw k (experience of purchase k, its service-contact draw); onboarding below.
#: EXPERIENCE: the onboarding contact is draw ``EXPERIENCE_ONBOARDING_DRAWS``, its success ``+ 1``.
EXPERIENCE_ONBOARDING_DRAWS = 1 << 30
# CHURN: draws 2k (time to churn) and 2k + 1 (dropout after purchase k, churn reason).
#: CHURN: whether churn number w counts as a switch to a competitor: ``CHURN_SWITCH_DRAWS + w``.
CHURN_SWITCH_DRAWS = 1 << 30
#: CHURN: the churn reason of an existing customer (initial cohort) who churns before buying.
CHURN_INITIAL_DRAW = 1 << 31
# FUNNEL: draw s for funnel stage s (dwell time, conversion).
#: ADVOCACY: the win-back offer after purchase k and w win-backs is draw
#: ``(k << WINBACK_PURCHASE_SHIFT) + w`` (distinct while w < 256).
WINBACK_PURCHASE_SHIFT = 8
#: INITIAL: an existing customer's first purchase and churn times (vectorised in engine/market.py).
INITIAL_FIRST_EVENT_DRAW = 0
#: INITIAL: a spread first purchase's time (``market.initial_spread_days``).
INITIAL_SPREAD_DRAW = 1
# DEFECTION: draw w (the Exp(1) threshold of lifetime w).
#: DEFECTION: the reason (competitor or lapsed) of defection number w: ``DEFECTION_REASON_DRAWS + w``.
DEFECTION_REASON_DRAWS = 1 << 20
# SERVICE: draws 2n (handling, resolution) and 2n + 1 (patience, routing) of contact n.
#: SERVICE: a repeat contact's decision and delay: ``SERVICE_REPEAT_DRAWS + n``.
SERVICE_REPEAT_DRAWS = 1 << 32
#: SERVICE: the time of day contact n arrives (docs/service.md): ``SERVICE_ARRIVAL_DRAWS + n``.
SERVICE_ARRIVAL_DRAWS = 1 << 33
#: SERVICE: whether a problem left unresolved for good makes the customer defect:
#: ``SERVICE_DEFECTION_DRAWS + n``.
SERVICE_DEFECTION_DRAWS = 3 << 32


@dataclass(frozen=True)
class Draws:
    """One counter space of a purpose: draw numbers ``start + per * i + j`` for item ``i`` (the
    ``per`` draws of purchase, contact, ... number ``i``), ``0 <= j < per``."""

    purpose: Purpose
    what: str        #: what the draws decide
    start: int       #: first draw number
    per: int         #: draw numbers per item
    items: str       #: what is counted: "purchases", "contacts", "winbacks", "stages" or "once"


#: Every counter space of the engine's purposes (checked for overlaps with REALISTIC_COUNTS by
#: tests/unit/test_rng_layout.py; the engine code uses the constants above).
COUNTER_SPACES: tuple[Draws, ...] = (
    Draws(Purpose.PURCHASE, "time to the next purchase, spend", 0, 1, "purchases"),
    Draws(Purpose.EXPERIENCE, "experience, service contact of a purchase", 0, 1, "purchases"),
    Draws(Purpose.EXPERIENCE, "onboarding contact, onboarding success", EXPERIENCE_ONBOARDING_DRAWS, 2, "once"),
    Draws(Purpose.CHURN, "time to churn; dropout and churn reason", 0, 2, "purchases"),
    Draws(Purpose.CHURN, "churn counted as a switch to a competitor", CHURN_SWITCH_DRAWS, 1, "winbacks"),
    Draws(Purpose.CHURN, "churn reason of an existing customer", CHURN_INITIAL_DRAW, 1, "once"),
    Draws(Purpose.FUNNEL, "dwell time and conversion of a stage", 0, 1, "stages"),
    Draws(Purpose.ADVOCACY, "win-back offer accepted", 0, 1 << WINBACK_PURCHASE_SHIFT, "purchases"),
    Draws(Purpose.INITIAL, "an existing customer's first purchase and churn", INITIAL_FIRST_EVENT_DRAW, 1, "once"),
    Draws(Purpose.INITIAL, "a spread first purchase's time", INITIAL_SPREAD_DRAW, 1, "once"),
    Draws(Purpose.DEFECTION, "Exp(1) threshold of a lifetime", 0, 1, "winbacks"),
    Draws(Purpose.DEFECTION, "reason of a defection", DEFECTION_REASON_DRAWS, 1, "winbacks"),
    Draws(Purpose.SERVICE, "handling, resolution, patience, routing", 0, 2, "contacts"),
    Draws(Purpose.SERVICE, "repeat contact and its delay", SERVICE_REPEAT_DRAWS, 1, "contacts"),
    Draws(Purpose.SERVICE, "arrival time of day", SERVICE_ARRIVAL_DRAWS, 1, "contacts"),
    Draws(Purpose.SERVICE, "defection over an unresolved problem", SERVICE_DEFECTION_DRAWS, 1, "contacts"),
)

#: Counts per customer the layout must hold apart (generous: a customer with a million
#: purchases or service contacts, 255 win-backs; win-back draws need fewer than 256).
REALISTIC_COUNTS = {"purchases": 1 << 20, "contacts": 1 << 20, "winbacks": 255, "stages": 8, "once": 1}


# ---------------------------------------------------------------- policy streams
# ctx.uniform(customer, stream) draws from purpose POLICY + stream (0-255), with its own counter
# per (customer, stream). Built-in policies use the streams below; a plug-in policy should pick
# a stream not listed here (two policies sharing a stream would shift each other's draws).
S_PERSONALISATION_PREFERENCE = 40   #: a customer's latent preferred offer category
S_PERSONALISATION_CONTACT = 41      #: offer accuracy, response, backlash, unsubscribe
S_PERSONALISATION_THOMPSON = 42     #: Thompson sampling of the learning mode
S_PERSONALISATION_FIRST_CONTACT = 43  #: when the first contact comes
S_POINTS_REDEEM = 101               #: whether a customer redeems a reward it can claim
S_MEMBERSHIP_JOIN = 105             #: whether a customer joins the paid membership
#: Every built-in policy stream by name (for checks and docs).
POLICY_STREAMS = {
    "personalisation.preference": S_PERSONALISATION_PREFERENCE,
    "personalisation.contact": S_PERSONALISATION_CONTACT,
    "personalisation.thompson": S_PERSONALISATION_THOMPSON,
    "personalisation.first_contact": S_PERSONALISATION_FIRST_CONTACT,
    "points.redeem": S_POINTS_REDEEM,
    "membership.join": S_MEMBERSHIP_JOIN,
}
#: Policy streams are 0 .. POLICY_STREAM_COUNT - 1.
POLICY_STREAM_COUNT = 256


def policy_offset(stream: int) -> int:
    """What to add to a customer's key to reach policy stream ``stream`` (see ``ctx.uniform``)."""
    return purpose_offset(Purpose.POLICY + stream)


#: The name of the market-level generator (arrivals, channels, referrers): :meth:`Streams.generator`.
MARKET_STREAM = "market"


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
