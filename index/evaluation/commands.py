"""The evaluation commands of the command line: `newsdesk eval` (answer quality on a
question set) and `newsdesk eval-summary` (DUC 2004 ROUGE beside the published systems)."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from index.config import Config
from index.errors import InputError, NewsdeskError


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    """`newsdesk eval CORPUS QUESTIONS`: the metrics table (or JSON) of every mode."""
    from index.evaluation.harness import (
        corpus_index,
        evaluate_answers,
        format_table,
        read_questions,
    )

    questions = read_questions(args.questions)
    with corpus_index(args.corpus, config.index, directory=args.cache) as index:
        results = evaluate_answers(index, questions)
    if args.json:
        print(json.dumps(results))
    else:
        print(format_table(results))
    return 0


def cmd_eval_summary(args: argparse.Namespace, config: Config) -> int:
    """`newsdesk eval-summary FILE`: ROUGE of newsdesk and the published systems."""
    from index.engine import NewsIndex
    from index.evaluation.rouge import (
        engine_summarizer,
        evaluate_summaries,
        load_clusters,
        markdown_table,
        percentile,
        report_groups,
    )
    from index.models.embedders import load_embedder

    try:
        clusters = load_clusters(args.file)[: args.clusters]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # any bad line
        raise InputError(f"{args.file}: cannot read DUC clusters ({exc})") from None
    embedder = load_embedder(config.index.model)
    summarizer = engine_summarizer(
        lambda path: NewsIndex.open(path, replace(config.index, path=str(path)), embedder)
    )
    try:
        run = evaluate_summaries(clusters, summarizer)
    except ImportError as exc:
        raise NewsdeskError(str(exc)) from None
    if args.json:
        print(json.dumps(run.table()))
        return 0
    groups = (
        report_groups(clusters)
        if len(clusters) > 12
        else [(f"all ({len(clusters)})", [c.cluster_id for c in clusters])]
    )
    print(markdown_table(run, groups))
    print(
        f"\nseconds per cluster (fresh index, ingest + summary): "
        f"p50 {percentile(run.seconds, 0.5):.2f}, p95 {percentile(run.seconds, 0.95):.2f}"
    )
    return 0


def cmd_eval_follow(args: argparse.Namespace, config: Config) -> int:
    """`newsdesk eval-follow FILE`: precision and recall of follows on DUC 2004."""
    import tempfile
    from pathlib import Path

    from index.engine import NewsIndex
    from index.evaluation.follow import evaluate_follows
    from index.evaluation.rouge import load_clusters
    from index.models.embedders import load_embedder

    try:
        clusters = load_clusters(args.file)[: args.clusters]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # any bad line
        raise InputError(f"{args.file}: cannot read DUC clusters ({exc})") from None
    if len(clusters) < 2:
        raise InputError("eval-follow needs at least 2 clusters (one half fits, one measures)")
    embedder = load_embedder(config.index.model)
    with tempfile.TemporaryDirectory(prefix="newsdesk-follow-") as tmp:
        run = evaluate_follows(
            clusters,
            lambda path: NewsIndex.open(path, replace(config.index, path=str(path)), embedder),
            Path(tmp),
        )
    if args.json:
        print(json.dumps(run.json()))
    else:
        print(
            f"follows {run.follows} (bar {run.bar:.3f} fitted on {run.fitted_on} others): "
            f"precision {run.precision:.3f}, recall {run.recall:.3f} "
            f"(on the fitting half: {run.tune_precision:.3f} / {run.tune_recall:.3f}; "
            f"the profile's bar: {run.profile_bar:.3f})"
        )
    return 0


def cmd_bench(args: argparse.Namespace, config: Config) -> int:
    """`newsdesk bench`: latency, recall, ingest, disk, RAM and start-up at each size."""
    import sys
    from pathlib import Path

    from index.evaluation.bench import BenchSettings, format_report, run_bench

    try:
        sizes = tuple(int(size.replace("_", "")) for size in args.sizes.split(","))
    except ValueError:
        raise InputError(
            f"--sizes must be passage counts like 10000,100000: {args.sizes}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise InputError("--sizes must be positive passage counts")
    settings = BenchSettings(
        sizes=sizes,
        questions=args.questions,
        corpus=Path(args.corpus),
        embedder=args.embedder,
        real=args.real,
        sample=args.sample,
        passage_tokens=config.index.passage_tokens,
        model=config.index.model,
    )
    if args.cache:
        settings = replace(settings, cache=Path(args.cache))
    if not settings.corpus.exists():
        raise InputError(f"no corpus at {settings.corpus} (see --corpus)")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run_bench(settings, log)
    print(json.dumps(result) if args.json else format_report(result))
    return 0
