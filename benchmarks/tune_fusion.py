"""Grid-search the fusion weights of index.search.fusion.SearchSettings over cached indexes.

    python benchmarks/tune_fusion.py --set DIR QUESTIONS [--set DIR QUESTIONS ...]

Each DIR is an index already holding a corpus (e.g. built by `newsdesk eval --cache DIR`);
the candidates of every question (dense top 150 and bm25 top 150, gathered by the
engine's Retriever) are collected once, then every grid point is ranked with the
engine's own `fuse`, so a grid of hundreds of settings takes seconds. Ranks are before
duplicate collapsing.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexConfig
from index.engine import NewsIndex
from index.evaluation.harness import read_questions
from index.evaluation.matching import answers
from index.search.fusion import Features, SearchSettings, fuse, rank
from index.search.query import parse_query

CANDIDATES = 150

GRID = {
    "dense_weight": [0.6, 0.7, 0.75, 0.8, 0.85],
    "article_weight": [0.0, 0.5, 1.0],
    "recency_weight": [0.0, 0.4, 0.8, 1.2],
    "recency_days": [7.0, 14.0, 30.0],
    "position_weight": [0.0, 0.1, 0.2, 0.3],
    "per_article": [0, 3],
}


def collect(directory: Path, questions: Path) -> list[dict[str, Any]]:
    """Per answerable question: the candidates' features and labels, gathered by the
    engine's own retriever."""
    index = NewsIndex.open(directory, IndexConfig(path=str(directory)))
    retriever = index.retriever(SearchSettings(article_weight=1.0))  # article bm25 too
    asked = [q for q in read_questions(questions) if q.evidence]
    out = []
    for q, qv in zip(asked, index.embedder.encode([q.question for q in asked]), strict=True):
        query = parse_query(q.question)
        found = retriever.candidates(query, now=q.date or date.today(), want=CANDIDATES, vector=qv)
        passages = retriever.store.passages(found.ids)
        out.append(
            {
                "features": found.features,
                "time_sensitive": query.time_sensitive,
                "label": np.array([answers(passages[pid].text, q.evidence) for pid in found.ids]),
            }
        )
    index.close()
    return out


def score(question: dict[str, Any], s: dict[str, float]) -> list[int]:
    """Candidate order under settings `s`: the engine's own `fuse` and `rank`."""
    settings = SearchSettings(**s)  # type: ignore[arg-type]
    features: Features = question["features"]
    fused = fuse(features, settings, time_sensitive=question["time_sensitive"])
    rows = np.arange(len(features), dtype=np.int64)
    return rank(rows, fused, features.article, settings.per_article)


def recall(questions: list[dict[str, Any]], s: dict[str, float]) -> tuple[float, float]:
    at1 = at5 = 0
    for question in questions:
        labels = question["label"][score(question, s)[:10]]
        if labels.any():
            rank = int(np.argmax(labels)) + 1
            at1 += rank == 1
            at5 += rank <= 5
    return at1 / len(questions), at5 / len(questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", nargs=2, action="append", required=True, metavar=("DIR", "QUESTIONS")
    )
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--candidates", type=Path, help="pickle file: reuse, or save")
    args = parser.parse_args()
    if args.candidates and args.candidates.exists():
        sets = pickle.loads(args.candidates.read_bytes())
    else:
        sets = [(Path(q).parent.name, collect(Path(d), Path(q))) for d, q in args.set]
        if args.candidates:
            args.candidates.write_bytes(pickle.dumps(sets))
    results = []
    for values in itertools.product(*GRID.values()):
        settings = dict(zip(GRID, values, strict=True))
        scores = [recall(questions, settings) for _, questions in sets]
        results.append((sum(r1 for r1, _ in scores), scores, settings))
    results.sort(key=lambda r: -r[0])
    for _, scores, settings in results[: args.top]:
        cells = "  ".join(
            f"{name} {r1:.3f}/{r5:.3f}" for (name, _), (r1, r5) in zip(sets, scores, strict=True)
        )
        print(cells, " ", settings)


if __name__ == "__main__":
    main()
