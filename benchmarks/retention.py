"""Disk use before and after a prune, on pages of the scale corpus with dates spread.

The corpus' pages get publication dates spread evenly over the `--spread` days before
today; a prune with the default 90-day window then removes the older part. Then as
many new pages as were pruned are ingested (the next days' news: the database reuses
the freed pages); on a copy taken after the prune, --vacuum gives the free space back.

By default the vectors come from the deterministic fake embedder of the tests at 768
dimensions, the size of the default model's vectors: the files are then the size the
real model would make (vectors are stored in SQLite and FAISS whatever their values),
in seconds instead of minutes. `--real` embeds with the configured model instead.

    .venv/bin/python benchmarks/retention.py --pages 1500 [--real]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCALE = REPO.parent / "shared" / "eval" / "scale" / "news_pages_2022.jsonl.gz"
sys.path.insert(0, str(REPO))  # tests.support: the fake embedder


def _pages(count: int, skip: int = 0) -> Iterator[dict[str, str]]:
    with gzip.open(SCALE, "rt") as handle:
        for number, line in enumerate(handle):
            if number >= skip + count:
                return
            if number >= skip:
                yield json.loads(line)


def _files(path: Path) -> str:
    sizes = {f.name: f.stat().st_size for f in path.iterdir() if f.is_file()}
    db, wal = sizes.get("news.sqlite3", 0), sizes.get("news.sqlite3-wal", 0)
    faiss = sizes.get("vectors.faiss", 0)
    return f"database {db / 1e6:7.1f} MB, WAL {wal / 1e6:5.1f} MB, vectors {faiss / 1e6:6.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1500, help="pages to ingest (max 4790)")
    parser.add_argument("--spread", type=int, default=180, help="days the dates spread over")
    parser.add_argument("--days", type=int, default=90, help="retention window")
    parser.add_argument("--real", action="store_true", help="embed with the configured model")
    args = parser.parse_args()
    if not SCALE.exists():
        print(f"missing {SCALE}", file=sys.stderr)
        return 1

    from index.config import IndexConfig
    from index.engine import NewsIndex
    from index.models.embedders import Embedder, load_embedder
    from index.records import Article
    from tests.support.embedders import HashEmbedder

    embedder: Embedder = load_embedder(IndexConfig().model) if args.real else HashEmbedder(768)
    today = date.today()

    def articles(pages: list[dict[str, str]], span: int) -> list[Article]:
        """The pages as articles dated evenly over the `span` days before today."""
        return [
            Article(
                title=page.get("title") or "",
                text=page.get("text") or "",
                source=page.get("source") or "",
                url=page.get("url") or "",
                published=(today - timedelta(days=i * span // len(pages))).isoformat(),
            )
            for i, page in enumerate(pages)
        ]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ix"
        with NewsIndex.open(path, IndexConfig(path=str(path)), embedder) as index:
            print(f"embedder: {embedder.name} ({embedder.dim} dimensions)")
            start = time.perf_counter()
            index.ingest_articles(articles(list(_pages(args.pages)), args.spread))
            stats = index.stats()
            print(
                f"ingested {stats.articles} articles, {stats.passages} passages, dated over the"
                f" last {args.spread} days ({time.perf_counter() - start:.0f} s)"
            )
            print(f"  after ingest:          {_files(path)}")

            start = time.perf_counter()
            pruned = index.prune(days=args.days)
            took = time.perf_counter() - start
            print(
                f"prune --days {args.days}: removed {pruned.articles} articles,"
                f" {pruned.passages} passages in {took:.2f} s;"
                f" index {pruned.bytes_before / 1e6:.1f} MB -> {pruned.bytes_after / 1e6:.1f} MB"
            )
            print(f"  after prune:           {_files(path)}")

            copy = Path(tmp) / "vacuumed"
            shutil.copytree(path, copy)
            with NewsIndex.open(copy, IndexConfig(path=str(copy)), embedder) as other:
                start = time.perf_counter()
                vacuumed = other.prune(days=args.days, vacuum=True)
                print(
                    f"prune --vacuum right after (a copy): {time.perf_counter() - start:.2f} s;"
                    f" index {vacuumed.bytes_before / 1e6:.1f} MB"
                    f" -> {vacuumed.bytes_after / 1e6:.1f} MB"
                )
                print(f"  after vacuum:          {_files(copy)}")

            start = time.perf_counter()
            fresh = list(_pages(pruned.articles, skip=args.pages))
            refill = index.ingest_articles(articles(fresh, args.days // 2))
            print(
                f"without vacuum, ingested {refill.articles_added} new articles"
                f" ({refill.passages_added} passages, {time.perf_counter() - start:.0f} s)"
            )
            print(f"  after the next news:   {_files(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
