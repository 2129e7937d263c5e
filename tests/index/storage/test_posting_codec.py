"""A postings part's bytes (storage.posting_codec): every format gives back the postings
written, parts decode together as they do apart, and a damaged part is refused."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from index.errors import StoreError
from index.storage.posting_codec import (
    EPOCH,
    PACKED,
    RAW,
    ZLIB,
    Postings,
    concat,
    decode,
    decode_parts,
    encode,
)


def _zlib_part(postings: Postings, epoch: int) -> bytes:
    """A part as the earlier code wrote it: zlib of the unshuffled columns."""
    return ZLIB + zlib.compress(encode(postings, epoch, packed=False)[1:], 1)


def _postings(draw: st.DrawFn, epoch: int) -> Postings:
    offsets = draw(st.sets(st.integers(0, EPOCH - 1), min_size=1, max_size=300))
    n = len(offsets)
    column = st.lists(st.integers(0, 255), min_size=n, max_size=n)
    lengths = st.lists(st.integers(1, 65535), min_size=n, max_size=n)
    return Postings(
        np.array(sorted(offsets), dtype=np.int64) + epoch * EPOCH,
        np.array(draw(column), dtype=np.uint8),
        np.array(draw(column), dtype=np.uint8),
        np.array(draw(lengths), dtype=np.uint16),
    )


@st.composite
def _parts(draw: st.DrawFn) -> list[tuple[int, Postings]]:
    epochs = sorted(draw(st.sets(st.integers(0, 40), min_size=1, max_size=4)))
    return [(epoch, _postings(draw, epoch)) for epoch in epochs]


def _same(a: Postings, b: Postings) -> bool:
    pairs = zip((a.ids, a.text, a.title, a.length), (b.ids, b.text, b.title, b.length), strict=True)
    return all(np.array_equal(x, y) for x, y in pairs)


@settings(max_examples=60, deadline=None)
@given(_parts(), st.data())
def test_every_format_gives_back_the_postings(parts, data) -> None:
    """Gaps and lengths past 255 use both bytes of their columns, and the shuffle must
    put each byte back; several parts of several epochs decode into one set of arrays."""
    blobs = []
    for epoch, held in parts:
        kind = data.draw(st.sampled_from(["raw", "packed", "zlib"]))
        if kind == "zlib":
            blob = _zlib_part(held, epoch)
        else:
            blob = encode(held, epoch, packed=kind == "packed")
        assert blob[:1] == {"raw": RAW, "packed": PACKED, "zlib": ZLIB}[kind]
        assert _same(decode(blob, epoch), held)
        blobs.append((epoch, len(held), blob))
    assert _same(decode_parts(blobs), concat([held for _, held in parts]))


def test_packed_parts_are_smaller_than_zlib_ones_of_real_looking_postings() -> None:
    """Small gaps and lengths: the high bytes the shuffle gathers compress to almost
    nothing (the format's reason to be)."""
    rng = np.random.default_rng(3)
    ids = np.cumsum(rng.integers(1, 40, 5000))
    held = Postings(
        ids.astype(np.int64),
        rng.integers(1, 4, 5000).astype(np.uint8),
        (rng.random(5000) < 0.1).astype(np.uint8),
        rng.integers(60, 140, 5000).astype(np.uint16),
    )
    packed = encode(held, 0, packed=True)
    assert len(packed) < 0.9 * len(_zlib_part(held, 0)) < 0.9 * len(encode(held, 0, packed=False))


def test_a_damaged_part_is_refused_with_a_store_error() -> None:
    """Cut short, another count than its row, an unknown format, or a header that
    claims more than an epoch can hold: refused before anything is allocated for it."""
    held = Postings(
        np.arange(0, 600, 2, dtype=np.int64),
        np.ones(300, np.uint8),
        np.zeros(300, np.uint8),
        np.full(300, 90, np.uint16),
    )
    packed = encode(held, 0, packed=True)
    huge = zstandard.ZstdCompressor().compress(bytes(6 * EPOCH + 6))  # an epoch and one
    for blob, rows in (
        (packed[: len(packed) // 2], 300),  # cut short
        (packed, 299),  # another count than its row says
        (packed, -1),
        (packed, 2**40),  # a damaged count must not size an allocation
        (encode(held, 0, packed=False)[:-1], 300),  # a raw part cut short
        (b"\x07" + packed[1:], 300),  # a format this code does not know
        (ZLIB + b"not zlib", 300),
        (PACKED + huge, 300),
        (ZLIB + zlib.compress(bytes(10**7)), 300),  # inflates past what it may hold
    ):
        with pytest.raises(StoreError, match="postings part"):
            decode_parts([(0, rows, blob)])
    for blob in (encode(held, 0, packed=False)[:-1], PACKED + huge):
        with pytest.raises(StoreError, match="postings part"):
            decode(blob, 0)
