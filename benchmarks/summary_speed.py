"""Time topic summaries and topic listing on an existing index (ingest not counted).

Two workloads, each on a fresh index built first:
- rtqa-gold (392 real news pages, real model): `summarize(question)` for every question
  of the set as a topic, `summarize()` of all the news, and `topics()` over the whole index;
- DUC 2004: each cluster's ten documents in an index, `summarize()` of the whole index.

    .venv/bin/python benchmarks/summary_speed.py [--index DIR]

--index reuses a directory already holding rtqa-gold (e.g. from `newsdesk eval --cache`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
EVAL = REPO.parent / "shared" / "eval"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def _line(name: str, seconds: list[float]) -> str:
    return (
        f"{name}: n={len(seconds)}, p50 {statistics.median(seconds) * 1000:.0f} ms, "
        f"p95 {_p95(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index already holding rtqa-gold")
    args = parser.parse_args()
    from index.config import IndexConfig
    from index.engine import NewsIndex
    from index.evaluation.rouge import load_clusters
    from index.models.embedders import load_embedder
    from index.records import Article

    embedder = load_embedder(IndexConfig().model)
    with tempfile.TemporaryDirectory() as tmp:
        gold = args.index or Path(tmp) / "gold"
        index = NewsIndex.open(gold, IndexConfig(path=str(gold)), embedder)
        index.ingest_paths([EVAL / "rtqa-gold" / "corpus.jsonl"])  # nothing new when cached
        questions = [
            json.loads(line)["question"] for line in (EVAL / "rtqa-gold" / "questions.jsonl").open()
        ]
        index.summarize(questions[0])  # warm-up: imports
        topic_times = []
        for question in questions:
            start = time.perf_counter()
            index.summarize(question)
            topic_times.append(time.perf_counter() - start)
        whole = []
        for _ in range(5):
            start = time.perf_counter()
            index.summarize(None)
            whole.append(time.perf_counter() - start)
        listing = []
        for _ in range(5):
            start = time.perf_counter()
            found = index.topics()
            listing.append(time.perf_counter() - start)
        stats = index.stats()
        index.close()

        cluster_times = []
        for i, cluster in enumerate(load_clusters(EVAL / "duc2004" / "clusters_dev.jsonl")):
            duc = NewsIndex.open(Path(tmp) / f"duc{i}", IndexConfig(path=tmp), embedder)
            duc.ingest_articles(
                Article(title=f"document {n + 1}", text=text)
                for n, text in enumerate(cluster.documents)
            )
            start = time.perf_counter()
            duc.summarize(None)
            cluster_times.append(time.perf_counter() - start)
            duc.close()
    print(f"rtqa-gold index: {stats.articles} articles, {stats.passages} passages")
    print(_line("summary of a topic (rtqa-gold questions as topics)", topic_times))
    print(_line("summary of all the news (the 40 newest articles)", whole))
    print(_line(f"topics() over the whole index ({len(found)} topics)", listing))
    print(_line("summary of a whole DUC cluster from its index", cluster_times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
