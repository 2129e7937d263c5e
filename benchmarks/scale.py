"""Ingest throughput, index size and question latency on the 4,790-page scale corpus.

Speed is reported as a ratio to the raw model encoding the same passages in the
same run, so the figure means the same on a busy or an idle machine; --compare
also times another model (by default the small MiniLM) on the same passages.

    .venv/bin/python benchmarks/scale.py --pages 500 [--compare bundled:all-MiniLM-L6-v2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCALE = REPO.parent / "shared" / "eval" / "scale" / "news_pages_2022.jsonl.gz"


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="pages to ingest (max 4790)")
    parser.add_argument("--questions", type=int, default=200, help="questions to time")
    parser.add_argument(
        "--compare", default="bundled:all-MiniLM-L6-v2", help="another model to time ('' for none)"
    )
    args = parser.parse_args()
    if not SCALE.exists():
        print(f"missing {SCALE}", file=sys.stderr)
        return 1

    from index.config import IndexConfig
    from index.engine import NewsIndex
    from index.models.embedders import load_embedder

    with gzip.open(SCALE, "rt") as handle:
        lines = [line for _, line in zip(range(args.pages), handle, strict=False)]
    embedder = load_embedder(IndexConfig().model)
    embedder.encode(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "pages.jsonl"
        corpus.write_text("".join(lines))
        index = NewsIndex.open(Path(tmp) / "ix", IndexConfig(path=tmp), embedder)
        start = time.perf_counter()
        report = index.ingest_paths([corpus])
        ingest_s = time.perf_counter() - start
        passages = [p.text for p in index.all_passages()]
        start = time.perf_counter()
        embedder.encode(passages)
        encode_s = time.perf_counter() - start
        compare_s = 0.0
        if args.compare:
            other = load_embedder(args.compare)
            other.encode(["warm up"])
            start = time.perf_counter()
            other.encode(passages)
            compare_s = time.perf_counter() - start
        size = _size(Path(tmp) / "ix")
        titles = [json.loads(line).get("title") or "" for line in lines]
        questions = [f"What happened with {t}?" for t in titles if t][: args.questions]
        latencies = []
        for question in questions:
            start = time.perf_counter()
            index.answer(question)
            latencies.append((time.perf_counter() - start) * 1000)
        index.close()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"pages: {args.pages}, articles: {report.articles_added}, passages: {len(passages)}")
    print(
        f"ingest: {ingest_s:.1f} s = {len(passages) / ingest_s:.1f} passages/s; "
        f"raw model encode of the same passages: {encode_s:.1f} s "
        f"(pipeline/raw time ratio {ingest_s / encode_s:.2f})"
    )
    if compare_s:
        print(
            f"{args.compare} encodes the same passages in {compare_s:.1f} s: the default "
            f"model's raw encode takes {encode_s / compare_s:.2f}x as long"
        )
    per_passage = size / max(1, len(passages)) / 1024
    print(f"index size: {size / 2**20:.1f} MiB ({per_passage:.1f} KiB/passage)")
    print(
        f"question latency over {len(latencies)} questions: "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
