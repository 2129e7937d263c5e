"""The index database's schema: numbered migrations.

`Store` runs every missing migration, and the version bump, in one BEGIN IMMEDIATE
transaction that re-reads the version after taking the write lock: two processes
opening a new index at once cannot both run a migration.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from index.errors import StoreError
from index.storage.posting_writes import write_postings

SCHEMA_VERSION = 9


def require_utf8(db: sqlite3.Connection) -> None:
    """Refuse a database whose text is not UTF-8 (every index newsdesk creates is):
    the packed reads of storage.vector_rows pass vector blobs through text, which
    SQLite would convert from UTF-16, changing their bytes."""
    encoding = db.execute("PRAGMA encoding").fetchone()[0]
    if encoding != "UTF-8":
        raise StoreError(f"the index database is in {encoding}; newsdesk keeps indexes in UTF-8")


def _migrate_1(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL,
            title TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL,
            published TEXT NOT NULL, origin TEXT NOT NULL, ingested_at TEXT NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX articles_published ON articles(published);
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE INDEX passages_article ON passages(article_id, position);
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            text, title, tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            text, title, tokenize = 'porter unicode61 remove_diacritics 2'
        );
        """,
    )


def _migrate_2(db: sqlite3.Connection) -> None:
    """The content-hash lookup of an article without a URL (a scan per article before),
    and the log of deleted passages that lets another process drop them from its FAISS
    index without reading every id (see `Store.changes_since`).

    Each prune trims the log to the deletions since the previous prune, recording the
    floor in `meta` (see storage.retention); a process whose vectors are older than
    the floor compares id sets instead of reading the log.
    """
    _run_script(
        db,
        """
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE TABLE deleted_passages (
            id INTEGER PRIMARY KEY,
            generation INTEGER NOT NULL
        );
        CREATE INDEX deleted_passages_generation ON deleted_passages(generation);
        """,
    )


def _migrate_3(db: sqlite3.Connection) -> None:
    """The full-text tables keep no text of their own (FTS5 external content).

    Before, `passages_fts` copied each passage's text and its article's title into
    every row, and `articles_fts` copied each article: the text was stored four times
    and a title once per passage (a 1.18 MB title made a 454 MB index). Now the
    passage index reads its columns from a view over `passages` and `articles` and
    the article index from `articles`: text and title are stored once. Only the
    inverted index (postings, sizes) is FTS5's own; `Store` feeds it the old values
    on delete, which external content needs.
    """
    _run_script(
        db,
        """
        DROP TABLE passages_fts;
        DROP TABLE articles_fts;
        CREATE VIEW passage_search_text AS
            SELECT p.id AS id, p.text AS text, a.title AS title
            FROM passages p JOIN articles a ON a.id = p.article_id;
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            text, title, content = 'passage_search_text', content_rowid = 'id',
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            text, title, content = 'articles', content_rowid = 'id',
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        INSERT INTO passages_fts(passages_fts) VALUES ('rebuild');
        INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
        """,
    )


def _migrate_4(db: sqlite3.Connection) -> None:
    """The sources the index follows (feeds and article pages) and the entries of each
    already read, so that a poll ingests only what is new."""
    _run_script(
        db,
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            url TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL DEFAULT 'auto',
            title TEXT NOT NULL DEFAULT '',
            every_s INTEGER NOT NULL,
            added_at TEXT NOT NULL,
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            next_poll_at TEXT NOT NULL DEFAULT '',
            last_polled_at TEXT NOT NULL DEFAULT '',
            last_success_at TEXT NOT NULL DEFAULT '',
            last_error TEXT NOT NULL DEFAULT '',
            failures INTEGER NOT NULL DEFAULT 0,
            articles INTEGER NOT NULL DEFAULT 0,
            failure_announced INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE source_entries (
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            entry TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (source_id, entry)
        ) WITHOUT ROWID;
        """,
    )


def _migrate_5(db: sqlite3.Connection) -> None:
    """Stories: the articles of several outlets (or of one, updated) about one event
    share a `story_id`, the id of the story's first article."""
    _run_script(
        db,
        """
        ALTER TABLE articles ADD COLUMN story_id INTEGER;
        UPDATE articles SET story_id = id;
        CREATE INDEX articles_story ON articles(story_id);
        """,
    )


def _migrate_6(db: sqlite3.Connection) -> None:
    """What the bot posts by itself: the articles polls brought (arrivals, in order),
    follows, daily digests, feed channels, and the ledger of posts per channel and story."""
    _run_script(
        db,
        """
        CREATE TABLE arrivals (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id INTEGER NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
            source_url TEXT NOT NULL,
            arrived_at TEXT NOT NULL
        );
        CREATE TABLE follows (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            topic TEXT NOT NULL,
            role_id INTEGER,
            created_at TEXT NOT NULL,
            start_seq INTEGER NOT NULL,
            UNIQUE (guild_id, channel_id, topic)
        );
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL UNIQUE,
            at TEXT NOT NULL,
            topic TEXT NOT NULL DEFAULT '',
            last_day TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE feed_channels (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            source_url TEXT NOT NULL,
            include TEXT NOT NULL DEFAULT '',
            exclude TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            start_seq INTEGER NOT NULL,
            UNIQUE (guild_id, channel_id, source_url)
        );
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            story_id INTEGER NOT NULL,
            reason TEXT NOT NULL,
            label TEXT NOT NULL,
            role_id INTEGER,
            sentence TEXT NOT NULL DEFAULT '',
            articles TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            stale INTEGER NOT NULL DEFAULT 0,
            message_id INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            planned_at TEXT NOT NULL,
            sent_at TEXT NOT NULL DEFAULT '',
            UNIQUE (channel_id, story_id)
        );
        CREATE INDEX posts_story ON posts(story_id);
        CREATE INDEX posts_state ON posts(state, channel_id);
        CREATE INDEX posts_sent ON posts(channel_id, sent_at);
        CREATE TABLE channel_messages (
            channel_id INTEGER NOT NULL,
            sent_at TEXT NOT NULL
        );
        CREATE INDEX channel_messages_at ON channel_messages(channel_id, sent_at);
        """,
    )


def _half_vector(blob: bytes) -> bytes:
    return np.frombuffer(blob, dtype=np.float32).astype(np.float16).tobytes()


def _migrate_7(db: sqlite3.Connection) -> None:
    """Passage vectors stored as float16 (storage.vector_rows.STORED_DTYPE): half the
    bytes. A FAISS file saved before keeps its float32 copies (the same ids); searches
    re-score with the stored vectors either way."""
    db.create_function("half_vector", 1, _half_vector, deterministic=True)
    db.execute("UPDATE passages SET vector = half_vector(vector)")


# The postings' table (storage.postings), keyed epoch first since schema 9.
POSTINGS_TABLE = (
    "CREATE TABLE {name} (token TEXT NOT NULL, epoch INTEGER NOT NULL,"
    " part INTEGER NOT NULL, rows INTEGER NOT NULL, last INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY (epoch, token, part)) WITHOUT ROWID"
)


def _migrate_8(db: sqlite3.Connection) -> None:
    """The passages' own postings (storage.postings): bm25 without FTS5 scoring each
    matching row. Built here from every stored passage, 16,384 at a time (100k
    passages in ~25 s, 1M in ~4.5 minutes)."""
    db.execute(POSTINGS_TABLE.format(name="passage_postings"))  # migration 9's layout
    last = db.execute("SELECT MAX(id) FROM passages").fetchone()[0] or 0
    step = 16384  # passages tokenized at once (~1.3M token rows in memory)
    for start in range(0, last + 1, step):
        rows = db.execute(
            "SELECT id, text, title FROM passage_search_text WHERE id >= ? AND id < ?",
            (start, start + step),
        ).fetchall()
        write_postings(db, rows)


def _migrate_9(db: sqlite3.Connection) -> None:
    """The postings keyed (epoch, token, part) instead of (token, epoch, part): new
    passages all fall in the newest epoch, so the raw tails a commit rewrites lie
    together in the B-tree, however large the index (at 1M passages a commit of 256
    dirtied a page for nearly each of its ~3,200 tokens). A table migration 8 made
    keyed this way already is kept."""
    sql = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'passage_postings'"
    ).fetchone()[0]
    if "PRIMARY KEY (epoch, token, part)" in sql:
        return
    db.execute(POSTINGS_TABLE.format(name="passage_postings_9"))
    db.execute(
        "INSERT INTO passage_postings_9(token, epoch, part, rows, last, data)"
        " SELECT token, epoch, part, rows, last, data FROM passage_postings"
        " ORDER BY epoch, token, part"
    )
    db.execute("DROP TABLE passage_postings")
    db.execute("ALTER TABLE passage_postings_9 RENAME TO passage_postings")


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT first; statements one by one stay in our transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


# Numbered migrations: index i upgrades a database from version i to i + 1.
MIGRATIONS = [
    _migrate_1,
    _migrate_2,
    _migrate_3,
    _migrate_4,
    _migrate_5,
    _migrate_6,
    _migrate_7,
    _migrate_8,
    _migrate_9,
]
