"""The index database's schema: numbered migrations.

`Store` runs every missing migration, and the version bump, in one BEGIN IMMEDIATE
transaction that re-reads the version after taking the write lock: two processes
opening a new index at once cannot both run a migration.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 2


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

    The log is never pruned: a process may be any number of generations behind, and
    a row is two integers per replaced passage, little beside the passage it replaced.
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


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT first; statements one by one stay in our transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


# Numbered migrations: index i upgrades a database from version i to i + 1.
MIGRATIONS = [_migrate_1, _migrate_2]
