"""The fusion weights and priors (`SearchSettings`) fitted on one period of the dev sets
and measured on another.

Each answerable question's candidates (the engine's dense top 150 and bm25 top 150, with
their features) are gathered once by `collect`; `grid_ranks` then ranks them under every
point of a grid at once, with the scores `fuse` gives to the bit and the order `rank`
gives (ties by passage id, before duplicates collapse), so that a fit over a thousand
settings and two thousand questions takes under a minute. `cross_fit` picks, on the
early period of every set together, the point with the best R@1 (each set weighing the
same) and reports it on the late period beside the shipped settings, and the reverse.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import numpy as np

from index.engine import NewsIndex
from index.evaluation.harness import Question
from index.evaluation.matching import answers
from index.search.fusion import Features, SearchSettings, article_best, minmax, recency
from index.search.query import parse_query

CANDIDATES = 150  # as the engine gathers: 3 x SearchSettings.candidates
DEPTH = 10  # R@k is counted over the top 10, as the eval README says

# The grid benchmarks/tune_fusion.py searches; the shipped settings are one of its points.
GRID: dict[str, list[Any]] = {
    "dense_weight": [0.6, 0.7, 0.75, 0.8, 0.85],
    "article_weight": [0.0, 0.5, 1.0],
    "recency_weight": [0.0, 0.4, 0.8, 1.2],
    "recency_days": [7.0, 14.0, 30.0],
    "position_weight": [0.0, 0.1, 0.2, 0.3],
    "per_article": [0, 3],
}


@dataclass(frozen=True)
class Gathered:
    """One answerable question's candidates, in passage-id order, and which answer."""

    set_name: str
    day: date | None
    features: Features
    time_sensitive: bool
    labels: np.ndarray  # bool, a candidate each: the passage holds an evidence string


def collect(index: NewsIndex, questions: Sequence[Question], set_name: str) -> list[Gathered]:
    """The candidates of every answerable question, gathered by the engine's retriever
    ("now" at the question's date; the whole article's bm25 too, for `article_weight`)."""
    retriever = index.retriever(SearchSettings(article_weight=1.0))
    asked = [q for q in questions if q.evidence]
    vectors = index.embedder.encode([q.question for q in asked]) if asked else np.zeros((0, 0))
    out = []
    for q, vector in zip(asked, vectors, strict=True):
        query = parse_query(q.question)
        found = retriever.candidates(
            query, now=q.date or date.today(), want=CANDIDATES, vector=vector
        )
        passages = retriever.store.passages(found.ids)
        # The engine breaks ties by passage id: rows in id order make row order the same.
        order = np.argsort(np.asarray(found.ids, dtype=np.int64), kind="stable")
        f = found.features
        features = replace(
            f,
            **{
                field.name: np.asarray(getattr(f, field.name))[order]
                for field in fields(f)
                if getattr(f, field.name) is not None
            },
        )
        labels = np.array([answers(passages[found.ids[i]].text, q.evidence) for i in order])
        out.append(Gathered(set_name, q.date, features, query.time_sensitive, labels))
    return out


def grid_points(grid: Mapping[str, Sequence[Any]] = GRID) -> list[dict[str, Any]]:
    """Every combination of the grid's values, as SearchSettings keyword arguments."""
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def _column(values: Sequence[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64)[:, None]


def _fused(question: Gathered, points: Sequence[SearchSettings]) -> np.ndarray:
    """`fuse` of the question's candidates under every point, a row each.

    The same operations in the same order as `fuse`, each on a column of the points'
    settings, so that every score is the engine's to the bit: a matrix product sums in
    another order, and scores one rounding step apart in the engine came out tied
    (6 ranks in 288,000 random cases differed).
    """
    f = question.features
    time_sensitive = question.time_sensitive
    w = _column([s.dense_weight for s in points])
    dense = np.asarray(f.dense, dtype=np.float64)
    lexical = np.asarray(f.lexical, dtype=np.float64)
    score = w * minmax(dense) + (1 - w) * minmax(lexical)
    weights = _column([s.article_weight for s in points])
    if f.article_lexical is not None and weights.any():
        article_score = w * minmax(article_best(f.article, dense)) + (1 - w) * minmax(
            np.asarray(f.article_lexical, dtype=np.float64)
        )
        # `fuse` adds the article's score only when its weight is set.
        score = np.where(weights != 0, score + weights * article_score, score)
    time_weight = _column(
        [s.recency_weight + (s.time_word_weight if time_sensitive else 0.0) for s in points]
    )
    age = np.asarray(f.age_days, float)
    by_days = {d: recency(age, d) for d in {s.recency_days for s in points}}
    score = score + time_weight * np.array([by_days[s.recency_days] for s in points])
    span = _column([s.position_span for s in points])
    depth = np.minimum(np.asarray(f.position, dtype=np.float64), span)
    return score - _column([s.position_weight for s in points]) * depth / span


def _diversified(order: np.ndarray, articles: np.ndarray, per_article: int) -> np.ndarray:
    """`fusion.diversify` of each row of `order`: an article's passages past its first
    `per_article` move, in order, behind all the others."""
    ranked = articles[order]
    n = ranked.shape[1]
    by_article = np.argsort(ranked, axis=1, kind="stable")
    grouped = np.take_along_axis(ranked, by_article, axis=1)
    starts = np.ones_like(grouped, dtype=bool)
    starts[:, 1:] = grouped[:, 1:] != grouped[:, :-1]
    positions = np.broadcast_to(np.arange(n), grouped.shape)
    start_at = np.maximum.accumulate(np.where(starts, positions, 0), axis=1)
    seen = np.empty_like(by_article)
    np.put_along_axis(seen, by_article, positions - start_at, axis=1)
    behind = np.argsort(seen >= per_article, axis=1, kind="stable")
    return np.take_along_axis(order, behind, axis=1)


def grid_ranks(
    questions: Sequence[Gathered], points: Sequence[dict[str, Any]], depth: int = DEPTH
) -> np.ndarray:
    """(points, questions): the 1-based rank of each question's first answering
    candidate in the top `depth` under each point's settings, 0 when none is there."""
    settings = [SearchSettings(**p) for p in points]
    out = np.zeros((len(settings), len(questions)), dtype=np.int64)
    for j, q in enumerate(questions):
        if not len(q.labels) or not q.labels.any():
            continue
        scores = _fused(q, settings)
        order = np.argsort(-scores, axis=1, kind="stable")  # ties: row order, i.e. id
        for per_article in {s.per_article for s in settings}:
            rows = np.array([s.per_article == per_article for s in settings])
            ranked = order[rows]
            if per_article:
                ranked = _diversified(ranked, q.features.article, per_article)
            top = q.labels[ranked[:, :depth]]
            out[rows, j] = np.where(top.any(axis=1), top.argmax(axis=1) + 1, 0)
    return out


def recall_at(ranks: np.ndarray, k: int) -> np.ndarray:
    """Share of questions (the last axis) answered within the top k."""
    return ((ranks >= 1) & (ranks <= k)).mean(axis=-1)


def best_point(ranks: np.ndarray, groups: Sequence[np.ndarray]) -> int:
    """The row of `ranks` with the highest R@1 summed over `groups` (column masks, one a
    set, so each set weighs the same whatever its size); ties: higher R@5, then the
    earlier row."""
    r1 = np.sum([recall_at(ranks[:, g], 1) for g in groups], axis=0)
    r5 = np.sum([recall_at(ranks[:, g], 5) for g in groups], axis=0)
    return int(np.lexsort((np.arange(len(r1)), -np.round(r5, 12), -np.round(r1, 12)))[0])


@dataclass(frozen=True)
class FitRow:
    """One set's half, under the settings fitted on a period and under the shipped ones."""

    fitted_on: str  # "early", "late"
    set_name: str
    half: str  # "early", "late", "all"
    role: str  # "fitted on", "measured on", "in no fit"
    questions: int
    fitted: tuple[float, float]  # R@1, R@5
    shipped: tuple[float, float]


@dataclass(frozen=True)
class CrossFit:
    """`cross_fit`'s result: per direction the chosen settings and the rows."""

    chosen: dict[str, dict[str, Any]]  # "early" / "late" -> the point fitted there
    rows: tuple[FitRow, ...]


def cross_fit(
    questions: Sequence[Gathered],
    cuts: Mapping[str, date],
    points: Sequence[dict[str, Any]] | None = None,
    shipped: SearchSettings | None = None,
) -> CrossFit:
    """Fit on the questions of each set in `cuts` dated before its cut, measure on the
    rest, and the reverse; a set without a cut is in no fit and reported whole.

    Raises ValueError when no set has a cut, when a question of a cut set is undated
    (it could belong to either period), or when a period of a set is empty.
    """
    points = list(points if points is not None else grid_points())
    shipped = shipped or SearchSettings()
    default = {name: getattr(shipped, name) for name in points[0]}
    if default not in points:
        points.append(default)
    names = list(dict.fromkeys(q.set_name for q in questions))
    if not any(n in cuts for n in names):
        raise ValueError(f"no set to cut by time among {names} (cut sets: {sorted(cuts)})")
    undated = [q.set_name for q in questions if q.set_name in cuts and q.day is None]
    if undated:
        raise ValueError(f"{undated[0]}: an undated question cannot be put in a period")
    in_set = {n: np.array([q.set_name == n for q in questions]) for n in names}
    early = {
        n: in_set[n] & np.array([q.day is not None and q.day < cuts[n] for q in questions])
        for n in names
        if n in cuts
    }
    halves = {"early": early, "late": {n: in_set[n] & ~early[n] for n in early}}
    for half, masks in halves.items():
        for n, mask in masks.items():
            if not mask.any():
                raise ValueError(f"{n}: no question in the {half} period (cut {cuts[n]})")
    ranks = grid_ranks(questions, points)
    home = points.index(default)
    chosen: dict[str, dict[str, Any]] = {}
    rows = []
    for fit, other in (("early", "late"), ("late", "early")):
        best = best_point(ranks, list(halves[fit].values()))
        chosen[fit] = points[best]
        for n in names:
            parts = [(fit, "fitted on"), (other, "measured on")] if n in cuts else []
            for half, role in parts or [("all", "in no fit")]:
                mask = halves[half][n] if half != "all" else in_set[n]
                pair = ranks[[best, home]][:, mask]
                r1, r5 = recall_at(pair, 1), recall_at(pair, 5)
                fitted, home_pair = (float(r1[0]), float(r5[0])), (float(r1[1]), float(r5[1]))
                rows.append(FitRow(fit, n, half, role, int(mask.sum()), fitted, home_pair))
    return CrossFit(chosen, tuple(rows))


def report(result: CrossFit, periods: Mapping[str, tuple[str, str]]) -> str:
    """`cross_fit`'s result as a markdown table, then the settings chosen each way."""
    head = "| fusion fitted on | set | half | role | questions | R@1 | R@5 | shipped R@1 | R@5 |"
    lines = [head, "|---|---|---|---|---:|---:|---:|---:|---:|"]
    for r in result.rows:
        early, late = periods.get(r.set_name, ("early", "late"))
        half = {"early": early, "late": late, "all": "all"}[r.half]
        role = f"**{r.role}**" if r.role == "measured on" else r.role
        lines.append(
            f"| {r.fitted_on} periods | {r.set_name} | {half} | {role} | {r.questions} | "
            f"{r.fitted[0]:.3f} | {r.fitted[1]:.3f} | {r.shipped[0]:.3f} | {r.shipped[1]:.3f} |"
        )
    lines.append("")
    for fit, point in result.chosen.items():
        lines.append(f"- fitted on the {fit} periods: {point}")
    return "\n".join(lines)
