"""Articles into the index: chunk, embed and commit in batches.

SQLite commits first; the FAISS file follows. A crash between the two leaves the
FAISS file behind the database, and the next open rebuilds it from SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from index.ingest.identity import article_key, content_hash
from index.models.embedders import Embedder
from index.records import Article, Problem
from index.storage.store import NewPassage, Store
from index.storage.vectors import VectorIndex
from index.text.chunker import chunk_text

EMBED_BATCH = 256  # passages embedded and committed together


@dataclass(frozen=True)
class IngestReport:
    """What one ingest call did."""

    articles_added: int = 0
    articles_updated: int = 0
    articles_skipped: int = 0
    passages_added: int = 0
    problems: tuple[Problem, ...] = field(default=())


@dataclass(frozen=True)
class _Pending:
    """An article chunked and waiting for its batch to be embedded."""

    article: Article
    key: str
    digest: str
    replaces: int | None  # the id of the stored version it updates
    chunks: tuple[str, ...]


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    passages: int = 0


class Progress(Protocol):
    """Told how many passages each batch embedded (a tqdm bar fits)."""

    def update(self, n: int) -> object: ...


class IngestPipeline:
    """Writes articles into one store and its vector index."""

    def __init__(
        self,
        store: Store,
        vectors: VectorIndex,
        vectors_file: Path,
        embedder: Embedder,
        passage_tokens: int,
    ) -> None:
        self.store, self.vectors, self.vectors_file = store, vectors, vectors_file
        self.embedder, self.passage_tokens = embedder, passage_tokens

    def ingest(
        self, items: Iterable[Article | Problem], progress: Progress | None = None
    ) -> IngestReport:
        """Chunk, embed and store articles; an article already stored unchanged is skipped.
        Problems among `items` are passed through to the report."""
        tally = _Tally()
        problems: list[Problem] = []
        pending: list[_Pending] = []
        seen: set[str] = set()
        for item in items:
            if isinstance(item, Problem):
                problems.append(item)
                continue
            chunked = self._prepare(item, seen)
            if chunked is None:
                tally.skipped += 1
                continue
            pending.append(chunked)
            if sum(len(p.chunks) for p in pending) >= EMBED_BATCH:
                self._commit(pending, tally, progress)
                pending = []
        if pending:
            self._commit(pending, tally, progress)
        return IngestReport(
            articles_added=tally.added,
            articles_updated=tally.updated,
            articles_skipped=tally.skipped,
            passages_added=tally.passages,
            problems=tuple(problems),
        )

    def _prepare(self, article: Article, seen: set[str]) -> _Pending | None:
        """The article chunked, or None when it is a repeat, unchanged or empty."""
        key, digest = article_key(article), content_hash(article)
        if key in seen:
            return None
        seen.add(key)
        existing = self.store.find_article(key)
        if existing and existing[1] == digest:
            return None
        if existing is None and not article.url and self.store.has_content(digest):
            return None
        chunks = chunk_text(
            article.text,
            self.embedder.count_tokens,
            target=self.passage_tokens,
            limit=self.embedder.max_tokens,
        )
        if not chunks:
            return None
        replaces = existing[0] if existing else None
        return _Pending(article, key, digest, replaces, tuple(c.text for c in chunks))

    def _commit(self, pending: list[_Pending], tally: _Tally, progress: Progress | None) -> None:
        """Embed a batch, store it in one transaction, then add it to FAISS and save."""
        texts = [text for p in pending for text in p.chunks]
        matrix = self.embedder.encode(texts)
        removed: list[int] = []
        added_ids: list[int] = []
        row = 0
        with self.store.transaction():
            for p in pending:
                if p.replaces is not None:
                    removed += self.store.delete_article(p.replaces)
                    tally.updated += 1
                else:
                    tally.added += 1
                new = [
                    NewPassage(position=i, text=t, vector=matrix[row + i])
                    for i, t in enumerate(p.chunks)
                ]
                row += len(p.chunks)
                added_ids += self.store.add_article(p.article, p.key, p.digest, new)
        self.vectors.remove(removed)
        self.vectors.add(np.asarray(added_ids, dtype=np.int64), matrix)
        self.vectors.save(self.vectors_file)
        tally.passages += len(added_ids)
        if progress is not None:
            progress.update(len(texts))
