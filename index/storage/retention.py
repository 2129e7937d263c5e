"""Retention: articles older than the window leave SQLite, FTS5 and FAISS together.

An article expires when it was published (or, undated, ingested) before the cutoff
day; one dated after today never does. Expired articles are deleted as ingest
commits a batch (see ingest.pipeline): under the index's write lock, one SQLite
transaction (articles, passages, their FTS5 postings, the deleted ids logged), then
`SharedVectors.publish()` saves the FAISS file without them. A kill inside the
transaction rolls it back; a kill after the commit leaves a FAISS file holding ids
the database no longer has, which the next load drops (`SharedVectors._load`).

The log of deleted passages that lets other processes follow deletions
(`Store.changes_since`) is trimmed here too, so that it does not grow with every
passage ever pruned; a process left behind the trimmed part compares id sets instead.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from index.storage.store import BUSY_TIMEOUT_S, Store
from index.storage.vector_rows import DELETED_LOG_FLOOR, deleted_log_floor, generation_of
from index.storage.vectors import SharedVectors, WriteLock

log = logging.getLogger(__name__)

# A large prune (the first one on an old index) runs as several transactions of about
# this many passages, each followed by a FAISS save: each leaves the index consistent,
# an ingest waits for one chunk at most, and the WAL grows by one chunk's pages, not by
# the whole prune's. A kill between two chunks leaves the rest for the next prune.
CHUNK_PASSAGES = 10_000

# The generation at the last trim of the deletions log: the next trim drops the rows
# logged up to it. A process that has not synced since (a bot with no question for a
# prune interval) reads every stored id once instead, as an open does.
_LAST_TRIM = "deleted_log_last_trim"
_SET_META = (
    "INSERT INTO meta(key, value) VALUES (?, ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)

# A prune ends by emptying the WAL (its pages are in the database by then), so that the
# size reported, and left on disk, is the database's; it waits this long for readers.
WAL_WAIT_S = 2.0

# Dated articles through the `published` index; undated ones count from the day they
# were read (`ingested_at` is an ISO timestamp, so `< day` means "read before day").
_EXPIRED = """
    SELECT id FROM articles WHERE published != '' AND published < :cutoff
    UNION ALL
    SELECT id FROM articles WHERE published = '' AND ingested_at < :cutoff
    LIMIT :limit
"""


@dataclass(frozen=True)
class Removed:
    """What a prune deleted."""

    articles: int = 0
    passages: int = 0


def prune_expired(
    store: Store, vectors: SharedVectors, cutoff: str, *, chunk_passages: int | None = None
) -> Removed:
    """Delete every article dated (undated: ingested) before `cutoff` (YYYY-MM-DD) with
    its passages, from the database, its full-text indexes and the vector index.

    Runs in transactions of about `chunk_passages` (default `CHUNK_PASSAGES`) passages,
    each one committed and published under the write lock before the next; returns
    what was deleted.
    """
    limit = chunk_passages or CHUNK_PASSAGES
    articles = passages = 0
    while True:
        with vectors.lock.hold():
            with store.transaction() as db:
                chunk, more = _delete_chunk(store, db, cutoff, limit)
            if chunk.articles:
                vectors.publish(save=True)
        articles += chunk.articles
        passages += chunk.passages
        if not more:
            return Removed(articles, passages)


def _delete_chunk(
    store: Store, db: sqlite3.Connection, cutoff: str, limit: int
) -> tuple[Removed, bool]:
    """Delete expired articles until about `limit` passages are gone (inside the
    transaction); return what went and whether more may be left."""
    articles = passages = 0
    while passages < limit:
        batch = [r[0] for r in db.execute(_EXPIRED, {"cutoff": cutoff, "limit": 500})]
        if not batch:
            return Removed(articles, passages), False
        for article_id in batch:
            passages += len(store.delete_article(article_id))
            articles += 1
            if passages >= limit:
                break
    return Removed(articles, passages), True


def trim_deleted_log(store: Store) -> int:
    """Drop the deletions log's rows logged before the previous trim, record that
    generation as the floor, and remember this one; return how many rows went.

    Trimmed at every prune, the log holds about one prune interval's deletions (a day
    for the bot) however long the index lives. One transaction: a process reading
    `changes_since` sees rows and floor agree, and one whose vectors are older than
    the floor is told to compare ids instead (`VectorChanges.kept`).
    """
    with store.transaction() as db:
        previous = _meta_int(db, _LAST_TRIM)
        db.execute(_SET_META, (_LAST_TRIM, str(generation_of(db))))
        if previous <= deleted_log_floor(db):
            return 0
        dropped = db.execute("DELETE FROM deleted_passages WHERE generation <= ?", (previous,))
        db.execute(_SET_META, (DELETED_LOG_FLOOR, str(previous)))
        return dropped.rowcount


def _meta_int(db: sqlite3.Connection, key: str) -> int:
    row = db.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def vacuum_database(db_path: Path, lock: WriteLock) -> None:
    """Give the space freed by deletions back to the file system: merge the full-text
    indexes and rewrite the database (VACUUM; `truncate_wal` then empties the WAL).

    Takes time and, briefly, disk space in proportion to the whole database, under the
    write lock (an ingest waits; questions do not: WAL readers keep their snapshot).
    """
    with lock.hold():
        db = sqlite3.connect(db_path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        try:
            # Deletions in FTS5 are postings of their own until segments merge.
            for table in ("passages_fts", "articles_fts"):
                db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
            db.execute("VACUUM")
        finally:
            db.close()


def truncate_wal(db_path: Path) -> None:
    """Copy the WAL into the database and empty the WAL file, unless readers keep it in
    use for longer than `WAL_WAIT_S` (then SQLite reuses it from its start as usual)."""
    db = sqlite3.connect(db_path, isolation_level=None, timeout=WAL_WAIT_S)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.OperationalError as exc:  # busy: a bound on the wait, not a failure
        log.info("WAL of %s not truncated: %s", db_path, exc)
    finally:
        db.close()


def directory_bytes(directory: Path) -> int:
    """The size on disk of the files of an index directory (database, WAL, vectors)."""
    total = 0
    for file in directory.iterdir():
        try:
            if file.is_file():
                total += file.stat().st_size
        except FileNotFoundError:  # a temporary file another process just renamed
            pass
    return total
