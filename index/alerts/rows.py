"""The SQL of what the bot posts by itself, over the index's `Store`: arrivals (the
articles polls brought, in order), follows, digest schedules, feed channels, and the
ledger of posts (one row per channel and story) with the messages sent per channel."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.alerts.records import DigestSchedule, FeedChannel, Follow
from index.sources.schedule import stamp
from index.storage.store import Store

FLOOD_WINDOW = timedelta(hours=1)
MAX_ATTEMPTS = 3  # a post Discord refused this often is given up (logged by the bot)


@dataclass(frozen=True)
class Arrival:
    """An article a poll brought after its source's first poll: news to announce."""

    seq: int
    article_id: int
    story_id: int
    source_url: str
    title: str
    lead: str  # the opening passage (what include / exclude words are looked for in)


@dataclass(frozen=True)
class PostRow:
    """One row of the ledger: a story planned, sent or batched in a channel."""

    id: int
    guild_id: int
    channel_id: int
    story_id: int
    reason: str
    label: str
    role_id: int | None
    sentence: str
    articles: tuple[int, ...]
    state: str  # pending, sent, batched, dropped
    stale: bool  # sent, and another outlet's article joined it since: edit the message
    message_id: int | None
    planned_at: str


@dataclass(frozen=True)
class Planned:
    """A story a subscription wants in a channel (before the ledger has it)."""

    guild_id: int
    channel_id: int
    story_id: int
    article_id: int
    reason: str
    label: str
    role_id: int | None
    sentence: str


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


def _post(row: Sequence[object]) -> PostRow:
    (pid, guild, channel, story, reason, label, role, sentence, articles, state, stale,
     message, planned) = row  # fmt: skip
    return PostRow(
        int(str(pid)),
        int(str(guild)),
        int(str(channel)),
        int(str(story)),
        str(reason),
        str(label),
        None if role is None else int(str(role)),
        str(sentence),
        tuple(int(a) for a in json.loads(str(articles))),
        str(state),
        bool(stale),
        None if message is None else int(str(message)),
        str(planned),
    )


_FOLLOW = "id, guild_id, channel_id, topic, role_id, created_at"
_DIGEST = "id, guild_id, channel_id, at, topic, last_day"
_FEED = "id, guild_id, channel_id, source_url, include, exclude, created_at"
_POST = (
    "id, guild_id, channel_id, story_id, reason, label, role_id, sentence, articles, state,"
    " stale, message_id, planned_at"
)


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

    # -- the ledger ---------------------------------------------------------
    def plan(self, planned: Iterable[Planned], arrivals: Sequence[Arrival], now: datetime) -> None:
        """In one transaction: add each planned story to its channel's ledger (a story
        already there gains the article instead), mark posts of stories that gained an
        article as needing an edit, and move the cursor past `arrivals`."""
        moment = stamp(now)
        with self._store.transaction() as db:
            for plan in planned:
                db.execute(
                    "INSERT OR IGNORE INTO posts(guild_id, channel_id, story_id, reason, label,"
                    " role_id, sentence, articles, planned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        plan.guild_id,
                        plan.channel_id,
                        plan.story_id,
                        plan.reason,
                        plan.label,
                        plan.role_id,
                        plan.sentence,
                        json.dumps([plan.article_id]),
                        moment,
                    ),
                )
            for arrival in arrivals:
                rows = db.execute(
                    "SELECT id, articles, state FROM posts WHERE story_id = ?",
                    (arrival.story_id,),
                ).fetchall()
                for pid, articles, state in rows:
                    ids = json.loads(articles)
                    if arrival.article_id in ids:
                        continue
                    db.execute(
                        "UPDATE posts SET articles = ?, stale = ? WHERE id = ?",
                        (json.dumps([*ids, arrival.article_id]), int(state == "sent"), pid),
                    )
            if arrivals:
                db.execute(
                    "INSERT INTO meta(key, value) VALUES ('alerts_seq', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(arrivals[-1].seq),),
                )

    def pending(self) -> list[PostRow]:
        """Posts to send (oldest first) and sent posts to edit."""
        with self._store._read() as db:
            rows = db.execute(
                f"SELECT {_POST} FROM posts WHERE state = 'pending'"
                " OR (state = 'sent' AND stale = 1) ORDER BY id"
            ).fetchall()
        return [_post(row) for row in rows]

    def sent_within(self, channel_ids: Iterable[int], now: datetime) -> dict[int, int]:
        """Messages the bot posted by itself in each channel over the last hour."""
        since = stamp(now - FLOOD_WINDOW)
        out: dict[int, int] = {}
        with self._store._read() as db:
            for channel in set(channel_ids):
                row = db.execute(
                    "SELECT COUNT(*) FROM channel_messages WHERE channel_id = ? AND sent_at > ?",
                    (channel, since),
                ).fetchone()
                out[channel] = int(row[0])
        return out

    def mark_sent(
        self, post_ids: Sequence[int], channel_id: int, message_id: int, now: datetime
    ) -> None:
        """Record one message sent in a channel carrying these posts (one post, or a
        batch: then they are 'batched' and never edited)."""
        state = "sent" if len(post_ids) == 1 else "batched"
        moment = stamp(now)
        with self._store.transaction() as db:
            db.executemany(
                "UPDATE posts SET state = ?, message_id = ?, sent_at = ?, stale = 0 WHERE id = ?",
                [(state, message_id, moment, pid) for pid in post_ids],
            )
            db.execute(
                "INSERT INTO channel_messages(channel_id, sent_at) VALUES (?, ?)",
                (channel_id, moment),
            )
            db.execute(
                "DELETE FROM channel_messages WHERE sent_at < ?",
                (stamp(now - 24 * FLOOD_WINDOW),),
            )

    def mark_edited(self, post_id: int) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE posts SET stale = 0 WHERE id = ?", (post_id,))

    def mark_failed(self, post_ids: Sequence[int]) -> None:
        """Count a refused send; a post refused MAX_ATTEMPTS times is dropped (an edit
        refused is given up at once: the post stands as it was)."""
        with self._store.transaction() as db:
            db.executemany(
                "UPDATE posts SET attempts = attempts + 1, stale = 0,"
                " state = CASE WHEN state = 'pending' AND attempts + 1 >= ? THEN 'dropped'"
                " ELSE state END WHERE id = ?",
                [(MAX_ATTEMPTS, pid) for pid in post_ids],
            )

    def drop_channel(self, channel_id: int) -> None:
        """Forget a channel the bot can no longer see: its subscriptions and pending posts."""
        with self._store.transaction() as db:
            for table in ("follows", "feed_channels", "digests"):
                db.execute(f"DELETE FROM {table} WHERE channel_id = ?", (channel_id,))
            db.execute(
                "UPDATE posts SET state = 'dropped' WHERE channel_id = ? AND state = 'pending'",
                (channel_id,),
            )
