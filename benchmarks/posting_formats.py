"""Bytes and speed of the postings part formats on an index built by `newsdesk bench`:
the sealed parts of one epoch, each decoded and encoded again in every format.

    .venv/bin/python benchmarks/posting_formats.py \\
        /tmp/newsdesk-bench/bundled-all-mpnet-base-v2-schema9-p108-*/n1000000 [--epoch 3]

lz4 is measured only where the `lz4` package is installed (newsdesk does not use it).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import zstandard

from index.storage.posting_codec import ZSTD_LEVEL, decode, encode, shuffled
from index.storage.postings import TAIL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="a bench index directory (n1000000)")
    parser.add_argument("--epoch", type=int, default=3)
    args = parser.parse_args(argv)
    db = sqlite3.connect(f"file:{args.index / 'news.sqlite3'}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT data FROM passage_postings WHERE epoch = ? AND rows >= ?", (args.epoch, TAIL)
    ).fetchall()
    if not rows:
        print(f"no sealed parts in epoch {args.epoch}", file=sys.stderr)
        return 1
    plain = [encode(decode(r[0], args.epoch), args.epoch, packed=False)[1:] for r in rows]
    shuffled_parts = [shuffled(p) for p in plain]
    postings = sum(len(p) for p in plain) // 6
    zstd_c = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    zstd_d = zstandard.ZstdDecompressor()
    formats: list[tuple[str, list[bytes], Callable[[bytes], bytes], Callable[[bytes], bytes]]]
    formats = [
        ("zlib (level 1)", plain, lambda b: zlib.compress(b, 1), zlib.decompress),
        ("zlib of shuffled", shuffled_parts, lambda b: zlib.compress(b, 1), zlib.decompress),
        (f"zstd {ZSTD_LEVEL} of shuffled", shuffled_parts, zstd_c.compress, zstd_d.decompress),
    ]
    try:
        import lz4.block  # type: ignore[import-not-found]

        lz4_both = (lz4.block.compress, lz4.block.decompress)
        formats.append(("lz4 of shuffled", shuffled_parts, *lz4_both))
    except ImportError:
        pass
    print(f"{len(rows):,} sealed parts, {postings:,} postings (epoch {args.epoch})")
    print("| format | bytes a posting | decompress a posting | compress a posting |")
    print("|---|---|---|---|")
    for name, source, compress, decompress in formats:
        started = time.perf_counter()
        blobs = [compress(b) for b in source]
        compress_s = time.perf_counter() - started
        started = time.perf_counter()
        for blob in blobs:
            decompress(blob)
        decompress_s = time.perf_counter() - started
        size = sum(map(len, blobs)) / postings
        print(
            f"| {name} | {size:.2f} | {decompress_s * 1e9 / postings:.1f} ns"
            f" | {compress_s * 1e9 / postings:.0f} ns |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
