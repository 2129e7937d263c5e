"""Records of what the bot posts by itself: follows, digest schedules, feed channels,
and the posts planned for Discord. All are frozen dataclasses.

Every subscription belongs to the server (guild) that made it: reads and removals
take the guild id, so one server never sees or changes another's.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.records import Digest


@dataclass(frozen=True)
class Follow:
    """A topic a server follows in one channel: matching new stories are posted there.

    `role_id` is the one role the post pings (None: no ping).
    """

    id: int
    guild_id: int
    channel_id: int
    topic: str
    role_id: int | None
    created_at: str  # ISO UTC time


@dataclass(frozen=True)
class DigestSchedule:
    """A daily digest: at `at` ("HH:MM", in the configured timezone) the day's main
    stories (about `topic` when given) are posted in the channel."""

    id: int
    guild_id: int
    channel_id: int
    at: str
    topic: str  # "" for all the news
    last_day: str  # the local day (ISO) of the last digest posted, "" when none


@dataclass(frozen=True)
class FeedChannel:
    """One of the bot's sources routed to a channel: each new story it brings is posted
    there when it carries one of `include` (any, when empty) and none of `exclude`."""

    id: int
    guild_id: int
    channel_id: int
    source_url: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    created_at: str


@dataclass(frozen=True)
class StoryCard:
    """What a post about one story shows; every text comes from articles (untrusted)."""

    story_id: int
    headline: str
    url: str
    outlet: str
    published: str
    sentence: str  # the sentence that matches the follow, or the story's lead
    also_reported_by: tuple[str, ...]  # other outlets that carry the story


@dataclass(frozen=True)
class StoryPost:
    """A new post of one story in one channel (`post_id` is its row in the ledger).

    `reason` is why it is posted ("follow", "feed"), `label` the follow's topic or the
    feed's title, `role_id` the role to ping (only a follow's, and only when set).
    """

    post_id: int
    guild_id: int
    channel_id: int
    card: StoryCard
    reason: str
    label: str
    role_id: int | None = None


@dataclass(frozen=True)
class StoryEdit:
    """A story already posted in a channel was reported by another outlet: the post
    (`message_id`) is edited to show it, never posted again."""

    post_id: int
    channel_id: int
    message_id: int
    card: StoryCard
    reason: str
    label: str


@dataclass(frozen=True)
class MoreStories:
    """Stories over a channel's hourly post limit, batched into one message."""

    post_ids: tuple[int, ...]
    channel_id: int
    cards: tuple[StoryCard, ...]


@dataclass(frozen=True)
class DigestPost:
    """A daily digest due now in one channel (see `NewsIndex.digest`)."""

    schedule: DigestSchedule
    day: str  # the local day it is the digest of
    digest: Digest  # no stories: nothing new that day


@dataclass(frozen=True)
class Outbox:
    """What one alert tick asks the bot to send, in order: edits first (cheap, no flood
    budget), then new posts, batches and digests."""

    edits: tuple[StoryEdit, ...] = ()
    posts: tuple[StoryPost, ...] = ()
    batches: tuple[MoreStories, ...] = ()
    digests: tuple[DigestPost, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.edits or self.posts or self.batches or self.digests)
