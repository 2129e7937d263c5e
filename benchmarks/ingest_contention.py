"""Answer latency while the same process ingests, against the same index idle.

    .venv/bin/python benchmarks/ingest_contention.py [--questions 200] [--ms-per-passage 2]

One NewsIndex, one process: questions are timed first with nothing else running,
then while a thread ingests new articles (several batches). The embedder is the
tests' deterministic HashEmbedder plus a sleep per passage that stands in for the
model's compute (a real model releases the GIL while it encodes, as the sleep does),
so the figures measure waiting on locks, not the model: before questions and
ingests stopped sharing one lock, a question during an ingest waited for the whole
ingest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from index.config import IndexConfig  # noqa: E402
from index.engine import NewsIndex  # noqa: E402
from index.records import Article  # noqa: E402
from tests.support.embedders import HashEmbedder  # noqa: E402


class SlowHash(HashEmbedder):
    """HashEmbedder that also sleeps `ms_per_passage` per text, like a model's compute."""

    def __init__(self, ms_per_passage: float) -> None:
        super().__init__()
        self.seconds = ms_per_passage / 1000

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        time.sleep(self.seconds * len(texts))
        return super().encode(texts, progress=progress)


def article(n: int) -> Article:
    text = " ".join(
        f"Council {n} met on day {i} to debate budget line {n * 31 + i} of district {n % 17}."
        for i in range(30)
    )
    return Article(title=f"Council report {n}", text=text, url=f"https://bench.test/{n}")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def ask(index: NewsIndex, n: int, keep_going: threading.Event | None = None) -> list[float]:
    """Time questions: `n` of them, or while `keep_going` is set (at least 20)."""
    out = []
    i = 0
    while (keep_going.is_set() or len(out) < 20) if keep_going else len(out) < n:
        started = time.perf_counter()
        index.answer(f"budget line {i * 7 % 500} of district {i % 17}")
        out.append(1000 * (time.perf_counter() - started))
        i += 1
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200, help="idle questions to time")
    parser.add_argument("--seed-articles", type=int, default=300)
    parser.add_argument("--ingest-articles", type=int, default=600)
    parser.add_argument("--ms-per-passage", type=float, default=2.0, help="embedding cost")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        embedder = SlowHash(args.ms_per_passage)
        index = NewsIndex.open(tmp, IndexConfig(path=tmp), embedder)
        with index:
            index.ingest_articles(article(n) for n in range(args.seed_articles))
            ask(index, 10)  # warm up: the vectors are loaded
            idle = ask(index, args.questions)

            running = threading.Event()
            running.set()
            took: list[float] = []

            def ingest() -> None:
                started = time.perf_counter()
                first = args.seed_articles
                index.ingest_articles(
                    article(n) for n in range(first, first + args.ingest_articles)
                )
                took.append(time.perf_counter() - started)
                running.clear()

            thread = threading.Thread(target=ingest)
            thread.start()
            busy = ask(index, 0, running)
            thread.join()
            stats = index.stats()

    print(
        f"index: {stats.articles} articles, {stats.passages} passages; "
        f"ingest of {args.ingest_articles} articles took {took[0]:.1f} s "
        f"({args.ms_per_passage} ms/passage embedding)"
    )
    for label, values in (("idle", idle), ("during ingest", busy)):
        print(
            f"{label:>14}: {len(values):4d} questions, p50 {statistics.median(values):6.1f} ms, "
            f"p95 {percentile(values, 95):6.1f} ms, max {max(values):6.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
