"""The SQLite side of an index: articles, passages, their vectors and FTS5 text.

SQLite is the source of truth: each passage row holds its vector, so the FAISS
file can always be rebuilt from it without embedding anything again.

Several processes may open one index (the bot, `newsdesk ingest` from cron, a
`newsdesk stats`). The database is in WAL mode, so readers never wait for a writer;
a writer that finds another one committing waits for it (`BUSY_TIMEOUT_S`) rather
than failing with "database is locked". Every transaction that adds or deletes
passages bumps the *generation* in `meta` and logs the deleted passage ids with the
generation that deleted them: another process compares one number per question
(`generation()`) and, when it moved, reads only what changed (`changes_since()`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.errors import StoreError
from index.records import Article, Stats
from index.storage.fts import LexicalReads
from index.storage.passage_rows import PassageRows
from index.storage.posting_writes import postings_mismatch, write_postings
from index.storage.postings import PostingsCache
from index.storage.readers import READERS, Readers
from index.storage.schema import MIGRATIONS, SCHEMA_VERSION, require_utf8
from index.storage.story_rows import StoryRows
from index.storage.vector_rows import VectorRows, encode_vector, generation_of


@dataclass(frozen=True)
class NewPassage:
    """A passage ready to store: its text and its vector."""

    position: int
    text: str
    vector: np.ndarray


# Seconds a write waits for another connection's write transaction to end. Batch
# commits are short and serialised by the index's write lock (see vectors.WriteLock),
# so only an open's one-row meta write or a first migration ever waits here.
BUSY_TIMEOUT_S = 60.0


class Store(LexicalReads, PassageRows, VectorRows, StoryRows):
    """Thread-safe access to the index database.

    One connection writes (transactions, meta), under its lock; `READERS` others read,
    each held by one thread at a time. A question's reads thus never wait for a write
    transaction of the same process (WAL lets them read the last commit meanwhile); a
    thread inside its own write transaction reads through the writing connection,
    which sees what it wrote.
    """

    def __init__(self, path: Path) -> None:
        try:
            self._db = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open index database {path}: {exc}") from None
        self._lock = threading.RLock()  # the writing connection
        self._writer: int | None = None  # the thread inside a write transaction
        self._changed = False  # the open transaction added or deleted passages
        # (id, text, title) the open transaction added and deleted: postings at commit.
        self._added: list[tuple[int, str, str]] = []
        self._removed: list[tuple[int, str, str]] = []
        self._readers: Readers | None = None
        self._dates, self._postings = {}, PostingsCache()  # PassageRows', LexicalReads'
        try:  # connect() is lazy: a file that is not a database fails only here
            require_utf8(self._db)
            self._enable_wal()
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self._readers = Readers(path, READERS, BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            self._close_connections()
            raise StoreError(f"cannot open index database {path}: {exc}") from None
        except BaseException:
            self._close_connections()
            raise

    def _close_connections(self) -> None:
        self._db.close()
        if self._readers is not None:
            self._readers.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """The connection to read with, held by this thread for the block: a free
        reader (waiting for one when all are busy); the one this thread already holds
        (nested reads see one snapshot); the writing one inside a write transaction."""
        if self.writing():
            with self._lock:
                yield self._db
            return
        assert self._readers is not None
        with self._readers.hold() as reader:
            yield reader

    def writing(self) -> bool:
        """Whether the calling thread is inside a write transaction (its reads see its
        own uncommitted rows: they must stay on this thread)."""
        return self._writer == threading.get_ident()

    @contextmanager
    def _spare_reader(self) -> Iterator[sqlite3.Connection | None]:
        """Another free reader for the block (None inside a write transaction or when
        none is free: see `Readers.spare`)."""
        if self.writing() or self._readers is None:
            yield None
            return
        with self._readers.spare() as reader:
            yield reader

    def _enable_wal(self) -> None:
        """Switch the database to WAL (a setting kept in the file: once per index).

        Changing the journal mode needs the database to itself, and SQLite answers
        "database is locked" at once instead of waiting when another connection is
        using it, as when two processes create an index together: retry a while.
        """
        deadline, delay = time.monotonic() + BUSY_TIMEOUT_S, 0.002
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL").fetchall()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(2 * delay, 0.1)

    def _migrate(self) -> None:
        """Bring the schema up to date in one write transaction.

        The version is read again after BEGIN IMMEDIATE has taken the write lock:
        another process opening the same new index may have migrated it meanwhile.
        """
        if self._schema_version() == SCHEMA_VERSION:
            return
        with self.transaction():
            version = self._schema_version()
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](self._db)
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _schema_version(self) -> int:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"index schema {version} is newer than this newsdesk ({SCHEMA_VERSION})"
            )
        return version

    def transaction(self) -> _Transaction:
        """A context manager: BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on error.

        A transaction that added or deleted passages bumps the generation as it commits.
        """
        return _Transaction(self)

    def close(self) -> None:
        """Close the connections once every reader is back (idempotent: closing a
        closed SQLite connection or `Readers` does nothing)."""
        with self._lock:
            self._close_connections()

    # -- metadata -----------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._read() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta_default(self, key: str, value: str) -> str:
        """The value stored under `key`, storing `value` first when there is none.

        Two processes creating an index at once both get the first one's value.
        """
        recorded = self.get_meta(key)
        if recorded is not None:
            return recorded
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                (key, value),
            )
        recorded = self.get_meta(key)
        return value if recorded is None else recorded

    def generation(self) -> int:
        """How many transactions have added or deleted passages: one indexed SELECT."""
        with self._read() as db:
            return generation_of(db)

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- articles -----------------------------------------------------------
    def find_article(self, key: str) -> tuple[int, str] | None:
        """Return (id, content hash) of the article stored under `key`."""
        with self._read() as db:
            row = db.execute(
                "SELECT id, content_hash FROM articles WHERE key = ?", (key,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def has_content(self, digest: str) -> bool:
        """Whether an article with this content hash is stored (an indexed lookup)."""
        with self._read() as db:
            row = db.execute(
                "SELECT 1 FROM articles WHERE content_hash = ? LIMIT 1", (digest,)
            ).fetchone()
        return row is not None

    def delete_article(self, article_id: int) -> list[int]:
        """Delete an article and its passages (inside a transaction); return the passage ids.

        The ids are logged with the generation this transaction commits as.
        """
        ids = [
            r[0]
            for r in self._db.execute("SELECT id FROM passages WHERE article_id = ?", (article_id,))
        ]
        self._changed = True
        generation = generation_of(self._db) + 1
        self._db.executemany(
            "INSERT OR REPLACE INTO deleted_passages(id, generation) VALUES (?, ?)",
            [(i, generation) for i in ids],
        )
        # External-content FTS5 forgets a row only when told its indexed values; the
        # postings of those values go at commit.
        indexed = self._db.execute(
            "SELECT id, text, title FROM passage_search_text"
            " WHERE id IN (SELECT id FROM passages WHERE article_id = ?)",
            (article_id,),
        ).fetchall()
        self._db.executemany(
            "INSERT INTO passages_fts(passages_fts, rowid, text, title) VALUES ('delete', ?, ?, ?)",
            indexed,
        )
        self._removed += indexed
        self._db.execute(
            "INSERT INTO articles_fts(articles_fts, rowid, text, title)"
            " SELECT 'delete', id, text, title FROM articles WHERE id = ?",
            (article_id,),
        )
        self._db.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return ids

    def add_article(
        self,
        article: Article,
        key: str,
        digest: str,
        passages: Sequence[NewPassage],
        *,
        story_id: int | None = None,
    ) -> list[int]:
        """Insert an article and its passages (inside a transaction); return passage ids.

        The article joins story `story_id`, or starts its own story when None.
        """
        self._changed = True
        now = datetime.now(UTC).isoformat(timespec="seconds")
        cursor = self._db.execute(
            "INSERT INTO articles(key, content_hash, title, source, url, published, origin,"
            " ingested_at, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                digest,
                article.title,
                article.source,
                article.url,
                article.published,
                article.origin,
                now,
                article.text,
            ),
        )
        article_id = _row_id(cursor)
        self._db.execute(
            "UPDATE articles SET story_id = ? WHERE id = ?",
            (article_id if story_id is None else story_id, article_id),
        )
        self._db.execute(
            "INSERT INTO articles_fts(rowid, text, title) VALUES (?, ?, ?)",
            (article_id, article.text, article.title),
        )
        ids = []
        for passage in passages:
            cursor = self._db.execute(
                "INSERT INTO passages(article_id, position, text, vector) VALUES (?, ?, ?, ?)",
                (
                    article_id,
                    passage.position,
                    passage.text,
                    encode_vector(passage.vector),
                ),
            )
            passage_id = _row_id(cursor)
            self._db.execute(
                "INSERT INTO passages_fts(rowid, text, title) VALUES (?, ?, ?)",
                (passage_id, passage.text, article.title),
            )
            self._added.append((passage_id, passage.text, article.title))
            ids.append(passage_id)
        return ids

    def check_full_text(self) -> None:
        """Raise StoreError unless both full-text indexes match the rows they index
        (FTS5's integrity-check against its external content) and so do the passages'
        postings (storage.postings)."""
        with self._lock:  # an INSERT to SQL, so not on the query_only connection
            for table in ("passages_fts", "articles_fts"):
                try:
                    self._db.execute(
                        f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"
                    )
                except sqlite3.Error as exc:
                    raise StoreError(f"{table} does not match its rows: {exc}") from None
            mismatch = postings_mismatch(self._db)
        if mismatch:
            raise StoreError(f"passage_postings does not match the passages: {mismatch}")

    # -- statistics ---------------------------------------------------------
    def stats(self, until: str = "") -> Stats:
        """Counts, and the newest publication date (on or before `until` when given)."""
        with self._read() as db:
            articles, sources, newest = db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT NULLIF(source, '')),"
                " MAX(CASE WHEN ? = '' OR published <= ? THEN NULLIF(published, '') END)"
                " FROM articles",
                (until, until),
            ).fetchone()
            passages = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return Stats(articles=articles, passages=passages, newest=newest or "", sources=sources)


def _row_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just added."""
    if cursor.lastrowid is None:
        raise StoreError("the database did not return the new row's id")
    return int(cursor.lastrowid)


class _Transaction:
    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> sqlite3.Connection:
        store = self._store
        store._lock.acquire()
        try:
            store._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            store._lock.release()
            raise
        store._changed = False
        store._added, store._removed = [], []
        store._writer = threading.get_ident()
        return store._db

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        store = self._store
        try:
            if exc_type is None and store._changed:
                write_postings(store._db, store._added, store._removed)
                store._db.execute(
                    "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key)"
                    " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
            store._db.execute("ROLLBACK" if exc_type else "COMMIT")
        except BaseException:
            if store._db.in_transaction:
                store._db.execute("ROLLBACK")
            raise
        finally:
            store._changed = False
            store._added, store._removed = [], []
            store._writer = None
            store._lock.release()
