"""Run `newsdesk eval` on every shared question set and write a markdown results table.

    python benchmarks/eval_all.py [--out benchmarks/results.md] [--cache DIR] [--sets seed,...]
                                  [--embedding-cache DIR] [--protocol]

The data stays in ../shared/eval (never copied here). Each corpus is ingested
once into a fresh index (or into DIR/<set> with --cache, reused on later runs)
and every question set over it is asked through the full pipeline and the two
baselines, as `newsdesk eval` does. `--embedding-cache` keeps every vector the model
computes on disk (benchmarks/embedding_cache.py): a second run over the same passages,
or another benchmark that read them, embeds nothing again. `--protocol` also prints, from
the same indexes, the fitted-on / measured-on tables: benchmarks/protocol.py's (abstention
fitted on one period of rtqa-gold and rtqa-evidence, measured on the other) and
benchmarks/tune_fusion.py's (the fusion weights and priors, the same way; seed in no fit).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from index.config import IndexConfig
from index.evaluation.calibration import ask_all
from index.evaluation.fusion_fit import collect, cross_fit
from index.evaluation.fusion_fit import report as fusion_report
from index.evaluation.harness import corpus_index, dense_baseline, evaluate_answers, read_questions

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EVAL = SHARED / "eval"

# corpus name -> (corpus file, [(label, questions file), ...])
SETS = {
    "seed": (SHARED / "corpus" / "seed_news_page.txt", [("seed", EVAL / "seed/questions.jsonl")]),
    "rtqa-evidence": (
        EVAL / "rtqa-evidence/corpus.jsonl",
        [("rtqa-evidence", EVAL / "rtqa-evidence/questions.jsonl")],
    ),
    "rtqa-gold": (
        EVAL / "rtqa-gold/corpus.jsonl",
        [
            ("rtqa-gold", EVAL / "rtqa-gold/questions.jsonl"),
            ("rtqa-gold mixed", EVAL / "rtqa-gold/questions_mixed.jsonl"),
        ],
    ),
}

COLUMNS = [
    ("recall@1", "R@1", "{:.3f}"),
    ("recall@5", "R@5", "{:.3f}"),
    ("mrr@10", "MRR@10", "{:.3f}"),
    ("answered_correctly", "answered right", "{:.3f}"),
    ("withheld_answerable", "withheld", "{:.3f}"),
    ("abstained_unanswerable", "abstained (unans.)", "{:.3f}"),
    ("precision_shown", "precision shown", "{:.3f}"),
    ("bold_has_evidence", "bold has evidence", "{:.3f}"),
    ("passage_chars_mean", "chars mean", "{:.0f}"),
    ("passage_chars_max", "chars max", "{:d}"),
    ("latency_ms_p50", "ms p50", "{:.1f}"),
    ("latency_ms_p95", "ms p95", "{:.1f}"),
]


def table(rows: list[tuple[str, str, dict]]) -> str:
    head = "| set | pipeline | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for name, mode, metrics in rows:
        cells = [fmt.format(metrics[key]) for key, _, fmt in COLUMNS]
        lines.append(f"| {name} | {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="markdown file to write (default: stdout)")
    parser.add_argument("--cache", type=Path, help="keep each set's index under this folder")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated corpus names")
    parser.add_argument("--embedding-cache", type=Path, help="remember vectors in this folder")
    parser.add_argument(
        "--protocol", action="store_true", help="also fit on one period, measure on another"
    )
    parser.add_argument(
        "--approximate-from",
        type=int,
        default=IndexConfig().approximate_from,
        help="passages past which the approximate vector index is used (the dev corpora "
        "are smaller than the default: 1000 puts them on it)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import protocol
    from dev_sets import CUTS, PERIODS

    asked: dict = {}
    gathered: list = []  # every answerable question's candidates, for the fusion fit
    embedder = None
    if args.embedding_cache:
        from embedding_cache import CachedEmbedder

        from index.models.embedders import load_embedder

        args.embedding_cache.mkdir(parents=True, exist_ok=True)
        embedder = CachedEmbedder(load_embedder(IndexConfig().model), args.embedding_cache)

    rows = []
    for name in args.sets.split(","):
        corpus, question_sets = SETS[name]
        directory = args.cache / name if args.cache else None
        start = time.perf_counter()
        config = IndexConfig(approximate_from=args.approximate_from)
        with corpus_index(corpus, config, embedder, directory=directory) as index:
            stats = index.stats()
            index.answer("Warm up: load the vectors.")  # past approximate_from: builds it
            index._vectors.wait_for_build()
            print(f"{name}: vector index {index._vectors.describe()}", flush=True)
            baseline = dense_baseline(index)  # the corpus embedded once for every question set
            for label, path in question_sets:
                results = evaluate_answers(index, read_questions(path), baseline=baseline)
                rows += [(label, mode, metrics) for mode, metrics in results.items()]
                if args.protocol and label in protocol.SETS:
                    asked[label] = ask_all(index, read_questions(path))
                if args.protocol and label in SETS:  # not "rtqa-gold mixed": same answerable
                    gathered += collect(index, read_questions(path), label)
        print(f"{name}: {stats.passages} passages, {time.perf_counter() - start:.0f} s", flush=True)
        if embedder is not None:
            embedder.save()

    text = (
        f"# newsdesk eval results\n\nMachine: {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}; "
        f"generated by `python benchmarks/eval_all.py`. Shares are fractions (0-1); "
        f"latency is per question inside the engine.\n\n{table(rows)}\n"
    )
    if len(asked) == len(protocol.SETS):
        text += (
            "\n## Fitted on one period, measured on another (`benchmarks/protocol.py`)\n\n"
            + protocol.report(asked)
            + "\n"
        )
    elif args.protocol:
        text += "\n(--protocol needs the sets rtqa-gold and rtqa-evidence)\n"
    if args.protocol and any(q.set_name in CUTS for q in gathered):
        text += (
            "\n## Fusion weights fitted on one period, measured on another "
            "(`benchmarks/tune_fusion.py --protocol`)\n\n"
            + fusion_report(cross_fit(gathered, CUTS), PERIODS)
            + "\n"
        )
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
