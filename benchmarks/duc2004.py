"""DUC 2004 task 2: ROUGE of newsdesk summaries beside the published systems.

    .venv/bin/python benchmarks/duc2004.py [--engine {hash,model}] [--data PATH]

Without --engine, `index.summaries.extractive` is called on each cluster's ten texts; with
it, each cluster is ingested into a fresh index and the whole index summarized
(`NewsIndex.summarize()`), as a user would get it. The whole-index summary uses
no vectors, so the fast hash embedder gives the same text as the real model.

Settings are fixed on the tune half (first 12 clusters by file order); the
held-out half (13 clusters) is reported separately, then all 25.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.evaluation.rouge import (  # noqa: E402
    default_summarizer,
    engine_summarizer,
    evaluate_summaries,
    load_clusters,
    markdown_table,
    percentile,
    report_groups,
)

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "duc2004" / "clusters_dev.jsonl"


def _index_factory(embedder_name: str):
    from index.config import IndexConfig
    from index.engine import NewsIndex
    from index.models.embedders import load_embedder
    from tests.support.embedders import HashEmbedder  # the fake embedder lives with the tests

    config = IndexConfig()
    embedder = HashEmbedder() if embedder_name == "hash" else load_embedder(config.model)
    return lambda path: NewsIndex.open(path, IndexConfig(path=str(path.parent)), embedder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--max-words", type=int, default=110)
    parser.add_argument("--engine", choices=("hash", "model"), help="go through NewsIndex")
    parser.add_argument("--show", action="store_true", help="print our summaries")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"error: {args.data} not found (the set lives in ../shared/eval)", file=sys.stderr)
        return 2

    clusters = load_clusters(args.data)
    if args.engine:
        summarizer = engine_summarizer(_index_factory(args.engine), max_words=args.max_words)
    else:
        summarizer = default_summarizer(max_words=args.max_words)
    run = evaluate_summaries(clusters, summarizer)
    if args.show:
        for cluster_id, summary in run.summaries:
            print(f"{cluster_id}: {summary}\n")
    print(markdown_table(run, report_groups(clusters)))
    print(
        f"\nsummary time per cluster: p50 {percentile(run.seconds, 0.5):.3f} s, "
        f"p95 {percentile(run.seconds, 0.95):.3f} s (max_words={args.max_words}"
        + (
            f", through the engine with the {args.engine} embedder, ingest included)"
            if args.engine
            else ")"
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
