"""Articles into the index: chunk, embed and commit in batches.

SQLite commits first; the FAISS file follows. A crash between the two leaves the
FAISS file behind the database, and the next load rebuilds it from SQLite.

Several processes (and threads) may ingest into one index at once. Each batch is
embedded outside every lock, so they embed in parallel; only the commit is
serialised, by the index's write lock (a flock on `write.lock`, see
`vectors.WriteLock`), held for:

1. one SQLite transaction that re-checks every article's key and content hash: another
   process may have stored it since `_prepare` looked. Stored unchanged: skipped;
   stored in another version: replaced. Never a UNIQUE-constraint error.
2. `SharedVectors.publish()`: the in-memory FAISS index catches up with the database
   (what other processes committed before this batch, then this batch, read back
   from the rows just written) and is saved. The file therefore always holds every
   committed passage, whichever process wrote last.

Holding the lock from the transaction to the save keeps other writers from
committing in between, so the saved file is exactly the database as of this commit.
Questions take neither lock: they read SQLite (WAL: never blocked by a writer) and
the in-memory index, which changes for milliseconds per batch.

Stories: before taking the lock, each new article's lead (first passage) is searched
in the vector index and compared with the leads of what it finds and of the batch's
earlier articles (`index.stories`); the commit then stores each article in the story
it joins. An article replaced in place keeps its story. The search sees the index as
of the last sync: an article another process commits meanwhile may start a story of
its own beside an equal one, never corrupt one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

import numpy as np

from index.ingest.furniture import strip_furniture
from index.ingest.identity import article_key, content_hash, without_tracking
from index.models.embedders import Embedder
from index.records import Article, Problem
from index.storage.store import NewPassage, Store
from index.storage.vectors import SharedVectors
from index.stories.candidates import NewLead, find_joins
from index.stories.grouping import Join, StorySettings
from index.text.chunker import chunk_text

EMBED_BATCH = 256  # passages embedded and committed together
_STORIES = StorySettings()


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
        vectors: SharedVectors,
        embedder: Embedder,
        passage_tokens: int,
        *,
        stories: StorySettings | None = _STORIES,
    ) -> None:
        """`stories` None: every article its own story (what grouping is measured against)."""
        self.store, self.vectors = store, vectors
        self.embedder, self.passage_tokens = embedder, passage_tokens
        self.stories = stories

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
        clean = without_tracking(article.url)
        if clean != article.url:  # the link shown, like the key, without who-sent-you
            article = replace(article, url=clean)
        # Whatever read it, the page's furniture goes before the article is hashed: a
        # page that differs from a stored one only in its promos is the same article.
        article = replace(article, text=strip_furniture(article.text))
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
        return _Pending(article, key, digest, tuple(c.text for c in chunks))

    def _commit(self, pending: list[_Pending], tally: _Tally, progress: Progress | None) -> None:
        """Embed a batch (no lock held), then, under the write lock, group it into
        stories, store it in one transaction and publish it to the vector index."""
        texts = [text for p in pending for text in p.chunks]
        matrix = self.embedder.encode(texts)
        starts = np.cumsum([0] + [len(p.chunks) for p in pending[:-1]])
        batch = _Tally()
        with self.vectors.lock.hold():
            # Grouped under the write lock: outside it, two ingests committing at once
            # (two feeds polled in parallel) each missed the other's lead and both
            # started a story. About 4 ms an article, so ~50 ms of a 256-passage batch.
            joins = self._group(pending, matrix[starts])
            with self.store.transaction():
                stories: list[int | None] = []  # the story of each article stored so far
                for p, start, join in zip(pending, starts, joins, strict=True):
                    vectors = matrix[start : start + len(p.chunks)]
                    stories.append(self._store_one(p, vectors, batch, _story(join, stories)))
            self.vectors.publish()
        tally.added += batch.added
        tally.updated += batch.updated
        tally.skipped += batch.skipped
        tally.passages += batch.passages
        if progress is not None:
            progress.update(len(texts))

    def _group(self, pending: list[_Pending], leads: np.ndarray) -> list[Join | None]:
        """The story each pending article joins (None: a new one); call it under the
        write lock, so that every lead committed so far is seen."""
        if self.stories is None:
            return [None] * len(pending)
        new = [NewLead(p.article.title, p.article.published, p.chunks[0]) for p in pending]
        today = datetime.now(UTC).date()  # the day `ingested_at` records
        return find_joins(self.store, self.vectors, new, leads, self.stories, today)

    def _store_one(
        self, p: _Pending, vectors: np.ndarray, batch: _Tally, story: int | None
    ) -> int | None:
        """Store one article in `story` (None: its own) inside the batch's transaction,
        looking again at what is stored now: another process may have stored this
        article since `_prepare`. Return the story it is in (None when not stored)."""
        existing = self.store.find_article(p.key)
        if existing is not None and existing[1] == p.digest:
            batch.skipped += 1
            return self.store.story_of(existing[0])
        if existing is None and not p.article.url and self.store.has_content(p.digest):
            batch.skipped += 1
            return None
        if existing is not None:
            story = self.store.story_of(existing[0])  # updated in place: same story
            self.store.delete_article(existing[0])
            batch.updated += 1
        else:
            batch.added += 1
        new = [NewPassage(position=i, text=t, vector=vectors[i]) for i, t in enumerate(p.chunks)]
        batch.passages += len(
            self.store.add_article(p.article, p.key, p.digest, new, story_id=story)
        )
        return story if story is not None else self._stored_id(p.key)  # a new story

    def _stored_id(self, key: str) -> int:
        found = self.store.find_article(key)
        assert found is not None, "an article just added inside this transaction"
        return found[0]


def _story(join: Join | None, stories: list[int | None]) -> int | None:
    """The story id a join names, now that the batch's earlier articles are stored."""
    if join is None:
        return None
    if join.batch_index is not None:
        return stories[join.batch_index]
    return join.story_id
