"""Hybrid retrieval: FAISS dense search and FTS5 bm25, fused, with a recency prior."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from index.dates import to_date
from index.embedders import Embedder
from index.matching import normalized
from index.query import Query
from index.records import Hit, Passage
from index.store import Store
from index.vectors import VectorIndex


@dataclass(frozen=True)
class SearchSettings:
    """Weights of the fused score, chosen on the dev sets (benchmarks/tune_fusion.py).

    A passage scores `dense_weight` x its min-max normalised cosine plus the rest
    x its normalised bm25 (both over the candidates); its article can be scored the
    same way (best passage cosine, whole-article bm25) and added with `article_weight`;
    a recency prior relative to "now" is added and a position prior subtracted.
    In the ranking, no article takes more than `per_article` places before the others.
    """

    candidates: int = 50
    dense_weight: float = 0.75  # the rest goes to bm25
    article_weight: float = 0.0  # the article's fused score: +1 question on rtqa-gold, hurts seed
    recency_weight: float = 0.8  # always on: of two similar passages, the newer
    # Extra recency when the question says "today", "latest"...: no gain measured on
    # rtqa-gold, where two thirds of the questions say "this week", so off.
    time_word_weight: float = 0.0
    recency_days: float = 14.0
    # News puts the facts first: a passage loses up to `position_weight` with its
    # depth into the article, linearly over the first `position_span` passages.
    position_weight: float = 0.2
    position_span: int = 20
    per_article: int = 3  # passages of one article before other articles get their turn
    future_grace_days: int = 1  # articles dated after "now" (+ grace) are not yet written


def _minmax(values: dict[int, float]) -> dict[int, float]:
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    span = high - low
    if span <= 1e-9:
        return {k: 1.0 for k in values}
    return {k: (v - low) / span for k, v in values.items()}


def recency(published: str, now: date | None, days: float) -> float:
    """1.0 for an article of today, decaying with age; 0 when the date is unknown."""
    day = to_date(published)
    if day is None or now is None:
        return 0.0
    age = max(0, (now - day).days)
    return math.exp(-age / days)


def _shingles(text: str) -> set[str]:
    words = normalized(text).split()
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def collapse_duplicates(hits: list[Hit], threshold: float = 0.7) -> list[Hit]:
    """Merge near-identical passages (syndicated copies): the best stays, listing the others."""
    kept: list[tuple[Hit, set[str]]] = []
    for hit in hits:
        shingles = _shingles(hit.passage.text)
        for i, (other, other_shingles) in enumerate(kept):
            overlap = len(shingles & other_shingles) / max(
                1, min(len(shingles), len(other_shingles))
            )
            if overlap >= threshold:
                source = hit.passage.source
                if source and source != other.passage.source and source not in other.also_in:
                    kept[i] = (_with_outlet(other, source), other_shingles)
                break
        else:
            kept.append((hit, shingles))
    return [hit for hit, _ in kept]


def diversify(ranked: list[int], article_of: dict[int, int], per_article: int) -> list[int]:
    """Keep the order, but let no article hold more than `per_article` places before the others.

    Passages beyond an article's share follow, in order, after everything else.
    """
    first: list[int] = []
    rest: list[int] = []
    taken: dict[int, int] = {}
    for pid in ranked:
        article = article_of[pid]
        if taken.get(article, 0) < per_article:
            taken[article] = taken.get(article, 0) + 1
            first.append(pid)
        else:
            rest.append(pid)
    return first + rest


def _with_outlet(hit: Hit, source: str) -> Hit:
    from dataclasses import replace

    return replace(hit, also_in=(*hit.also_in, source))


class Retriever:
    """Ranks passages for a query over one store and its vector index."""

    def __init__(
        self, store: Store, vectors: VectorIndex, embedder: Embedder, settings: SearchSettings
    ) -> None:
        self.store, self.vectors, self.embedder, self.settings = store, vectors, embedder, settings

    def search(
        self,
        query: Query,
        *,
        k: int = 10,
        now: date | None = None,
        mode: str = "hybrid",
        since: str = "",
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """Return hits, best first: up to k, or in "hybrid" mode up to 3k so that callers
        still have k after collapsing duplicates. `mode` is "hybrid", "dense" or "lexical";
        `since` (ISO date) leaves out older articles, `now` articles not yet written."""
        s = self.settings
        want = s.candidates if mode == "hybrid" else k
        if since or now is not None:
            want *= 3  # some candidates may be filtered out by date
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            if vector is None:
                vector = self.embedder.encode([query.text])[0]
            dense = dict(self.vectors.search(vector, want))
        if mode in ("hybrid", "lexical"):
            lexical = self.store.lexical_all(query.match)
            best_lexical = heapq.nlargest(want, lexical, key=lambda pid: (lexical[pid], -pid))
        else:
            best_lexical = []
        ids = list(dict.fromkeys([*dense, *best_lexical]))
        passages = self.store.passages(ids)
        passages = {pid: p for pid, p in passages.items() if self._visible(p, now, since)}
        if not passages:
            return []
        if mode == "hybrid":
            missing_dense = [pid for pid in passages if pid not in dense]
            if missing_dense:
                stored = self.store.vectors(missing_dense)
                for pid, vec in stored.items():
                    dense[pid] = float(vec @ vector)
        scores = self._fuse(query, passages, dense, lexical, now, mode)
        ranked = sorted(passages, key=lambda pid: (-scores[pid], pid))
        if mode == "hybrid" and s.per_article:
            ranked = diversify(
                ranked, {pid: p.article_id for pid, p in passages.items()}, s.per_article
            )
        hits = [
            Hit(
                passage=passages[pid],
                score=scores[pid],
                dense=dense.get(pid, 0.0),
                lexical=lexical.get(pid, 0.0),
            )
            for pid in ranked
        ]
        return hits[: max(k, 1) * 3] if mode == "hybrid" else hits[:k]

    def _visible(self, passage: Passage, now: date | None, since: str) -> bool:
        # An undated article counts in a "last N days" window from the day it was read.
        if since and (passage.published or passage.ingested) < since:
            return False
        if now is not None and passage.published:
            day = to_date(passage.published)
            if day and (day - now).days > self.settings.future_grace_days:
                return False
        return True

    def _fuse(
        self,
        query: Query,
        passages: dict[int, Passage],
        dense: dict[int, float],
        lexical: dict[int, float],
        now: date | None,
        mode: str,
    ) -> dict[int, float]:
        s = self.settings
        if mode == "dense":
            return {pid: dense.get(pid, -1.0) for pid in passages}
        if mode == "lexical":
            return {pid: lexical.get(pid, 0.0) for pid in passages}
        w = s.dense_weight
        dense_n = _minmax({pid: dense.get(pid, 0.0) for pid in passages})
        lexical_n = _minmax({pid: lexical.get(pid, 0.0) for pid in passages})
        article_n: dict[int, float] = {}
        if s.article_weight:
            # The article fused like its passages: for a one-passage article it adds
            # nothing new, for a long one it says the whole story is on topic.
            best: dict[int, float] = {}
            for pid, p in passages.items():
                best[p.article_id] = max(best.get(p.article_id, -1.0), dense.get(pid, 0.0))
            article_lex = self.store.article_lexical(query.match)
            fused = _minmax(best)
            lex_n = _minmax({a: article_lex.get(a, 0.0) for a in best})
            article_n = {
                pid: w * fused[p.article_id] + (1 - w) * lex_n[p.article_id]
                for pid, p in passages.items()
            }
        time_weight = s.recency_weight + (s.time_word_weight if query.time_sensitive else 0.0)
        out = {}
        for pid, passage in passages.items():
            score = w * dense_n[pid] + (1 - w) * lexical_n[pid]
            score += s.article_weight * article_n.get(pid, 0.0)
            score += time_weight * recency(passage.published, now, s.recency_days)
            score -= s.position_weight * min(passage.position, s.position_span) / s.position_span
            out[pid] = score
        return out
