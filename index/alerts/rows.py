"""The SQL of what the bot is asked to post, over the index's `Store`: arrivals (the
articles polls brought, in order) with the alerts' cursor, follows, digest schedules
and feed channels. The ledger of posts sent or to send is in `ledger`."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from index.alerts.records import DigestSchedule, FeedChannel, Follow
from index.sources.schedule import stamp
from index.storage.store import Store


@dataclass(frozen=True)
class Arrival:
    """An article a poll brought after its source's first poll: news to announce."""

    seq: int
    article_id: int
    story_id: int
    source_url: str
    title: str
    lead: str  # the opening passage (what include / exclude words are looked for in)


def _follow(row: Sequence[object]) -> Follow:
    fid, guild, channel, topic, role, created = row
    return Follow(
        int(str(fid)),
        int(str(guild)),
        int(str(channel)),
        str(topic),
        None if role is None else int(str(role)),
        str(created),
    )


def _digest(row: Sequence[object]) -> DigestSchedule:
    did, guild, channel, at, topic, last_day = row
    return DigestSchedule(
        int(str(did)), int(str(guild)), int(str(channel)), str(at), str(topic), str(last_day)
    )


def _feed(row: Sequence[object]) -> FeedChannel:
    fid, guild, channel, url, include, exclude, created = row
    return FeedChannel(
        int(str(fid)),
        int(str(guild)),
        int(str(channel)),
        str(url),
        tuple(w for w in str(include).split("\n") if w),
        tuple(w for w in str(exclude).split("\n") if w),
        str(created),
    )


_FOLLOW = "id, guild_id, channel_id, topic, role_id, created_at"
_DIGEST = "id, guild_id, channel_id, at, topic, last_day"
_FEED = "id, guild_id, channel_id, source_url, include, exclude, created_at"


def _last_seq(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT MAX(seq) FROM arrivals").fetchone()
    return int(row[0] or 0)


class AlertRows:
    """Reads and writes the alert tables of one index."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- arrivals -----------------------------------------------------------
    def arrivals_after(self, seq: int, limit: int) -> list[Arrival]:
        """The next `limit` arrivals after `seq` whose article is still stored, in order."""
        with self._store._read() as db:
            rows = db.execute(
                "SELECT r.seq, a.id, a.story_id, r.source_url, a.title,"
                " COALESCE(p.text, '') FROM arrivals r JOIN articles a ON a.id = r.article_id"
                " LEFT JOIN passages p ON p.article_id = a.id AND p.position = 0"
                " WHERE r.seq > ? ORDER BY r.seq LIMIT ?",
                (seq, int(limit)),
            ).fetchall()
        return [
            Arrival(int(s), int(a), int(story), str(url), str(title), str(lead))
            for s, a, story, url, title, lead in rows
        ]

    def cursor(self) -> int:
        """The last arrival the alerts have looked at."""
        return int(self._store.get_meta("alerts_seq") or 0)

    # -- follows ------------------------------------------------------------
    def add_follow(
        self, guild_id: int, channel_id: int, topic: str, role_id: int | None, now: datetime
    ) -> Follow:
        """Follow `topic` in a channel from now on (a follow of the same topic there has
        its role replaced)."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO follows(guild_id, channel_id, topic, role_id, created_at, start_seq)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id, channel_id, topic)"
                " DO UPDATE SET role_id = excluded.role_id",
                (guild_id, channel_id, topic, role_id, stamp(now), _last_seq(db)),
            )
            row = db.execute(
                f"SELECT {_FOLLOW} FROM follows WHERE guild_id = ? AND channel_id = ?"
                " AND topic = ?",
                (guild_id, channel_id, topic),
            ).fetchone()
        return _follow(row)

    def remove_follows(self, guild_id: int, topic: str, channel_id: int | None) -> int:
        """Drop the server's follows of `topic` (case-insensitive; in one channel when
        given); how many went."""
        wanted = topic.casefold()  # SQLite's LOWER() folds ASCII only
        with self._store.transaction() as db:
            ids = [
                (fid,)
                for fid, stored in db.execute(
                    "SELECT id, topic FROM follows WHERE guild_id = ?"
                    " AND (? IS NULL OR channel_id = ?)",
                    (guild_id, channel_id, channel_id),
                )
                if str(stored).casefold() == wanted
            ]
            db.executemany("DELETE FROM follows WHERE id = ?", ids)
            return len(ids)

    def follows(self, guild_id: int | None = None) -> list[Follow]:
        """The follows of one server (of all, with None), oldest first."""
        with self._store._read() as db:
            rows = db.execute(
                f"SELECT {_FOLLOW} FROM follows WHERE ? IS NULL OR guild_id = ? ORDER BY id",
                (guild_id, guild_id),
            ).fetchall()
        return [_follow(row) for row in rows]

    def follow_starts(self) -> dict[int, int]:
        """Each follow's first arrival to consider (later than its start)."""
        with self._store._read() as db:
            return {int(i): int(s) for i, s in db.execute("SELECT id, start_seq FROM follows")}

    # -- digests ------------------------------------------------------------
    def set_digest(self, guild_id: int, channel_id: int, at: str, topic: str) -> DigestSchedule:
        """Post a digest in the channel daily at `at` (replacing its schedule)."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO digests(guild_id, channel_id, at, topic) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(channel_id) DO UPDATE SET guild_id = excluded.guild_id,"
                " at = excluded.at, topic = excluded.topic",
                (guild_id, channel_id, at, topic),
            )
            row = db.execute(
                f"SELECT {_DIGEST} FROM digests WHERE channel_id = ?", (channel_id,)
            ).fetchone()
        return _digest(row)

    def remove_digest(self, guild_id: int, channel_id: int) -> bool:
        with self._store.transaction() as db:
            return (
                db.execute(
                    "DELETE FROM digests WHERE guild_id = ? AND channel_id = ?",
                    (guild_id, channel_id),
                ).rowcount
                > 0
            )

    def digests(self, guild_id: int | None = None) -> list[DigestSchedule]:
        with self._store._read() as db:
            rows = db.execute(
                f"SELECT {_DIGEST} FROM digests WHERE ? IS NULL OR guild_id = ? ORDER BY at, id",
                (guild_id, guild_id),
            ).fetchall()
        return [_digest(row) for row in rows]

    def digest_posted(self, schedule_id: int, day: str) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE digests SET last_day = ? WHERE id = ?", (day, schedule_id))

    # -- feed channels ------------------------------------------------------
    def add_feed(
        self,
        guild_id: int,
        channel_id: int,
        source_url: str,
        include: Sequence[str],
        exclude: Sequence[str],
        now: datetime,
    ) -> FeedChannel:
        """Post the source's new stories in the channel from now on (its filters replaced
        when it is routed there already)."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO feed_channels(guild_id, channel_id, source_url, include, exclude,"
                " created_at, start_seq) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(guild_id, channel_id, source_url) DO UPDATE SET"
                " include = excluded.include, exclude = excluded.exclude",
                (
                    guild_id,
                    channel_id,
                    source_url,
                    "\n".join(include),
                    "\n".join(exclude),
                    stamp(now),
                    _last_seq(db),
                ),
            )
            row = db.execute(
                f"SELECT {_FEED} FROM feed_channels WHERE guild_id = ? AND channel_id = ?"
                " AND source_url = ?",
                (guild_id, channel_id, source_url),
            ).fetchone()
        return _feed(row)

    def remove_feeds(self, guild_id: int, source_url: str, channel_id: int | None) -> int:
        with self._store.transaction() as db:
            return db.execute(
                "DELETE FROM feed_channels WHERE guild_id = ? AND source_url = ?"
                " AND (? IS NULL OR channel_id = ?)",
                (guild_id, source_url, channel_id, channel_id),
            ).rowcount

    def feeds(self, guild_id: int | None = None) -> list[FeedChannel]:
        with self._store._read() as db:
            rows = db.execute(
                f"SELECT {_FEED} FROM feed_channels WHERE ? IS NULL OR guild_id = ? ORDER BY id",
                (guild_id, guild_id),
            ).fetchall()
        return [_feed(row) for row in rows]

    def feed_starts(self) -> dict[int, int]:
        with self._store._read() as db:
            return {
                int(i): int(s) for i, s in db.execute("SELECT id, start_seq FROM feed_channels")
            }

    def drop_channel(self, channel_id: int) -> None:
        """Forget a channel the bot can no longer see: its subscriptions and pending posts."""
        with self._store.transaction() as db:
            for table in ("follows", "feed_channels", "digests"):
                db.execute(f"DELETE FROM {table} WHERE channel_id = ?", (channel_id,))
            db.execute(
                "UPDATE posts SET state = 'dropped' WHERE channel_id = ? AND state = 'pending'",
                (channel_id,),
            )
