"""The passage that says it: a reranker over the top fused hits, fitted on one period and
measured on another.

    python benchmarks/rerank.py [--embedding-cache DIR] --dump FILE [--top N] [--floors]

Every answerable question of seed, rtqa-gold, rtqa-evidence and the sample page's own
questions (seed_page_questions.jsonl, below) is asked once through the engine's
`Retriever.search` (hybrid, "now" at its date, no reranking: that is the answer step's); its top 30
hits, the question's IDF weights and whether each hit answers (the eval README's rule) are
saved to `--dump FILE` (a pickle: keep it outside the repository, it holds eval text) or
read back from it. Then, offline and in seconds, the reranker's weights
(index.search.rerank.RerankSettings) are fitted by pairwise logistic regression on the
early half of both sets (rtqa-gold June-July 2022, rtqa-evidence 2020-2021, as
benchmarks/protocol.py cuts them) and measured on the late half, and the reverse; seed is
in no fit. Ranks are taken as the bot shows them: reranked, duplicates collapsed, top 10.

`--floors` runs the protocol behind the shipped setting instead: only the best
sentence's coverage counts, above a floor (`RerankSettings.floor`). Each point of a grid
(floor, weight, hits reordered) is scored on the fit part of three sets, each weighing
the same: rtqa-gold and rtqa-evidence by period as above, and seed_page_questions.jsonl
by question (even ids | odd ids). The best point (ties: the smallest weight, then the
fewest hits) is reported on the other part, and the reverse. seed_page_questions.jsonl
holds 37 questions written for this benchmark by reading the bundled sample page
(samples/, the same page as ../shared/corpus/seed_news_page.txt), each with short
evidence strings found once on the page; the seed set is in no fit.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_sets import CUTS, PERIODS, SETS, SHARED

from index.config import IndexConfig
from index.evaluation.harness import corpus_index, read_questions
from index.evaluation.matching import answers
from index.records import Hit
from index.search.fusion import SearchSettings
from index.search.query import parse_query
from index.search.rerank import (
    RerankSettings,
    features,
    fit_pairwise,
    rerank,
    settings_from,
)
from index.search.retrieve import collapse_duplicates

PAGE = "seed-page"  # the sample page's own questions, written for this benchmark
ALL_SETS = {
    **SETS,
    PAGE: (
        SHARED / "corpus/seed_news_page.txt",
        Path(__file__).parent / "seed_page_questions.jsonl",
    ),
}
FLOORS = (0.3, 0.4, 0.5, 0.6, 0.7)
SENTENCE_WEIGHTS = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
TOPS = (5, 10, 20)


@dataclass(frozen=True)
class Asked:
    """One answerable question and the engine's top hits for it, reranker off."""

    set: str
    id: str
    date: date | None
    question: str
    hits: tuple[Hit, ...]
    labels: tuple[bool, ...]  # each hit answers the question
    weights: dict[str, float]  # the engine's IDF weights of the question's terms


def dump(embedder=None) -> list[Asked]:  # type: ignore[no-untyped-def]
    """Ask every answerable question of every set once (reranker off)."""
    out = []
    for name, (corpus, path) in ALL_SETS.items():
        start = time.perf_counter()
        questions = [q for q in read_questions(path) if q.evidence]
        with corpus_index(corpus, IndexConfig(), embedder) as index:
            retriever = index.retriever(SearchSettings())
            for q in questions:
                query = parse_query(q.question)
                hits = retriever.search(query, k=10, now=q.date or date.today())
                out.append(
                    Asked(
                        set=name,
                        id=q.id,
                        date=q.date,
                        question=q.question,
                        hits=tuple(hits),
                        labels=tuple(answers(h.passage.text, q.evidence) for h in hits),
                        weights=retriever.term_weights(query),
                    )
                )
        print(f"{name}: {len(questions)} asked, {time.perf_counter() - start:.0f} s", flush=True)
        if embedder is not None and hasattr(embedder, "save"):
            embedder.save()
    return out


def load_or_dump(path: Path, cache: Path | None) -> list[Asked]:
    """The asked questions saved in `path`, or asked now and saved there."""
    if path.exists():
        return pickle.loads(path.read_bytes())
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from embedding_cache import model_embedder

    embedder = model_embedder(cache)
    asked = dump(embedder)
    path.write_bytes(pickle.dumps(asked))
    return asked


def part(a: Asked) -> str:
    """ "early" or "late": the period of the question, or for the sample page's own
    questions the parity of their number (seed is in neither: "seed")."""
    if a.set == PAGE:
        return "early" if int(a.id.rsplit("-", 1)[1]) % 2 == 0 else "late"
    cut = CUTS.get(a.set)
    if cut is None or a.date is None:
        return "seed"
    return "early" if a.date < cut else "late"


def part_label(name: str, half: str) -> str:
    """How a table names a part of a set."""
    if name in PERIODS:
        return PERIODS[name][half == "late"]
    return {"seed": "page", "early": "even ids", "late": "odd ids"}[half]


def ranked(a: Asked, settings: RerankSettings | None, local: bool = True) -> list[bool]:
    """Whether each of the top 10 answers, as the bot shows them: reranked (when
    `settings`), duplicates collapsed."""
    hits = list(a.hits)
    labels = dict(zip((h.passage.id for h in hits), a.labels, strict=True))
    if settings is not None:
        hits = rerank(parse_query(a.question), hits, settings, None if local else a.weights)
    return [labels[h.passage.id] for h in collapse_duplicates(hits, keep=10)]


def recall(
    items: Sequence[Asked], settings: RerankSettings | None, local: bool = True
) -> tuple[float, float]:
    """(R@1, R@5) over `items`."""
    at1 = at5 = 0
    for a in items:
        shown = ranked(a, settings, local)
        at1 += bool(shown[:1] and shown[0])
        at5 += any(shown[:5])
    return at1 / max(1, len(items)), at5 / max(1, len(items))


def groups(
    items: Sequence[Asked], top: int, local: bool = True
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(features, labels) of each question's first `top` hits, for the fit."""
    out = []
    for a in items:
        hits = a.hits[:top]
        if not hits:
            continue
        x = features(parse_query(a.question), hits, None if local else a.weights)
        out.append((x, np.array(a.labels[:top])))
    return out


def fit(items: Sequence[Asked], top: int, local: bool = True, l2: float = 1.0) -> RerankSettings:
    """RerankSettings fitted on `items` (pairwise logistic regression)."""
    return settings_from(fit_pairwise(groups(items, top, local), l2=l2), top)


def grid_fit(items: Sequence[Asked], top: int) -> RerankSettings:
    """The grid point with the most rank-1 answers over `items` (ties: the smallest
    weights, nearest to the fused order). Rank 1 does not depend on collapsing."""
    rows = groups(items, top)
    best: tuple[float, float, RerankSettings] | None = None
    for rank, sentence, kind, lead in itertools.product(
        (0.0, -0.2, -0.5),
        (0.0, 0.05, 0.1, 0.2, 0.3, 0.5),
        (0.0, 0.05, 0.1, 0.2, 0.3, 0.5),
        (-0.2, -0.1, 0.0, 0.1),
    ):
        s = RerankSettings(top=top, rank=rank, sentence=sentence, kind=kind, lead=lead)
        w = s.vector()
        at1 = sum(bool(y[int(np.argmax(x @ w))]) for x, y in rows)
        key = (at1, -(abs(rank) + sentence + kind + abs(lead)))
        if best is None or key > best[:2]:
            best = (*key, s)
    assert best is not None
    return best[2]


HEADER = (
    "| fit | set | part | role | questions | R@1 | R@5 | R@1 / R@5 off |\n"
    "|---|---|---|---|---:|---:|---:|---:|"
)


def by_part(asked: Sequence[Asked]) -> dict[tuple[str, str], list[Asked]]:
    """The asked questions by (set, part)."""
    by: dict[tuple[str, str], list[Asked]] = {}
    for a in asked:
        by.setdefault((a.set, part(a)), []).append(a)
    return by


def rows_of(
    by: dict[tuple[str, str], list[Asked]], settings: RerankSettings, fit_on: str, name: str
) -> list[str]:
    """One table row per (set, part): R@1 / R@5 with `settings` and without reranking."""
    lines = []
    for (set_name, half), items in sorted(by.items()):
        role = (
            "in no fit"
            if half == "seed"
            else ("fitted on" if half == fit_on else "**measured on**")
        )
        on, off = recall(items, settings), recall(items, None)
        lines.append(
            f"| {name} | {set_name} | {part_label(set_name, half)} | {role} | {len(items)} | "
            f"{on[0]:.3f} | {on[1]:.3f} | {off[0]:.3f} / {off[1]:.3f} |"
        )
    return lines


def table(asked: Sequence[Asked], top: int) -> str:
    """Fitted-on / measured-on R@1 / R@5 of each fit, both directions, both sets, seed."""
    by = by_part(asked)
    lines = [HEADER]
    for method, fitter in (("pairwise logistic", fit), ("grid on R@1", grid_fit)):
        for fit_on in ("early", "late"):
            train = by[("rtqa-gold", fit_on)] + by[("rtqa-evidence", fit_on)]
            settings = fitter(train, top)
            print(f"{method}, fitted on {fit_on}: {settings}", flush=True)
            lines += rows_of(by, settings, fit_on, f"{method}, fit {fit_on}")
    return "\n".join(lines)


def floors(asked: Sequence[Asked]) -> str:
    """The shipped setting's protocol (`--floors`): fitted on one part, measured on the
    other, both ways."""
    by = by_part(asked)
    # Each question's feature rows once per `top` (the IDF is counted over those hits).
    rows = {
        (key, top): [
            (features(parse_query(a.question), a.hits[:top], kinds=False), np.array(a.labels[:top]))
            for a in items
            if a.hits
        ]
        for key, items in by.items()
        for top in TOPS
    }

    def at1(key: tuple[str, str], s: RerankSettings) -> float:
        found = rows[(key, s.top)]
        return sum(bool(y[int(np.argmax(s.scores(x)))]) for x, y in found) / len(by[key])

    grid = [
        RerankSettings(top=top, sentence=w, floor=f)
        for f, w, top in itertools.product(FLOORS, SENTENCE_WEIGHTS, TOPS)
    ]
    fitted = ("rtqa-gold", "rtqa-evidence", PAGE)
    lines = [HEADER]
    for fit_on in ("early", "late"):
        best = max(
            grid,
            key=lambda s: (np.mean([at1((n, fit_on), s) for n in fitted]), -s.sentence, -s.top),
        )
        print(f"fitted on {fit_on}: {best}", flush=True)
        name = f"floor {best.floor}, weight {best.sentence}, top {best.top} (fit {fit_on})"
        lines += rows_of(by, best, fit_on, name)
    return "\n".join(lines)


def cost(asked: Sequence[Asked], settings: RerankSettings) -> float:
    """Milliseconds the reranker takes per question (its features and the reorder)."""
    queries = [(parse_query(a.question), a.hits) for a in asked]
    start = time.perf_counter()
    for query, hits in queries:
        rerank(query, hits, settings)
    return (time.perf_counter() - start) * 1000 / max(1, len(queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedding-cache", type=Path, help="remember vectors in this folder")
    parser.add_argument("--dump", type=Path, required=True, help="pickle: reuse, or save")
    parser.add_argument("--top", type=int, default=20, help="hits the reranker reorders")
    parser.add_argument(
        "--floors", action="store_true", help="the shipped setting's protocol (sentence floor)"
    )
    args = parser.parse_args()
    asked = load_or_dump(args.dump, args.embedding_cache)
    if args.floors:
        print(floors(asked))
        print(f"cost: {cost(asked, SearchSettings().rerank or RerankSettings()):.2f} ms a question")
        return
    print(table(asked, args.top))
    every = RerankSettings(top=args.top, sentence=0.1, kind=0.1)
    print(f"cost: {cost(asked, every):.2f} ms a question (top {args.top})")


if __name__ == "__main__":
    main()
