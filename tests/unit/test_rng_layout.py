"""The random-stream layout declared in :mod:`loopsim.rng`: purposes, offsets, counter spaces and
policy streams never overlap, and the engine and policies use the declared names, not numbers."""

from __future__ import annotations

import re
from pathlib import Path

from loopsim import rng

ROOT = Path(__file__).resolve().parents[2]


def _intervals():
    """(purpose, first, end, what) of every declared counter space at realistic counts."""
    for d in rng.COUNTER_SPACES:
        n = rng.REALISTIC_COUNTS[d.items]
        yield d.purpose, d.start, d.start + d.per * n, d.what


def test_counter_spaces_do_not_overlap_within_a_purpose():
    by_purpose: dict[int, list] = {}
    for purpose, lo, hi, what in _intervals():
        by_purpose.setdefault(purpose, []).append((lo, hi, what))
    for purpose, spans in by_purpose.items():
        spans.sort()
        for (_lo1, hi1, w1), (lo2, _hi2, w2) in zip(spans, spans[1:], strict=False):
            assert hi1 <= lo2, f"{rng.Purpose(purpose).name}: {w1!r} reaches {w2!r}"


def test_counters_stay_inside_their_purpose():
    # draw n of purpose p hashes key + GOLDEN * ((p << PURPOSE_SHIFT) + n + 1): a counter at or
    # above 1 << PURPOSE_SHIFT would be a draw of the next purpose
    for purpose, _lo, hi, what in _intervals():
        assert hi <= 1 << rng.PURPOSE_SHIFT, (purpose, what)
    key = 0x1234_5678_9ABC_DEF0
    p = rng.Purpose.CHURN
    spill = rng.uniform((key + rng.purpose_offset(p)) & rng.M64, 1 << rng.PURPOSE_SHIFT)
    assert spill == rng.uniform((key + rng.purpose_offset(p + 1)) & rng.M64, 0)


def test_offsets_are_the_purposes_and_distinct():
    names = ["PURCHASE", "CHURN", "EXPERIENCE", "SERVICE", "FUNNEL", "ADVOCACY", "INITIAL", "DEFECTION"]
    offsets = {n: getattr(rng, f"B_{n}") for n in names}
    for n, off in offsets.items():
        assert off == rng.purpose_offset(rng.Purpose[n])
    # the values the engine has always used (bit-identical results across versions)
    assert offsets["PURCHASE"] == (rng.GOLDEN * (2 << 40)) & rng.M64
    assert offsets["DEFECTION"] == (rng.GOLDEN * (9 << 40)) & rng.M64
    purposes = [int(p) for p in rng.Purpose if p != rng.Purpose.POLICY]
    policy_purposes = [rng.Purpose.POLICY + s for s in range(rng.POLICY_STREAM_COUNT)]
    every = purposes + policy_purposes
    assert len(set(every)) == len(every)
    assert len({rng.purpose_offset(p) for p in every}) == len(every)


def test_policy_streams_are_distinct_and_in_range():
    streams = list(rng.POLICY_STREAMS.values())
    assert len(set(streams)) == len(streams)
    assert all(0 <= s < rng.POLICY_STREAM_COUNT for s in streams)
    assert rng.policy_offset(5) == rng.purpose_offset(rng.Purpose.POLICY + 5)


def test_no_stream_numbers_inline_in_the_engine_or_policies():
    """Counter spaces and policy streams are named in rng.py, not written as numbers."""
    engine = ["calendar", "market", "journey", "defection", "service", "world", "context"]
    files = [ROOT / "loopsim" / "engine" / f"{m}.py" for m in engine]
    files += sorted((ROOT / "loopsim" / "policies").rglob("*.py"))
    shifts = re.compile(r"\d\s*<<\s*\d")
    literal_stream = re.compile(r"ctx\.uniform\([^)]*,\s*\d")
    for f in files:
        text = f.read_text()
        assert not shifts.search(text), f"{f.name}: a counter space written inline"
        assert not literal_stream.search(text), f"{f.name}: a policy stream written as a number"
        assert not re.search(r"^_S\w* = \d", text, flags=re.M), f"{f.name}: a stream picked by hand"
    assert not (ROOT / "loopsim" / "engine" / "keys.py").exists()
