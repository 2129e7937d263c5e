"""The SQL of sources and the entries already read, over the index's `Store`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.errors import InputError
from index.ingest.urls import clean_url
from index.records import FeedSource
from index.sources.schedule import backoff_s, later, stamp
from index.storage.store import Store

MAX_TITLE_CHARS = 300
MAX_ERROR_CHARS = 500
_IN_CHUNK = 500  # ids per "IN (...)": well under SQLite's 32,766 variables

_COLUMNS = (
    "url, kind, title, every_s, added_at, next_poll_at, last_polled_at, last_success_at,"
    " last_error, failures, articles, failure_announced"
)


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the ETag and Last-Modified last answered."""

    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class DueSource:
    """A source claimed for one poll, with what the poll needs beside its record."""

    id: int
    source: FeedSource
    validators: Validators


@dataclass(frozen=True)
class Success:
    """What a successful poll of one source changes in its row."""

    kind: str
    title: str = ""  # "" keeps the one stored
    validators: Validators = Validators()
    articles: int = 0  # added or updated by this poll
    seen: tuple[str, ...] = ()  # entries now read (their articles are committed)
    listed: tuple[str, ...] | None = None  # every entry the feed lists (None: unknown)
    # Articles this poll added that are news to announce (none on a source's first
    # poll: what a new source already holds is its backlog).
    arrived: tuple[int, ...] = ()


def source_url(url: str) -> str:
    """`url` as a source is stored under (see clean_url); InputError when it is not a
    usable http(s) address."""
    cleaned = clean_url(url)
    if not cleaned:
        raise InputError(f"not an http(s) address: {one_line(url, 120)!r}")
    return cleaned


def one_line(text: str, limit: int) -> str:
    """`text` on one line of at most `limit` characters, control characters as spaces."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _record(row: Sequence[object]) -> FeedSource:
    url, kind, title, every, added, due, polled, success, error, failures, articles, told = row
    return FeedSource(
        url=str(url),
        kind=str(kind),
        title=str(title),
        every_s=int(str(every)),
        added_at=str(added),
        next_poll_at=str(due),
        last_polled_at=str(polled),
        last_success_at=str(success),
        last_error=str(error),
        failures=int(str(failures)),
        articles=int(str(articles)),
        failure_announced=bool(told),
    )


class SourceRows:
    """Reads and writes the `sources` and `source_entries` tables of one index."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, url: str, every_s: int, now: datetime) -> FeedSource:
        """Follow `url` (due at once), or set the interval of a source already followed."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO sources(url, every_s, added_at) VALUES (?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET every_s = excluded.every_s",
                (url, every_s, stamp(now)),
            )
        found = self.get(url)
        assert found is not None  # just written, and sources are only deleted by URL
        return found

    def remove(self, url: str) -> bool:
        """Stop following `url` (its entries go too; its articles stay); False when unknown."""
        with self._store.transaction() as db:
            return db.execute("DELETE FROM sources WHERE url = ?", (url,)).rowcount > 0

    def get(self, url: str) -> FeedSource | None:
        with self._store._read() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM sources WHERE url = ?", (url,)).fetchone()
        return _record(row) if row else None

    def all(self) -> list[FeedSource]:
        """Every source, in the order they were added."""
        with self._store._read() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM sources ORDER BY id").fetchall()
        return [_record(row) for row in rows]

    def claim_due(self, now: datetime, *, force: bool = False) -> list[DueSource]:
        """The sources due at `now` (every one with `force`), each moved to its next
        poll time in the same transaction: another process polling meanwhile does not
        take them too. The poll's outcome sets the real next time."""
        moment = stamp(now)
        with self._store.transaction() as db:
            rows = db.execute(
                f"SELECT id, etag, last_modified, {_COLUMNS} FROM sources"
                " WHERE ? OR next_poll_at <= ? ORDER BY next_poll_at, id",
                (force, moment),
            ).fetchall()
            for row in rows:
                db.execute(
                    "UPDATE sources SET next_poll_at = ?, last_polled_at = ? WHERE id = ?",
                    (later(now, int(row[6])), moment, row[0]),
                )
        return [
            DueSource(int(r[0]), _record(r[3:]), Validators(str(r[1]), str(r[2]))) for r in rows
        ]

    def seen(self, source_id: int, entries: Iterable[str]) -> set[str]:
        """Which of `entries` the source has already read."""
        wanted = list(dict.fromkeys(entries))
        found: set[str] = set()
        with self._store._read() as db:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(
                    row[0]
                    for row in db.execute(
                        "SELECT entry FROM source_entries"
                        f" WHERE source_id = ? AND entry IN ({marks})",
                        (source_id, *chunk),
                    )
                )
        return found

    def record_success(
        self, source: DueSource, done: Success, now: datetime, *, keep_entries_days: int
    ) -> None:
        """Mark entries read, reset the failure count, schedule the next poll; drop the
        entries the feed no longer lists that were read over `keep_entries_days` ago."""
        moment = stamp(now)
        with self._store.transaction() as db:
            if not _exists(db, source.id):  # removed during the poll
                return
            db.executemany(
                "INSERT OR IGNORE INTO source_entries(source_id, entry, seen_at) VALUES (?, ?, ?)",
                [(source.id, entry, moment) for entry in done.seen],
            )
            db.execute(
                "UPDATE sources SET kind = ?, title = CASE WHEN ? = '' THEN title ELSE ? END,"
                " etag = ?, last_modified = ?, next_poll_at = ?, last_polled_at = ?,"
                " last_success_at = ?, last_error = '', failures = 0, failure_announced = 0,"
                " articles = articles + ? WHERE id = ?",
                (
                    done.kind,
                    *(one_line(done.title, MAX_TITLE_CHARS),) * 2,
                    done.validators.etag,
                    done.validators.last_modified,
                    later(now, source.source.every_s),
                    moment,
                    moment,
                    done.articles,
                    source.id,
                ),
            )
            # In the same transaction as the entries read: a crash never leaves an
            # article read but lost to the alerts, or announced twice.
            db.executemany(
                "INSERT OR IGNORE INTO arrivals(article_id, source_url, arrived_at)"
                " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?)",
                [(a, source.source.url, moment, a) for a in done.arrived],
            )
            if done.listed is not None:
                _forget_unlisted(db, source.id, done.listed, now - timedelta(keep_entries_days))

    def record_failure(
        self, source: DueSource, error: str, now: datetime, *, kind: str = ""
    ) -> FeedSource | None:
        """Count a failed poll and back off (and record the source's `kind` when the
        failed poll found it out); None when the source was removed meanwhile."""
        failures = source.source.failures + 1
        with self._store.transaction() as db:
            db.execute(
                "UPDATE sources SET kind = ?, last_error = ?, failures = failures + 1,"
                " next_poll_at = ?, last_polled_at = ? WHERE id = ?",
                (
                    kind or source.source.kind,
                    one_line(error, MAX_ERROR_CHARS),
                    later(now, backoff_s(source.source.every_s, failures)),
                    stamp(now),
                    source.id,
                ),
            )
        return self.get(source.source.url)

    def to_announce(self, min_failures: int) -> list[FeedSource]:
        """Sources failing `min_failures` polls in a row whose failing was not announced."""
        with self._store._read() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM sources WHERE failures >= ? AND failure_announced = 0"
                " ORDER BY id",
                (min_failures,),
            ).fetchall()
        return [_record(row) for row in rows]

    def mark_announced(self, url: str) -> bool:
        """Remember that `url`'s failing was announced (until it next succeeds)."""
        with self._store.transaction() as db:
            cursor = db.execute("UPDATE sources SET failure_announced = 1 WHERE url = ?", (url,))
            return cursor.rowcount > 0

    def entries(self, url: str) -> int:
        """How many entries of `url` are remembered as read."""
        with self._store._read() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM source_entries e JOIN sources s ON s.id = e.source_id"
                " WHERE s.url = ?",
                (url,),
            ).fetchone()
        return int(row[0])


def _exists(db: sqlite3.Connection, source_id: int) -> bool:
    return db.execute("SELECT 1 FROM sources WHERE id = ?", (source_id,)).fetchone() is not None


def _forget_unlisted(
    db: sqlite3.Connection, source_id: int, listed: Sequence[str], before: datetime
) -> None:
    """Forgetting an entry is safe: should the feed list it again, its article is
    read again and, unchanged, skipped by the pipeline (same key, same hash)."""
    old = [
        row[0]
        for row in db.execute(
            "SELECT entry FROM source_entries WHERE source_id = ? AND seen_at < ?",
            (source_id, stamp(before)),
        )
    ]
    keep = set(listed)
    db.executemany(
        "DELETE FROM source_entries WHERE source_id = ? AND entry = ?",
        [(source_id, entry) for entry in old if entry not in keep],
    )
