"""Hybrid retrieval: FAISS dense search and FTS5 bm25 candidates, fused by `fusion.fuse`."""

from __future__ import annotations

import math
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import date
from itertools import islice

import numpy as np

from index.models.embedders import Embedder
from index.records import Hit
from index.search.confidence import idf_weights
from index.search.fusion import Features, SearchSettings, fuse, rank
from index.search.query import Query
from index.side_threads import side_pool
from index.storage.passage_rows import RankingRow
from index.storage.store import Store
from index.storage.vector_index import faiss_threads
from index.storage.vectors import SharedVectors
from index.text.dates import to_date
from index.text.words import words

MODES = ("hybrid", "dense", "lexical")
QUERY_CACHE_SIZE = 1024  # question and topic vectors kept: 3 KB each


@dataclass(frozen=True)
class Candidates:
    """The passages one question gathered (their ids, in candidate order) and their
    features; their text is read only for the hits a search returns."""

    ids: tuple[int, ...]
    features: Features
    dense: Mapping[int, float]  # cosine by passage id (every candidate in hybrid mode)
    lexical: Mapping[int, float]  # bm25 by passage id (those that match)


@dataclass(frozen=True)
class LexicalSide:
    """What the side thread reads: bm25 scores (best first), and the ranking rows and
    stored vectors of the best of them (ids in bm25 order, one matrix)."""

    scores: dict[int, float]
    rows: dict[int, RankingRow]
    stored: np.ndarray
    matrix: np.ndarray


def _shingles(text: str) -> set[str]:
    """The word 3-grams of `text` as `normalized` reads its words, each joined by spaces."""
    # findall of [a-z0-9]+ on the NFKC text gives normalized(text).split() in half the
    # time (30 passages: 0.89 -> 0.64 ms). Strings, not tuples: a str keeps its hash, so
    # the intersections below do not hash each tuple again (1.59 -> 1.38 ms a question).
    found = words(unicodedata.normalize("NFKC", text))
    if len(found) < 3:
        return {" ".join(found)}
    return set(map(" ".join, zip(found, found[1:], found[2:], strict=False)))


def collapse_duplicates(
    hits: list[Hit], threshold: float = 0.7, *, keep: int | None = None
) -> list[Hit]:
    """Merge near-identical passages (syndicated copies): the best stays, listing the others.

    A hit merges into the first kept one with which it shares `threshold` of the
    shorter one's shingles. With `keep` (>= 0), only the first `keep` kept hits are returned,
    the same as `collapse_duplicates(hits)[:keep]`: once they are all found, a later
    hit is compared with them alone (it can only add to their "also reported by").
    """
    kept: list[tuple[Hit, set[str]]] = []
    for hit in hits:
        shingles = _shingles(hit.passage.text)
        for i, (other, other_shingles) in enumerate(kept):
            overlap = len(shingles & other_shingles) / min(len(shingles), len(other_shingles))
            if overlap >= threshold:
                source = hit.passage.source
                if source and source != other.passage.source and source not in other.also_in:
                    kept[i] = (replace(other, also_in=(*other.also_in, source)), other_shingles)
                break
        else:
            if keep is None or len(kept) < keep:
                kept.append((hit, shingles))
    return [hit for hit, _ in kept]


def _age_days(published: str, now: date) -> float:
    day = to_date(published)
    return math.inf if day is None else float((now - day).days)


class Retriever:
    """Ranks passages for a query over one store and its vector index.

    It owns every read a question makes: candidates, their vectors, the term
    statistics and article text the answer step needs.
    """

    def __init__(
        self, store: Store, vectors: SharedVectors, embedder: Embedder, settings: SearchSettings
    ) -> None:
        self.store, self.vectors, self.embedder, self.settings = store, vectors, embedder, settings
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_lock = threading.Lock()

    def query_vector(self, text: str) -> np.ndarray:
        """The embedding of a question or topic, remembered for the last
        `QUERY_CACHE_SIZE` texts: the same vector the model gives, without the model's
        ~22 ms when a question is asked again or a follow's topic is matched each tick."""
        with self._query_lock:
            cached = self._query_vectors.get(text)
            if cached is not None:
                self._query_vectors.move_to_end(text)
                return cached
        vector = self.embedder.encode([text])[0]
        vector.setflags(write=False)  # shared between callers
        with self._query_lock:
            self._query_vectors[text] = vector
            while len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def candidates(
        self,
        query: Query,
        *,
        now: date,
        want: int,
        mode: str = "hybrid",
        since: str = "",
        vector: np.ndarray | None = None,
    ) -> Candidates:
        """The dense top `want` and bm25 top `want` passages still visible at `now` (and
        published on or after `since`), with their features."""
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        best_lexical: list[int] = []
        rows: dict[int, RankingRow] = {}
        side: LexicalSide | None = None
        pending: Future[LexicalSide] | None = None
        found_dense: list[dict[int, float]] = []  # the dense hits, once known
        if mode == "hybrid" and not self.store.writing():
            # SQLite, the model and FAISS all work outside the GIL: bm25 runs on the
            # other core while this thread embeds the question and searches the vectors
            # (1M passages: bm25 21 ms, FAISS 8 ms, the model ~22 ms, in turn).
            pending = side_pool("bm25-side").submit(
                self._lexical_side, query.terms, want, found_dense
            )
        try:
            if mode in ("hybrid", "dense"):
                if vector is None:
                    vector = self.query_vector(query.text)
                # While bm25 runs on the other core, FAISS's second OpenMP thread only
                # fights it for that core (100k passages, engine p50 / p95: 35 / 48 ms
                # with two FAISS threads, 30 / 43 ms with one).
                beside = pending is not None and not pending.done()
                with faiss_threads(1) if beside else nullcontext():
                    hits, rows = self.vectors.search_rows(vector, want)
                dense = dict(hits)
                found_dense.append(dense)
        finally:
            if pending is not None:
                side = pending.result()
        if side is not None:
            lexical = side.scores
        elif mode in ("hybrid", "lexical"):
            lexical = self.store.lexical(query.terms)
        if mode in ("hybrid", "lexical"):
            best_lexical = list(islice(lexical, want))  # best first, ties by id
        gathered = list(dict.fromkeys([*dense, *best_lexical]))
        others = [pid for pid in best_lexical if pid not in dense]
        if mode == "hybrid" and vector is not None:
            # bm25's own candidates need a cosine too: their rows and vectors, read in
            # one go beside the vector search, or now.
            if side is None:
                side = LexicalSide(lexical, *self.store.ranking_rows_and_vectors(others))
            rows.update((pid, side.rows[pid]) for pid in others if pid in side.rows)
            if len(side.stored):
                mine = ~np.isin(side.stored, np.fromiter(dense, np.int64, len(dense)))
                cosines = side.matrix[mine] @ np.asarray(vector, dtype=np.float32)
                dense.update(zip(side.stored[mine].tolist(), cosines.tolist(), strict=True))
        else:
            rows.update(self.store.ranking_rows(others))
        ids = [pid for pid in gathered if pid in rows and self._visible(rows[pid], now, since)]
        articles = np.array([rows[pid][0] for pid in ids], dtype=np.int64)
        article_lexical = None
        if mode == "hybrid" and self.settings.article_weight:
            by_article = self.store.article_lexical(query.terms)
            article_lexical = np.array([by_article.get(a, 0.0) for a in articles.tolist()])
        features = Features(
            dense=np.array([dense.get(pid, 0.0) for pid in ids], dtype=np.float64),
            lexical=np.array([lexical.get(pid, 0.0) for pid in ids], dtype=np.float64),
            age_days=np.array([_age_days(rows[pid][2], now) for pid in ids], dtype=np.float64),
            position=np.array([rows[pid][1] for pid in ids], dtype=np.int64),
            article=articles,
            article_lexical=article_lexical,
        )
        return Candidates(tuple(ids), features, dense, lexical)

    def _lexical_side(
        self, terms: tuple[str, ...], want: int, found_dense: list[dict[int, float]]
    ) -> LexicalSide:
        """bm25 of `terms`, with the ranking rows and stored vectors of its best `want`
        (run beside the vector search: at 100k passages the read of ~100 rows and
        vectors, 1.3 ms, no longer waits for both); only of those the vector search
        did not find when it is already done (at 10k passages, exact search ends
        first, and the dense hits hold most of bm25's best)."""
        scores = self.store.lexical(terms)
        best: Iterable[int] = islice(scores, want)
        if found_dense:
            best = (pid for pid in best if pid not in found_dense[0])
        return LexicalSide(scores, *self.store.ranking_rows_and_vectors(best))

    def search(
        self,
        query: Query,
        *,
        now: date,
        k: int = 10,
        mode: str = "hybrid",
        since: str = "",
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """Return hits, best first: up to k, or in "hybrid" mode up to 3k so that callers
        still have k after collapsing duplicates. `mode` is one of MODES; `since` (ISO
        date) leaves out older articles, `now` articles not yet written."""
        s = self.settings
        # Some candidates may be filtered out by date: gather three times as many.
        want = 3 * (s.candidates if mode == "hybrid" else k)
        found = self.candidates(query, now=now, want=want, mode=mode, since=since, vector=vector)
        if not found.ids:
            return []
        features = found.features
        if mode == "dense":
            scores = np.array([found.dense.get(pid, -1.0) for pid in found.ids])
        elif mode == "lexical":
            scores = features.lexical
        else:
            scores = fuse(features, s, time_sensitive=query.time_sensitive)
        ids = np.array(found.ids, dtype=np.int64)
        per_article = s.per_article if mode == "hybrid" else 0
        ranked = rank(ids, scores, features.article, per_article)
        keep = max(k, 1) * 3 if mode == "hybrid" else k
        # Text only for the hits returned: 30 rows, not ~300. A passage deleted since the
        # candidates were read gives its place to the next ones.
        passages = self.store.passages(ranked[:keep])
        if len(passages) < min(keep, len(ranked)):
            passages.update(self.store.passages(ranked[keep:]))
        shown = [pid for pid in ranked if pid in passages][:keep]
        score_of = dict(zip(found.ids, scores.tolist(), strict=True))
        hits = [
            Hit(
                passage=passages[pid],
                score=score_of[pid],
                dense=found.dense.get(pid, 0.0),
                lexical=found.lexical.get(pid, 0.0),
            )
            for pid in shown
        ]
        return hits

    def term_weights(self, query: Query) -> dict[str, float]:
        """Inverse document frequency of each query term over the passages: rare words
        count more."""
        return idf_weights(query, *self.store.document_frequencies(query.terms))

    def article_text(self, article_id: int) -> str:
        """The whole text of an article, title first ("" when it is gone)."""
        return self.store.article_text(article_id)

    def _visible(self, row: RankingRow, now: date, since: str) -> bool:
        """Whether a passage (its `ranking_rows` row) counts at `now` and since `since`."""
        published, ingested = row[2], row[3]
        # An undated article counts in a "last N days" window from the day it was read.
        if since and (published or ingested) < since:
            return False
        if published:
            day = to_date(published)
            if day and (day - now).days > self.settings.future_grace_days:
                return False
        return True
