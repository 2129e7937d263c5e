"""What the bot posts by itself (the mixin `Subscriptions` of `NewsIndex`): follows of a
topic, daily digests and feed channels per server, and the alert tick that turns the
articles polls brought into posts, one per story and channel.

Only articles a poll added after its source's first poll are news to announce (a new
source's backlog, hand ingests and `newsdesk ingest` are read, never posted), and a
subscription only sees what arrived after it was made: no backlog is ever posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from index.alerts.ledger import Ledger, Planned, PostRow
from index.alerts.planner import (
    digest_day,
    feed_takes,
    filter_words,
    flood_plan,
    parse_time,
)
from index.alerts.records import (
    DigestPost,
    DigestSchedule,
    FeedChannel,
    Follow,
    MoreStories,
    Outbox,
    StoryCard,
    StoryEdit,
    StoryPost,
)
from index.alerts.rows import AlertRows, Arrival
from index.config import AlertsConfig
from index.errors import InputError
from index.newsroom import Newsroom
from index.records import FeedSource
from index.search.query import clip_question
from index.sources.rows import source_url
from index.sources.schedule import utc_now
from index.storage.story_rows import MemberRow

MAX_TOPIC_CHARS = 200
ARRIVALS_PER_READ = 200
READS_PER_TICK = 10  # a tick looks at most 2,000 arrivals; the next one goes on
BATCH_STORIES = 10  # stories one "more stories" message lists


class Subscriptions(Newsroom):
    """Follows, digest schedules, feed channels and the alert tick."""

    _alerts: AlertRows
    _ledger: Ledger
    alerts_config: AlertsConfig

    def sources(self) -> list[FeedSource]:
        raise NotImplementedError  # the engine's: the bot's sources

    # -- follows ------------------------------------------------------------
    def follow(
        self,
        guild_id: int,
        channel_id: int,
        topic: str,
        *,
        role_id: int | None = None,
        now: datetime | None = None,
    ) -> Follow:
        """Post new stories about `topic` in a channel of a server from now on (what is
        already read is not posted); a role, when given, is pinged by each post."""
        text = clip_question(topic)
        if not text:
            raise InputError("a follow needs a topic, such as 'Ukraine grain deal'")
        if len(text) > MAX_TOPIC_CHARS:
            raise InputError(f"a topic is at most {MAX_TOPIC_CHARS} characters")
        if role_id is not None and role_id == guild_id:
            raise InputError("a follow cannot ping @everyone: pick a role")
        self._check_room(guild_id)
        return self._alerts.add_follow(guild_id, channel_id, text, role_id, now or utc_now())

    def unfollow(self, guild_id: int, topic: str, *, channel_id: int | None = None) -> int:
        """Stop following `topic` in a server (in one channel when given); how many went."""
        return self._alerts.remove_follows(guild_id, clip_question(topic), channel_id)

    def follows(self, guild_id: int | None = None) -> list[Follow]:
        """A server's follows (every server's, with None), oldest first."""
        return self._alerts.follows(guild_id)

    # -- digests ------------------------------------------------------------
    def schedule_digest(
        self, guild_id: int, channel_id: int, at: str, *, topic: str = ""
    ) -> DigestSchedule:
        """Post the day's main stories (about `topic`, when given) in a channel daily at
        `at` ("HH:MM" in the configured timezone), replacing the channel's schedule."""
        text = clip_question(topic)
        if len(text) > MAX_TOPIC_CHARS:
            raise InputError(f"a topic is at most {MAX_TOPIC_CHARS} characters")
        when = parse_time(at)
        if not any(d.channel_id == channel_id for d in self._alerts.digests(guild_id)):
            self._check_room(guild_id)
        return self._alerts.set_digest(guild_id, channel_id, when, text)

    def unschedule_digest(self, guild_id: int, channel_id: int) -> bool:
        """Stop a channel's daily digest; False when it had none."""
        return self._alerts.remove_digest(guild_id, channel_id)

    def digest_schedules(self, guild_id: int | None = None) -> list[DigestSchedule]:
        """A server's daily digests (every server's, with None), by time."""
        return self._alerts.digests(guild_id)

    # -- feed channels ------------------------------------------------------
    def route_feed(
        self,
        guild_id: int,
        channel_id: int,
        source: str,
        *,
        include: str = "",
        exclude: str = "",
        now: datetime | None = None,
    ) -> FeedChannel:
        """Post each new story of one of the bot's sources in a channel (only those with
        an `include` word when given, never those with an `exclude` word; comma-separated)."""
        url = source_url(source)
        wanted, unwanted = filter_words(include), filter_words(exclude)
        if not any(s.url == url for s in self.sources()):
            raise InputError(f"{url} is not one of my sources: see /sources list")
        self._check_room(guild_id)
        return self._alerts.add_feed(guild_id, channel_id, url, wanted, unwanted, now or utc_now())

    def unroute_feed(self, guild_id: int, source: str, *, channel_id: int | None = None) -> int:
        """Stop posting a source in a server (in one channel when given); how many went."""
        url = source_url(source)
        return self._alerts.remove_feeds(guild_id, url, channel_id)

    def feed_channels(self, guild_id: int | None = None) -> list[FeedChannel]:
        """A server's feed channels (every server's, with None)."""
        return self._alerts.feeds(guild_id)

    def forget_channel(self, channel_id: int) -> None:
        """Drop a deleted channel's follows, feeds, digest and unsent posts."""
        self._alerts.drop_channel(channel_id)

    def _check_room(self, guild_id: int) -> None:
        limit = self.alerts_config.max_per_server
        used = (
            len(self._alerts.follows(guild_id))
            + len(self._alerts.digests(guild_id))
            + len(self._alerts.feeds(guild_id))
        )
        if used >= limit:
            raise InputError(
                f"this server has {used} follows, digests and feeds, the most I keep"
                " for one server: remove one first"
            )

    # -- the alert tick -----------------------------------------------------
    def alerts(self, now: datetime | None = None) -> Outbox:
        """Match what polls brought since the last tick against every follow and feed
        channel (recorded in the ledger at once, so a restart neither repeats nor misses
        any), then say what to send now: edits of posted stories that another outlet
        reported, new posts within each channel's hourly limit (the rest in one "more
        stories" message, or waiting), and the digests due."""
        moment = now or utc_now()
        self._match_arrivals(moment)
        outbox = self._plan_posts(moment)
        return Outbox(
            edits=outbox.edits,
            posts=outbox.posts,
            batches=outbox.batches,
            digests=tuple(self._due_digests(moment)),
        )

    def alert_sent(
        self, post_ids: Sequence[int], channel_id: int, message_id: int, now: datetime | None = None
    ) -> None:
        """Record a message sent for these posts (one post, or a batch)."""
        self._ledger.mark_sent(post_ids, channel_id, message_id, now or utc_now())

    def alert_edited(self, post_id: int) -> None:
        """Record that a post's message now shows every outlet."""
        self._ledger.mark_edited(post_id)

    def alert_failed(self, post_ids: Sequence[int]) -> None:
        """Record that Discord refused these posts (retried, then given up)."""
        self._ledger.mark_failed(post_ids)

    def digest_sent(self, schedule_id: int, day: str) -> None:
        """Record that a schedule's digest of `day` was posted (or had nothing to say)."""
        self._alerts.digest_posted(schedule_id, day)

    def _match_arrivals(self, now: datetime) -> None:
        for _ in range(READS_PER_TICK):
            arrivals = self._alerts.arrivals_after(self._alerts.cursor(), ARRIVALS_PER_READ)
            if not arrivals:
                return
            planned = self._follow_plans(arrivals) + self._feed_plans(arrivals)
            self._ledger.plan(planned, arrivals, now)

    def _follow_plans(self, arrivals: Sequence[Arrival]) -> list[Planned]:
        starts = self._alerts.follow_starts()
        by_topic: dict[str, list[Follow]] = {}
        for follow in self._alerts.follows():
            by_topic.setdefault(follow.topic.casefold(), []).append(follow)
        planned: list[Planned] = []
        for follows in by_topic.values():
            first = min(starts.get(f.id, 0) for f in follows)
            seen = [a for a in arrivals if a.seq > first]
            if not seen:
                continue
            arrival_of = {a.article_id: a for a in seen}
            for match in self.follow_matches(follows[0].topic, [a.article_id for a in seen]):
                if not match.matched:
                    continue
                arrival = arrival_of[match.article_id]
                planned.extend(
                    Planned(
                        f.guild_id,
                        f.channel_id,
                        arrival.story_id,
                        arrival.article_id,
                        "follow",
                        f.topic,
                        f.role_id,
                        match.sentence,
                    )
                    for f in follows
                    if arrival.seq > starts.get(f.id, 0)
                )
        return planned

    def _feed_plans(self, arrivals: Sequence[Arrival]) -> list[Planned]:
        from index.stories.digest import lead_sentence

        starts = self._alerts.feed_starts()
        titles = {s.url: s.title for s in self.sources()}
        planned: list[Planned] = []
        for feed in self._alerts.feeds():
            for arrival in arrivals:
                if arrival.seq > starts.get(feed.id, 0) and feed_takes(feed, arrival):
                    planned.append(
                        Planned(
                            feed.guild_id,
                            feed.channel_id,
                            arrival.story_id,
                            arrival.article_id,
                            "feed",
                            titles.get(feed.source_url) or feed.source_url,
                            None,
                            lead_sentence(arrival.lead),
                        )
                    )
        return planned

    def _plan_posts(self, now: datetime) -> Outbox:
        rows = self._ledger.pending()
        cards = self._cards(rows)
        edits = tuple(
            StoryEdit(r.id, r.channel_id, r.message_id, cards[r.id], r.reason, r.label)
            for r in rows
            if r.state == "sent" and r.message_id is not None and r.id in cards
        )
        waiting: dict[int, list[PostRow]] = {}
        for row in rows:
            if row.state == "pending" and row.id in cards:
                waiting.setdefault(row.channel_id, []).append(row)
        sent = self._ledger.sent_within(waiting, now)
        posts: list[StoryPost] = []
        batches: list[MoreStories] = []
        for channel_id, pending in waiting.items():
            alone, batch = flood_plan(
                pending, sent[channel_id], self.alerts_config.posts_per_hour, BATCH_STORIES
            )
            posts.extend(
                StoryPost(r.id, r.guild_id, r.channel_id, cards[r.id], r.reason, r.label, r.role_id)
                for r in alone
            )
            if batch:
                batches.append(
                    MoreStories(
                        tuple(r.id for r in batch), channel_id, tuple(cards[r.id] for r in batch)
                    )
                )
        return Outbox(edits=edits, posts=tuple(posts), batches=tuple(batches))

    def _cards(self, rows: Sequence[PostRow]) -> dict[int, StoryCard]:
        """What each post shows: the article that matched first (headline, link, outlet,
        date), the matching sentence, and every other outlet the story has now. A post
        whose articles are all gone (pruned) gets none."""
        from index.stories.listing import other_outlets

        if not rows:
            return {}
        members: dict[int, list[MemberRow]] = {}
        for member in self._store.story_members([r.story_id for r in rows]):
            members.setdefault(member.story_id, []).append(member)
        cards: dict[int, StoryCard] = {}
        for row in rows:
            story = members.get(row.story_id, [])
            by_id = {m.article_id: m for m in story}
            head = next((by_id[a] for a in row.articles if a in by_id), None)
            if head is None:
                continue
            cards[row.id] = StoryCard(
                story_id=row.story_id,
                headline=head.title.strip(),
                url=head.url,
                outlet=head.source.strip(),
                published=head.published,
                sentence=row.sentence,
                also_reported_by=other_outlets(story, head.source),
            )
        return cards

    def _due_digests(self, now: datetime) -> list[DigestPost]:
        local = now.astimezone(ZoneInfo(self.alerts_config.timezone))
        due: list[DigestPost] = []
        for schedule in self._alerts.digests():
            day = digest_day(schedule.at, schedule.last_day, local)
            if not day:
                continue
            digest = self.digest(days=1, now=local.date(), topic=schedule.topic or None)
            if not digest.stories and not self.alerts_config.say_when_quiet:
                self._alerts.digest_posted(schedule.id, day)
                continue
            due.append(DigestPost(schedule, day, digest))
        return due
