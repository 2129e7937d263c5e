"""bm25 from the passages' own postings against FTS5 scoring every matching row, on an
index built by `newsdesk bench`: `Store.lexical` latency of the same questions both
ways, asked alternately, and whether the two rankings are identical (ids, order and
every float).

    .venv/bin/python benchmarks/lexical.py \\
        /tmp/newsdesk-bench/bundled-all-mpnet-base-v2-schema9-p108-*/n100000

The questions are the bench's ("What happened with TITLE?" over scale-corpus titles);
each is asked once each way after a warm-up of 10 others, so the phrase tokenizer's
cache does not favour either path.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from index.evaluation.bench import SCALE_CORPUS, percentile
from index.evaluation.bench_corpus import questions_from, read_pages
from index.search.query import parse_query
from index.storage.store import Store


def _fts5_only(store: Store) -> Callable[[tuple[str, ...]], dict[int, float]]:
    """`store.lexical` as before the postings: FTS5 scores every matching row."""

    def lexical(terms: tuple[str, ...]) -> dict[int, float]:
        store.use_postings = False
        try:
            return store.lexical(terms)
        finally:
            del store.use_postings  # the class's True again

    return lexical


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="an index directory of the bench")
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args(argv)
    questions = questions_from(read_pages(SCALE_CORPUS), args.questions + 10)
    queries = [parse_query(q).terms for q in questions]
    store = Store(args.directory / "news.sqlite3")
    try:
        ways = {"own postings": store.lexical, "FTS5 scoring": _fts5_only(store)}
        for terms in queries[:10]:
            for lexical in ways.values():
                lexical(terms)
        times: dict[str, list[float]] = {name: [] for name in ways}
        identical = 0
        for number, terms in enumerate(queries[10:]):
            order = list(ways.items())
            if number % 2:
                order.reverse()  # drift in the machine's load falls on both alike
            got = {}
            for name, lexical in order:
                started = time.perf_counter()
                got[name] = lexical(terms)
                times[name].append((time.perf_counter() - started) * 1000)
            own, fts5 = got["own postings"], got["FTS5 scoring"]
            identical += own == fts5 and list(own) == list(fts5)
    finally:
        store.close()
    print(f"{args.directory}: {len(queries) - 10} questions, Store.lexical ms p50 / p95")
    for name, values in times.items():
        print(f"  {name}: {percentile(values, 0.5):.2f} / {percentile(values, 0.95):.2f}")
    print(f"  rankings identical (ids, order, scores): {identical} / {len(queries) - 10}")
    return 0 if identical == len(queries) - 10 else 1


if __name__ == "__main__":
    sys.exit(main())
