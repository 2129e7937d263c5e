"""The development corpus for topic summaries ("newsdesk summary TOPIC").

    .venv/bin/python benchmarks/summary_corpus.py    # print its size

The union of two shared corpora, read from ../shared/eval (never copied here):

- the scale corpus (`scale/news_pages_2022.jsonl.gz`), only pages published from
  2022-09-01 to 2022-11-30 inclusive: about 880 pages from usatoday.com, cnn.com and
  theweek.co.uk, with titles;
- all 392 pages of `rtqa-gold/corpus.jsonl` (mostly CNN, mostly May-August 2022; their
  titles are empty).

Ids get the prefix of their file ("scale:page-2138", "gold:page-16"), so the two files
cannot collide; `benchmarks/summary_topics.jsonl` (topics with the ids of the articles
about them, labelled by reading) uses these ids. A scale page whose url is exactly
a gold page's url is dropped and the gold page kept.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCALE = Path("eval") / "scale" / "news_pages_2022.jsonl.gz"
GOLD = Path("eval") / "rtqa-gold" / "corpus.jsonl"

FIRST_DAY = "2022-09-01"  # scale pages kept: published within these days, inclusive
LAST_DAY = "2022-11-30"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            yield from (json.loads(line) for line in lines if line.strip())
    else:
        with path.open(encoding="utf-8") as lines:
            yield from (json.loads(line) for line in lines if line.strip())


def _union(shared: Path) -> tuple[list[dict[str, str]], int]:
    """The dev articles, sorted by prefixed id, and how many scale pages were skipped
    because a gold page has the same url."""
    gold = [{**row, "id": f"gold:{row['id']}"} for row in _rows(shared / GOLD)]
    gold_urls = {row["url"] for row in gold if row.get("url")}
    scale: list[dict[str, str]] = []
    skipped = 0
    for row in _rows(shared / SCALE):
        if not FIRST_DAY <= (row.get("published") or "") <= LAST_DAY:
            continue  # "YYYY-MM-DD" strings compare as dates; "" is before any day
        if row.get("url") and row["url"] in gold_urls:
            skipped += 1
            continue
        scale.append({**row, "id": f"scale:{row['id']}"})
    return sorted(gold + scale, key=lambda row: row["id"]), skipped


def dev_articles(shared: Path) -> list[dict[str, str]]:
    """Every article of the summary dev corpus under `shared` (the ../shared folder):
    the same fields as the files ("id", "title", "source", "url", "published", "text"),
    ids prefixed "scale:" or "gold:", sorted by id."""
    return _union(shared)[0]


def main() -> int:
    if not (SHARED / SCALE).exists() or not (SHARED / GOLD).exists():
        print(f"missing {SHARED / SCALE} or {SHARED / GOLD}", file=sys.stderr)
        return 1
    articles, skipped = _union(SHARED)
    gold = sum(row["id"].startswith("gold:") for row in articles)
    print(
        f"{len(articles)} articles: {len(articles) - gold} scale ({FIRST_DAY}..{LAST_DAY}), "
        f"{gold} gold; {skipped} scale pages skipped as duplicates of a gold url"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
