"""The answer sentence: does the bold sentence hold the evidence? Fitted on one period,
measured on another.

    python benchmarks/highlight.py [--embedding-cache DIR] [--asked FILE] [--fit]

Every answerable question of seed, rtqa-gold and rtqa-evidence is asked once through the
engine ("now" at its date); the questions whose rank-1 passage answers (the eval README's
rule) are kept with that passage and the question's IDF weights (`--asked FILE` saves
them, or reuses a saved file; keep it outside the repository: it holds eval text). Then
each sentence chooser picks the bold sentence of every kept passage, and the table gives
`bold_has_evidence` (index.evaluation.matching.bold_has_evidence) per period: rtqa-gold
June-July vs August 2022, rtqa-evidence 2020-2021 vs 2022, as benchmarks/protocol.py
cuts them; seed is in no fit. The shipped weights were fitted on the early halves only.
`--fit` searches the chooser's weights (index.search.highlight.HighlightWeights) on the
early halves, then on the late ones, and measures each on the other.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_sets import CUTS, SETS
from dev_sets import PERIODS as DEV_PERIODS

from index.config import IndexConfig
from index.evaluation.harness import corpus_index, read_questions
from index.evaluation.matching import answers, bold_has_evidence
from index.search.fusion import SearchSettings
from index.search.highlight import (
    DEFAULT_WEIGHTS,
    HighlightWeights,
    best_sentence,
    most_covered,
    sentence_scores,
    sentence_signals,
    top,
)
from index.search.query import Query, parse_query
from index.text.sentences import sentence_spans

PERIODS = {**DEV_PERIODS, "seed": ("", "all")}  # the seed page is one period

Chooser = Callable[[Query, str, dict[str, float]], tuple[int, int] | None]


def collect(embedder=None) -> list[dict]:  # type: ignore[no-untyped-def]
    """One row per passage among an answerable question's top 10 that answers it (with
    its rank: the measure reads rank 1, the fit may read every rank)."""
    rows = []
    for name, (corpus, path) in SETS.items():
        start = time.perf_counter()
        questions = [q for q in read_questions(path) if q.evidence]
        with corpus_index(corpus, IndexConfig(), embedder) as index:
            retriever = index.retriever(SearchSettings())
            for q in questions:
                answer = index.answer(q.question, now=q.date)
                for rank, hit in enumerate(answer.hits, 1):
                    if answers(hit.passage.text, q.evidence):
                        rows.append(
                            {
                                "set": name,
                                "id": q.id,
                                "rank": rank,
                                "date": q.date.isoformat() if q.date else None,
                                "question": q.question,
                                "evidence": list(q.evidence),
                                "passage": hit.passage.text,
                                "weights": retriever.term_weights(parse_query(q.question)),
                            }
                        )
        print(f"{name}: {len(questions)} answerable, {time.perf_counter() - start:.0f} s")
        if embedder is not None and hasattr(embedder, "save"):
            embedder.save()
    return rows


def part(row: dict) -> str:
    """ "early" or "late": the period of the row's question (seed is all "late": unseen)."""
    cut = CUTS.get(row["set"])
    if cut is None:
        return "late"
    return "early" if date.fromisoformat(row["date"]) < cut else "late"


def score(rows: Sequence[dict], chooser: Chooser) -> tuple[int, int]:
    """(bold sentence holds the evidence, rows)."""
    hits = 0
    for row in rows:
        span = chooser(parse_query(row["question"]), row["passage"], row["weights"])
        hits += bold_has_evidence(row["passage"], span, row["evidence"])
    return hits, len(rows)


def grid() -> list[HighlightWeights]:
    """The weights tried by --fit: a coarse grid, the smallest weights first (ties go to
    the chooser closest to plain coverage)."""
    return [
        HighlightWeights(kind=k, name=n, neighbour=b, rare=r, position=p)
        for k, n, b, r, p in itertools.product(
            (0.0, 0.1, 0.2, 0.3, 0.5),
            (0.0, 0.1, 0.2, 0.3),
            (0.0, 0.2, 0.4),
            (0.0, 0.25, 0.5),
            (0.0, 0.02, 0.05, 0.1, 0.15, 0.2),
        )
    ]


def fit(rows: Sequence[dict], half: str = "early") -> tuple[HighlightWeights, int, int]:
    """The grid point whose bold sentence holds the evidence most often over one `half`
    of both rtqa sets, every answering passage of the top 10 (not only rank 1: more
    passages to choose in, none from the other half); with its count and the rows'."""
    early = [r for r in rows if part(r) == half and r["set"] in CUTS]
    cases = []  # (signals of each sentence, which sentences hold the evidence)
    for row in early:
        spans = sentence_spans(row["passage"])
        if not spans:
            continue
        sentences = [row["passage"][s:e] for s, e in spans]
        signals = sentence_signals(parse_query(row["question"]), sentences, row["weights"])
        good = [bold_has_evidence(row["passage"], span, row["evidence"]) for span in spans]
        cases.append((signals, good))
    best, best_hits = DEFAULT_WEIGHTS, -1
    for weights in grid():
        hits = sum(good[top(sentence_scores(signals, weights))] for signals, good in cases)
        if hits > best_hits:
            best, best_hits = weights, hits
    return best, best_hits, len(cases)


def table(rows: Sequence[dict], choosers: Sequence[tuple[str, Chooser, str]]) -> str:
    """One line per chooser, set and period: bold_has_evidence over the answered questions."""
    lines = [
        "| chooser | set | period | role | answered at rank 1 | bold has evidence "
        "| answering passages, top 10 | bold has evidence |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for label, chooser, fitted in choosers:
        for name in SETS:
            for which in ("early", "late"):
                every = [r for r in rows if r["set"] == name and part(r) == which]
                items = [r for r in every if r["rank"] == 1]
                if not items:
                    continue
                role = "no fit" if fitted == "none" else "**fitted on**"
                if fitted != "none" and (which != fitted or name == "seed"):
                    role = "**measured on** (unseen)"
                hits, total = score(items, chooser)
                any_hits, any_total = score(every, chooser)
                period = PERIODS[name][which == "late"]
                lines.append(
                    f"| {label} | {name} | {period} | {role} | {total} | {hits / total:.3f} "
                    f"| {any_total} | {any_hits / any_total:.3f} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedding-cache", type=Path, help="remember vectors in this folder")
    parser.add_argument("--asked", type=Path, help="JSON file: reuse the asked questions, or save")
    parser.add_argument("--fit", action="store_true", help="search the weights on early halves")
    args = parser.parse_args()
    if args.asked and args.asked.exists():
        rows = json.loads(args.asked.read_text())
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from embedding_cache import model_embedder

        embedder = model_embedder(args.embedding_cache)
        rows = collect(embedder)
        if args.asked:
            args.asked.write_text(json.dumps(rows))
    choosers: list[tuple[str, Chooser, str]] = [
        ("most question words (before)", most_covered, "none"),
        ("answer type + neighbour (shipped, fitted on early)", best_sentence, "early"),
    ]
    if args.fit:
        for half in ("early", "late"):
            fitted, hits, total = fit(rows, half)
            print(f"fitted on the {half} halves ({hits} of {total} passages): {fitted}")
            chooser = partial(best_sentence, fit=fitted)
            choosers.append((f"refit on {half}", chooser, half))
    print(table(rows, choosers))


if __name__ == "__main__":
    main()
