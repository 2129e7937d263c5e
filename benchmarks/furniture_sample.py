"""The deterministic sample of page lines behind the furniture benchmark.

    .venv/bin/python benchmarks/furniture_sample.py --show    # print lines to read and label

Page furniture (bylines, promos, captions, teaser headlines, datelines...) is measured
against hand labels on a fixed sample of the scale corpus: 14 usatoday.com, 12 cnn.com
and 4 theweek.co.uk articles drawn with `random.Random(2022)` from each outlet's ids
sorted. Each article's text is split into lines (paragraphs, separated by a blank line),
stripped, empties dropped; an article of more than 75 lines keeps its first 60 and last
15. Articles at even positions of the chosen list are the "tune" split, odd ones "test".

The labels (`furniture_labels.jsonl`) hold only article ids, line hashes
(`sha256(line)[:16]`) and labels, never the corpus text. Other benchmark scripts import
the sample with `from benchmarks.furniture_sample import sample_lines` after putting the
repository root on `sys.path`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "eval" / "scale" / "news_pages_2022.jsonl.gz"
SEED = 2022
# Outlet and how many of its articles to draw, in drawing order.
QUOTAS: tuple[tuple[str, int], ...] = (("usatoday.com", 14), ("cnn.com", 12), ("theweek.co.uk", 4))
HEAD_LINES = 60
TAIL_LINES = 15


def line_hash(line: str) -> str:
    """The stored identity of a line: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(line.encode()).hexdigest()[:16]


def split_lines(text: str) -> list[str]:
    """An article's lines: blank-line separated paragraphs, stripped, empties dropped,
    cut to the first `HEAD_LINES` and last `TAIL_LINES` when longer than both."""
    lines = [part.strip() for part in re.split(r"\n\s*\n", text)]
    lines = [line for line in lines if line]
    if len(lines) > HEAD_LINES + TAIL_LINES:
        lines = lines[:HEAD_LINES] + lines[-TAIL_LINES:]
    return lines


def _read_corpus(corpus_path: Path) -> list[dict[str, str]]:
    with gzip.open(corpus_path, "rt", encoding="utf-8") as handle:
        return [json.loads(row) for row in handle if row.strip()]


def sample_articles(corpus_path: Path) -> list[dict[str, str]]:
    """The chosen articles, in sample order (usatoday.com, cnn.com, theweek.co.uk)."""
    by_source: dict[str, list[dict[str, str]]] = {}
    for article in _read_corpus(corpus_path):
        by_source.setdefault(article["source"], []).append(article)
    rng = random.Random(SEED)
    chosen: list[dict[str, str]] = []
    for source, count in QUOTAS:
        pool = sorted(by_source.get(source, []), key=lambda article: article["id"])
        if len(pool) < count:
            raise ValueError(f"{source}: {len(pool)} articles, {count} wanted")
        chosen.extend(rng.sample(pool, count))
    return chosen


def sample_lines(corpus_path: Path | str = DEFAULT_CORPUS) -> list[tuple[str, str, str, str]]:
    """(article_id, split, line_hash, line_text) for every sampled line, in article then
    line order; split is "tune" for articles at even positions, "test" for odd ones."""
    out: list[tuple[str, str, str, str]] = []
    for position, article in enumerate(sample_articles(Path(corpus_path))):
        split = "tune" if position % 2 == 0 else "test"
        for line in split_lines(article["text"]):
            out.append((article["id"], split, line_hash(line), line))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show", action="store_true", help="print the lines with their hashes")
    args = parser.parse_args()
    rows = sample_lines(args.corpus)
    if not args.show:
        articles = len({article_id for article_id, *_ in rows})
        print(f"{articles} articles, {len(rows)} lines (--show prints them)")
        return
    current = None
    for article_id, split, digest, line in rows:
        if article_id != current:
            current = article_id
            print(f"\n=== {article_id} [{split}]")
        print(f"{digest}  {line}")


if __name__ == "__main__":
    main()
