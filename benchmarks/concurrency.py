"""A question on one thread or on both cores: engine-only latency of the same questions
asked alternately with and without the concurrency of `Retriever.candidates` (the dense
search beside bm25) and `LexicalReads._scores` (its two reads at once), on an index
built by `newsdesk bench` (the questions and their vectors as the bench makes them).

    .venv/bin/python benchmarks/concurrency.py \\
        /tmp/newsdesk-bench/bundled-all-mpnet-base-v2-schema9-p108-*/n100000

"One thread" forces `Store.writing` true (everything stays on the asking thread) and
gives bm25 no spare reader. With `--whole`, the question is embedded by the model each
time (its cache emptied): "vector first" embeds it before the search starts (as before),
"beside bm25" lets `Retriever.search` embed it while its bm25 reads run. Questions
alternate the order of the two modes, so drift in the machine's load falls on both alike.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from datetime import date
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
from index.search.answer import ANSWER_HITS
from index.search.query import parse_query
from index.storage.store import Store


@contextlib.contextmanager
def _no_spare(self: Store) -> Iterator[None]:
    yield None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="an index directory built by newsdesk bench")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--whole", action="store_true", help="the model embeds each question")
    args = parser.parse_args()
    if args.whole:
        return whole(args.index, args.questions)
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
    _report(times)
    return 0


def whole(directory: Path, count: int) -> int:
    """Retriever.search with the question embedded before it, or inside it beside bm25."""
    embedder = bench_embedder("model", "bundled:all-mpnet-base-v2")
    questions = [parse_query(q) for q in questions_from(read_pages(SCALE_CORPUS), count)]
    config = index_config(directory, embedder.name, 108)
    times: dict[str, list[float]] = {"vector first": [], "beside bm25": []}
    with NewsIndex.open(directory, config, embedder) as index:
        index.answer("Warm up: load the vectors.")
        index._vectors.wait_for_build()
        retriever = index.retriever(index.profile.search)
        today = date.today()
        for i, query in enumerate(questions * 2):
            for name in list(times) if i % 2 else list(times)[::-1]:
                retriever._query_vectors.clear()  # the model embeds it every time
                started = time.perf_counter()
                if name == "vector first":
                    vector = retriever.query_vector(query.text)
                    retriever.search(query, k=ANSWER_HITS, now=today, vector=vector)
                else:
                    retriever.search(query, k=ANSWER_HITS, now=today)
                times[name].append((time.perf_counter() - started) * 1000)
    _report(times)
    return 0


def _report(times: dict[str, list[float]]) -> None:
    for name, values in times.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
