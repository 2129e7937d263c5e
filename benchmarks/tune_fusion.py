"""Grid-search the fusion weights of index.search.SearchSettings over cached indexes.

    python benchmarks/tune_fusion.py --set DIR QUESTIONS [--set DIR QUESTIONS ...]

Each DIR is an index already holding a corpus (e.g. built by `newsdesk eval --cache DIR`);
the candidates of every question (dense top 150 and bm25 top 150, as the engine
gathers them) are scored once, then every grid point is ranked in numpy, so a
grid of hundreds of settings takes seconds. Ranks are before duplicate collapsing.
"""

from __future__ import annotations

import argparse
import itertools
import math
import pickle
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.dates import to_date
from index.engine import NewsIndex
from index.evaluation import read_questions
from index.matching import answers
from index.query import parse_query
from index.search import diversify

CANDIDATES = 150

GRID = {
    "dense_weight": [0.6, 0.7, 0.75, 0.8, 0.85],
    "article_weight": [0.0, 0.5, 1.0],
    "recency_weight": [0.0, 0.4, 0.8, 1.2],
    "recency_days": [7.0, 14.0, 30.0],
    "position_weight": [0.0, 0.1, 0.2, 0.3],
    "per_article": [0, 3],
}


def _minmax(x: np.ndarray) -> np.ndarray:
    span = x.max() - x.min()
    return np.ones_like(x) if span <= 1e-9 else (x - x.min()) / span


def collect(directory: Path, questions: Path) -> list[dict[str, np.ndarray]]:
    """Per answerable question: the candidates' raw scores, metadata and labels."""
    index = NewsIndex.open(directory, IndexConfig(path=str(directory)))
    store, vectors = index._store, index._vectors
    asked = [q for q in read_questions(questions) if q.evidence]
    out = []
    for q, qv in zip(asked, index.embedder.encode([q.question for q in asked]), strict=True):
        query = parse_query(q.question)
        dense = dict(vectors.search(qv, CANDIDATES))
        lexical = store.lexical_all(query.match)
        top_lexical = sorted(lexical, key=lambda pid: -lexical[pid])[:CANDIDATES]
        passages = store.passages(dict.fromkeys([*dense, *top_lexical]))
        ages = {}
        for pid, p in passages.items():
            day = to_date(p.published)
            ages[pid] = (q.date - day).days if day and q.date else math.inf
        ids = [pid for pid in passages if ages[pid] >= -1]  # the engine's future filter
        for pid, vec in store.vectors([pid for pid in ids if pid not in dense]).items():
            dense[pid] = float(vec @ qv)
        article_lexical = store.article_lexical(query.match)
        d = np.array([dense[pid] for pid in ids])
        article = np.array([passages[pid].article_id for pid in ids])
        best = {}
        for a, v in zip(article, d, strict=True):
            best[a] = max(best.get(a, -1.0), v)
        out.append(
            {
                "dense": d,
                "lexical": np.array([lexical.get(pid, 0.0) for pid in ids]),
                "article_dense": np.array([best[a] for a in article]),
                "article_lexical": np.array([article_lexical.get(a, 0.0) for a in article]),
                "age": np.array([ages[pid] for pid in ids]),
                "position": np.array([passages[pid].position for pid in ids]),
                "article": article,
                "label": np.array([answers(passages[pid].text, q.evidence) for pid in ids]),
            }
        )
    index.close()
    return out


def score(question: dict[str, np.ndarray], s: dict[str, float]) -> list[int]:
    """Candidate order under settings `s`, as Retriever._fuse and diversify compute it."""
    w = s["dense_weight"]
    fused = w * _minmax(question["dense"]) + (1 - w) * _minmax(question["lexical"])
    if s["article_weight"]:
        fused += s["article_weight"] * (
            w * _minmax(question["article_dense"]) + (1 - w) * _minmax(question["article_lexical"])
        )
    age = np.clip(question["age"], 0, None)
    fused += s["recency_weight"] * np.where(np.isfinite(age), np.exp(-age / s["recency_days"]), 0)
    fused -= s["position_weight"] * np.minimum(question["position"], 20) / 20
    order = [int(i) for i in np.argsort(-fused, kind="stable")]
    if s["per_article"]:
        order = diversify(order, dict(enumerate(question["article"].tolist())), s["per_article"])
    return order


def recall(questions: list[dict[str, np.ndarray]], s: dict[str, float]) -> tuple[float, float]:
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
