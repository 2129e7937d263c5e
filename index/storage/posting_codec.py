"""The bytes of a postings part (storage.postings) and the postings they hold.

A part's first byte is its format:
- RAW: the columns as they are (a token's tail, which commits extend);
- PACKED: zstd of the columns with each 16-bit column split into its low and its high
  bytes (a "byte shuffle": a gap or a length's high byte is nearly always 0, so the high
  bytes compress to almost nothing);
- ZLIB: zlib of the columns as they are, written before PACKED and still read.

Measured on the 3,933 sealed parts of one epoch of the 1M-passage bench index
(benchmarks/posting_formats.py), bytes and time a posting:

| format | bytes | decompress | compress |
|---|---|---|---|
| ZLIB (level 1) | 2.16 | 26.2 ns | 103 ns |
| zlib of the shuffled bytes | 1.78 | 19.6 ns | 72 ns |
| lz4 of the shuffled bytes | 2.20 | 3.1 ns | 6 ns |
| PACKED: zstd (level 3) of the shuffled bytes | 1.71 | 9.0 ns | 31 ns |

zstd is the smallest; lz4's speed would save ~2.5 ms of the ~11 a 430k-posting token
takes to read and decode the first time, for a quarter more bytes.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import zstandard

from index.errors import StoreError

# Passages an epoch: a token's parts cover one epoch each (a common token has 16 epochs
# at 1M), read in one range scan. Each part is decoded on its own: at 1M passages a
# question read 362 rows with 16,384 passages an epoch, 18.7 ms of its bm25 in decoding
# them. At most 65,536: ids are stored as 16-bit gaps within an epoch.
EPOCH = 65536
RAW, ZLIB, PACKED = b"\x00", b"\x01", b"\x02"  # a part's first byte: its format
ZSTD_LEVEL = 3
PART_BYTES_MAX = 6 * EPOCH  # a part holds one epoch's passages at most
# Counts and lengths are stored in 8 and 16 bits: only a passage that repeats one word
# 255 times or more (or with its title, is 65,535 tokens long or more) reaches the cap,
# and a question whose postings hold a capped value is scored by FTS5 (`clipped`).
COUNT_MAX, LENGTH_MAX = 255, 65535


class DamagedPart(StoreError):
    """A part whose bytes do not hold what its row says: the index is damaged."""


@dataclass(frozen=True)
class Postings:
    """One token's postings, ids ascending: its count in each passage's text and title,
    and each passage's length in tokens (text and title together, as FTS5 counts)."""

    ids: np.ndarray  # int64
    text: np.ndarray  # uint8
    title: np.ndarray  # uint8
    length: np.ndarray  # uint16

    def __len__(self) -> int:
        return len(self.ids)

    def clipped(self) -> bool:
        """Whether a count or a length may have been capped (then the scores would not
        be FTS5's)."""
        return bool(
            (self.text == COUNT_MAX).any()
            or (self.title == COUNT_MAX).any()
            or (self.length == LENGTH_MAX).any()
        )

    def take(self, keep: np.ndarray | slice) -> Postings:
        return Postings(self.ids[keep], self.text[keep], self.title[keep], self.length[keep])


EMPTY = Postings(
    np.zeros(0, np.int64), np.zeros(0, np.uint8), np.zeros(0, np.uint8), np.zeros(0, np.uint16)
)

# zstd contexts are not safe to share between threads; each thread keeps its own.
_contexts = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    made = getattr(_contexts, "compressor", None)
    if made is None:
        made = _contexts.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return made


def _decompressor() -> zstandard.ZstdDecompressor:
    made = getattr(_contexts, "decompressor", None)
    if made is None:
        made = _contexts.decompressor = zstandard.ZstdDecompressor()
    return made


def encode(postings: Postings, epoch: int, *, packed: bool) -> bytes:
    """A part's bytes: RAW columns (the gaps between ids as u16, since the ids of one
    epoch are less than EPOCH apart; text counts u8; title counts u8; lengths u16, all
    little-endian), or PACKED ones."""
    offsets = (postings.ids - epoch * EPOCH).astype(np.int64)
    columns = b"".join(
        (
            np.diff(offsets, prepend=0).astype("<u2").tobytes(),
            postings.text.astype(np.uint8).tobytes(),
            postings.title.astype(np.uint8).tobytes(),
            postings.length.astype("<u2").tobytes(),
        )
    )
    return PACKED + _compressor().compress(shuffled(columns)) if packed else RAW + columns


def shuffled(columns: bytes) -> bytes:
    """RAW columns with each u16 column's low bytes first, then its high bytes."""
    n = len(columns) // 6
    data = np.frombuffer(columns, np.uint8)
    gaps = data[: 2 * n].reshape(n, 2).T.tobytes()
    lengths = data[4 * n :].reshape(n, 2).T.tobytes()
    return b"".join((gaps, columns[2 * n : 4 * n], lengths))


def _columns(blob: bytes, rows: int | None = None) -> tuple[bytes | memoryview, bool]:
    """A part's six bytes a posting, and whether its u16 columns are byte-shuffled;
    `rows`: the postings its row says it holds, checked before anything is allocated
    for them (a damaged header must not ask for gigabytes)."""
    if rows is not None and not (isinstance(rows, int) and 0 <= rows <= EPOCH):
        raise DamagedPart(f"a postings part claims {rows!r} postings")
    limit = PART_BYTES_MAX if rows is None else 6 * rows
    if not isinstance(blob, bytes):
        raise DamagedPart(f"a postings part holds {type(blob).__name__}, not bytes")
    kind = blob[:1]
    body = memoryview(blob)[1:]
    try:
        if kind == RAW:
            data: bytes | memoryview = body
        elif kind == PACKED:
            declared = zstandard.frame_content_size(body)
            if not 0 <= declared <= limit:
                raise DamagedPart(f"a postings part declares {declared} bytes")
            data = _decompressor().decompress(body)
        elif kind == ZLIB:
            data = zlib.decompressobj().decompress(body, limit + 1)
        else:
            raise DamagedPart(f"a postings part has the unknown format {kind!r}")
    except (zstandard.ZstdError, zlib.error) as error:
        raise DamagedPart(f"a postings part does not decompress: {error}") from None
    if len(data) > limit or len(data) % 6 or (rows is not None and len(data) != 6 * rows):
        raise DamagedPart(f"a postings part holds {len(data)} bytes for {rows} postings")
    return data, kind == PACKED


def decode(blob: bytes, epoch: int) -> Postings:
    """The postings of one part of `epoch`."""
    data, shuffled = _columns(blob)
    return _assemble([(epoch, len(data) // 6, data, shuffled)])


def decode_parts(parts: Sequence[tuple[int, int, bytes]]) -> Postings:
    """The postings of a token's parts in order, each (epoch, postings, bytes)."""
    return _assemble([(epoch, rows, *_columns(blob, rows)) for epoch, rows, blob in parts])


def _assemble(parts: Sequence[tuple[int, int, bytes | memoryview, bool]]) -> Postings:
    """Parts' columns (epoch, postings, bytes, shuffled) decoded straight into one set
    of arrays: concatenating the parts' own arrays afterwards cost as much as decoding
    them (5 of 17 ms for a token of 430k postings)."""
    total = sum(part[1] for part in parts)
    ids = np.empty(total, np.int64)
    text = np.empty(total, np.uint8)
    title = np.empty(total, np.uint8)
    length = np.empty(total, "<u2")
    length_bytes = length.view(np.uint8).reshape(total, 2)
    gaps = np.empty(max((part[1] for part in parts), default=0), "<u2")
    gap_bytes = gaps.view(np.uint8).reshape(len(gaps), 2)
    start = 0
    for epoch, rows, data, shuffled in parts:  # lengths checked by `_columns`
        end = start + rows
        columns = np.frombuffer(data, np.uint8)
        if shuffled:
            gap_bytes[:rows, 0] = columns[:rows]
            gap_bytes[:rows, 1] = columns[rows : 2 * rows]
            length_bytes[start:end, 0] = columns[4 * rows : 5 * rows]
            length_bytes[start:end, 1] = columns[5 * rows :]
            np.cumsum(gaps[:rows], dtype=np.int64, out=ids[start:end])
        else:
            np.cumsum(np.frombuffer(data, "<u2", rows), dtype=np.int64, out=ids[start:end])
            length[start:end] = np.frombuffer(data, "<u2", rows, 4 * rows)
        text[start:end] = columns[2 * rows : 3 * rows]
        title[start:end] = columns[3 * rows : 4 * rows]
        ids[start:end] += epoch * EPOCH
        start = end
    return Postings(ids, text, title, length)


def concat(parts: Sequence[Postings]) -> Postings:
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    return Postings(
        np.concatenate([p.ids for p in parts]),
        np.concatenate([p.text for p in parts]),
        np.concatenate([p.title for p in parts]),
        np.concatenate([p.length for p in parts]),
    )
