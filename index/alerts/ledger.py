"""The ledger of what the bot posts by itself, over the index's `Store`: one row per
channel and story (the `posts` table), and the messages sent per channel (the
`channel_messages` table) that the hourly limit counts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.alerts.rows import Arrival
from index.sources.schedule import stamp
from index.storage.store import Store

FLOOD_WINDOW = timedelta(hours=1)
MAX_ATTEMPTS = 3  # a post Discord refused this often is given up (logged by the bot)


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


_POST = (
    "id, guild_id, channel_id, story_id, reason, label, role_id, sentence, articles, state,"
    " stale, message_id, planned_at"
)


class Ledger:
    """Reads and writes the ledger of one index: posts planned, sent, edited or refused."""

    def __init__(self, store: Store) -> None:
        self._store = store

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
