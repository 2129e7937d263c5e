"""Deciding what the bot posts by itself: which new stories a feed channel takes, which
posts fit a channel's hourly limit and which wait or go into one "more stories"
message, and whether a daily digest is due. Pure functions; the SQL is in `rows` and
`ledger`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from index.alerts.ledger import PostRow
from index.alerts.records import FeedChannel
from index.alerts.rows import Arrival
from index.errors import InputError

MAX_FILTER_WORDS = 20
MAX_FILTER_CHARS = 60
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def filter_words(text: str) -> tuple[str, ...]:
    """The words or phrases of an include / exclude filter ("ukraine, power grid"):
    comma-separated, case and spacing folded; InputError past the limits."""
    words = tuple(
        dict.fromkeys(" ".join(part.split()).casefold() for part in text.split(",") if part.strip())
    )
    if len(words) > MAX_FILTER_WORDS:
        raise InputError(f"at most {MAX_FILTER_WORDS} filter words, got {len(words)}")
    long = next((w for w in words if len(w) > MAX_FILTER_CHARS), None)
    if long is not None:
        raise InputError(f"a filter word is at most {MAX_FILTER_CHARS} characters: {long[:20]!r}…")
    return words


def _has(text: str, phrase: str) -> bool:
    # Whole words only: "war" must not let "software" or "Warsaw" through.
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def feed_takes(feed: FeedChannel, arrival: Arrival) -> bool:
    """Whether a feed channel posts this arrival: from its source, carrying one of its
    include words (any article, when it has none) and none of its exclude words, in
    the title or the opening passage (what a feed's entry shows)."""
    if arrival.source_url != feed.source_url:
        return False
    text = " ".join(f"{arrival.title}\n{arrival.lead}".casefold().split())
    if any(_has(text, word) for word in feed.exclude):
        return False
    return not feed.include or any(_has(text, word) for word in feed.include)


@dataclass(frozen=True)
class ChannelPlan:
    """What one channel gets this tick: posts one by one, then the rest in one batch
    (empty when none); the others wait for the hourly limit to free."""

    channel_id: int
    posts: tuple[PostRow, ...]
    batch: tuple[PostRow, ...]


def flood_plan(
    pending: Sequence[PostRow], sent_last_hour: int, per_hour: int, batch_size: int
) -> tuple[tuple[PostRow, ...], tuple[PostRow, ...]]:
    """Split one channel's pending posts (oldest first) into those posted one by one and
    those batched into one "more stories" message, so that the channel gets at most
    `per_hour` messages an hour; nothing when the hour's messages are spent.

    With room for r messages and more than r stories, r - 1 go out alone and the next
    `batch_size` share the last message; stories beyond wait for the next hour.
    """
    room = per_hour - sent_last_hour
    if room <= 0 or not pending:
        return (), ()
    if len(pending) <= room:
        return tuple(pending), ()
    alone = tuple(pending[: room - 1])
    return alone, tuple(pending[room - 1 : room - 1 + batch_size])


def parse_time(text: str) -> str:
    """A digest time as "HH:MM" (24-hour); InputError for anything else."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise InputError(f"the time is HH:MM on a 24-hour clock, such as 07:30; got {text[:20]!r}")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def digest_day(at: str, last_day: str, local_now: datetime) -> str:
    """The local day (ISO) whose digest is due at `local_now`, or "" when none is: due
    once a day, from its time on (a bot that was down at that time posts it when it
    starts, the same day; a day it missed entirely is not posted late)."""
    day = local_now.date().isoformat()
    if last_day >= day or local_now.strftime("%H:%M") < at:
        return ""
    return day
