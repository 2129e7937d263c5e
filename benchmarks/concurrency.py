"""A question on one thread or on both cores: engine-only latency of the same questions
asked alternately with and without the concurrency of `Retriever.candidates` (the dense
search beside bm25) and `LexicalReads._scores` (its two reads at once), on an index
built by `newsdesk bench` (the questions and their vectors as the bench makes them).

    .venv/bin/python benchmarks/concurrency.py \\
        /tmp/newsdesk-bench/bundled-all-mpnet-base-v2-schema7-p108-*/n100000

"One thread" forces `Store.writing` true (the dense search stays on the asking thread)
and gives bm25 no spare reader. Questions alternate the order of the two modes, so
drift in the machine's load falls on both alike.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from index.engine import NewsIndex
from index.evaluation.bench import SCALE_CORPUS, percentile
from index.evaluation.bench_corpus import (
    QuestionVectors,
    bench_embedder,
    index_config,
    questions_from,
    read_pages,
)
from index.search.query import parse_query
from index.storage.store import Store


@contextlib.contextmanager
def _no_spare(self: Store) -> Iterator[None]:
    yield None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="an index directory built by newsdesk bench")
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    embedder = bench_embedder("model", "bundled:all-mpnet-base-v2")
    questions = questions_from(read_pages(SCALE_CORPUS), args.questions)
    ready = QuestionVectors(embedder)
    texts = [parse_query(q).text for q in questions]
    ready.table = dict(zip(texts, embedder.encode(texts), strict=True))
    modes = {
        "one thread": (lambda self: True, _no_spare),
        "both cores": (Store.writing, Store._spare_reader),
    }
    config = index_config(args.index, embedder.name, 108)
    with NewsIndex.open(args.index, config, ready) as index:
        index.answer("Warm up: load the vectors.")
        index._vectors.wait_for_build()
        for question in questions:
            index.answer(question)
        times: dict[str, list[float]] = {name: [] for name in modes}
        for i, question in enumerate(questions * 2):
            for name in list(modes) if i % 2 else list(modes)[::-1]:
                Store.writing, Store._spare_reader = modes[name]  # type: ignore[method-assign]
                started = time.perf_counter()
                index.answer(question)
                times[name].append((time.perf_counter() - started) * 1000)
    for name, values in times.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
