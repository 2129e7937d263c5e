"""End to end: follows, daily digests and feed channels through the real discord.py client
and the fake Discord, with a real NewsIndex fed by feeds served on 127.0.0.1.

The bot's own loops poll the sources and run the alert tick; the engine's clock is the
only thing a test moves (`AlertClock`), so "an hour later" takes no hour. Follows match
by meaning: those tests use the bundled model (`-m model`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.client import NewsBot
from index.alerts.records import Outbox
from index.config import AlertsConfig, DiscordConfig, IndexConfig
from index.engine import NewsIndex
from index.records import Article, PollResult
from tests.fake_discord import ChannelOption, FakeDiscord, RecordedRequest, RoleOption, running_bot
from tests.index.alerts.test_subscriptions import FLOOD, FLOOD_B
from tests.index.sources.conftest import LOOPBACK
from tests.index.sources.documents import RSS, Item, page, rss2
from tests.support.embedders import HashEmbedder
from tests.support.web import Reply, WebServer

NO_MANAGE = 0x400 | 0x800  # View Channel and Send Messages, not Manage Channels
EVENTS = {
    "rates": "The central bank raised interest rates by half a point, citing inflation.",
    "fire": "A wildfire burned across the hills above Port Sable, destroying forty homes.",
    "strike": "Dock workers at Greyhaven walked off the job at dawn, halting container traffic.",
    "vote": "Voters in Eastland elected a new parliament with turnout at a record high.",
    "quake": "An earthquake shook the island of Velmar, cracking roads near the harbour.",
    "drought": "Farmers in the Sorrel valley asked for aid after a third summer of drought.",
}


class AlertClock:
    """A NewsIndex whose polls and alert ticks see a clock the test moves forward."""

    def __init__(self, engine: NewsIndex, base: datetime | None = None) -> None:
        self.engine = engine
        self.base = base  # None: the real time (what sources added now are due by)
        self.offset = timedelta()
        self.polls = 0
        self.ticks = 0

    def now(self) -> datetime:
        return (self.base or datetime.now(UTC)) + self.offset

    def advance(self, minutes: float) -> None:
        self.offset += timedelta(minutes=minutes)

    def poll(self, *, force: bool = False, now: datetime | None = None) -> list[PollResult]:
        results = self.engine.poll(force=force, now=self.now())
        self.polls += 1
        return results

    def alerts(self, now: datetime | None = None) -> Outbox:
        outbox = self.engine.alerts(self.now())
        self.ticks += 1
        return outbox

    def alert_sent(
        self,
        post_ids: Sequence[int],
        channel_id: int,
        message_id: int,
        now: datetime | None = None,
    ) -> None:
        self.engine.alert_sent(post_ids, channel_id, message_id, self.now())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


def open_index(path: Path, embedder: Any = None, **alerts: Any) -> NewsIndex:
    embedder = embedder or HashEmbedder()
    return NewsIndex.open(
        path,
        IndexConfig(path=str(path), model=embedder.name),
        embedder,
        sources=LOOPBACK,
        alerts=AlertsConfig(**{"tick_seconds": 0.05, **alerts}),
    )


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def run(server: FakeDiscord, engine: Any):
    settings = DiscordConfig(answer_channels=(), dev_guild_id=None)
    bot = NewsBot(engine, settings, guild_ready_timeout=0, poll_every_s=0.05)
    return running_bot(server, bot)


def serve(web: WebServer, path: str, outlet: str, items: Sequence[tuple[str, list[str]]]) -> None:
    """A feed of `outlet` at `path` listing these (headline, paragraphs), each a page."""
    for n, (title, paragraphs) in enumerate(items):
        web.route(f"{path}/{n}", Reply(page(title, paragraphs, site=outlet)))
    feed = rss2(outlet, [Item(t, web.url(f"{path}/{n}")) for n, (t, _) in enumerate(items)])
    web.route(path, Reply(feed, content_type=RSS))


async def until(predicate: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def ticks(engine: AlertClock, count: int = 3) -> None:
    """Let the bot's alert loop run `count` more ticks."""
    start = engine.ticks
    await until(lambda: engine.ticks >= start + count)


async def new_articles(engine: AlertClock, count: int) -> None:
    """Move the clock past the poll interval; wait until the bot's poll read `count`."""
    before = engine.stats().articles
    engine.advance(31)
    await until(lambda: engine.stats().articles >= before + count)


async def command(
    server: FakeDiscord, name: str, options: dict[str, Any], **kwargs: Any
) -> tuple[RecordedRequest, RecordedRequest | None]:
    """Run a slash command; its callback, and its followup when it deferred."""
    interaction = await server.send_interaction(name, options, **kwargs)
    callback = await server.wait_for_request(
        "POST", rf"/interactions/{interaction['id']}/[^/]+/callback"
    )
    if callback.json["type"] != 5:  # answered at once (a refusal): no followup
        return callback, None
    followup = await server.wait_for_request(
        "POST", rf"/webhooks/{server.app_id}/{interaction['token']}"
    )
    return callback, followup


def posts(server: FakeDiscord, channel_id: str) -> list[RecordedRequest]:
    return [
        r
        for r in server.find_requests("POST", rf"/channels/{channel_id}/messages")
        if r.status == 200
    ]


def titles(requests: Sequence[RecordedRequest]) -> list[str]:
    return [e.get("title", "") for r in requests for e in r.json.get("embeds") or []]


def here(server: FakeDiscord, **fields: Any) -> ChannelOption:
    return ChannelOption(server.channel_id, **fields)


async def test_a_feed_channel_posts_what_passes_its_filters_once_even_after_a_restart(
    server: FakeDiscord, web: WebServer, tmp_path: Path
) -> None:
    index = open_index(tmp_path / "index")
    engine = AlertClock(index)
    serve(web, "/a", "Wire A", [])
    index.add_source(web.url("/a"))
    async with run(server, engine):
        await until(lambda: index.sources()[0].last_success_at != "")  # the backlog poll
        _, added = await command(
            server,
            "feed add",
            {
                "channel": here(server),
                "source": web.url("/a"),
                "include": "homes, harbour",
                "exclude": "wildfire",
            },
        )
        assert added is not None and "will be posted in" in added.json["content"]
        serve(web, "/a", "Wire A", [(k.title(), [v]) for k, v in EVENTS.items()])
        await new_articles(engine, len(EVENTS))
        await until(lambda: posts(server, server.channel_id))
        await ticks(engine)
    # "homes" is in the fire story (excluded: wildfire) only; "harbour" in the quake.
    [post] = posts(server, server.channel_id)
    [embed] = post.json["embeds"]
    assert embed["title"] == "Quake" and embed["url"] == web.url("/a/4")
    assert embed["footer"]["text"] == "Feed: Wire A"
    assert "earthquake" in embed["description"]
    assert post.json["allowed_mentions"] == {"parse": []} and not post.json.get("content")

    index.close()
    reopened = open_index(tmp_path / "index")  # a restart: a new bot on the same directory
    engine = AlertClock(reopened)
    engine.offset = timedelta(minutes=31)
    try:
        async with run(server, engine):
            await ticks(engine, 5)
    finally:
        reopened.close()
    assert len(posts(server, server.channel_id)) == 1  # nothing twice


async def test_a_second_outlets_report_edits_the_post_and_is_not_posted_again(
    server: FakeDiscord, web: WebServer, tmp_path: Path
) -> None:
    index = open_index(tmp_path / "index")
    engine = AlertClock(index)
    serve(web, "/a", "Wire A", [])
    serve(web, "/b", "Wire B", [])
    channel = int(server.channel_id)
    for path in ("/a", "/b"):
        index.add_source(web.url(path))
        index.route_feed(int(server.guild_id), channel, web.url(path))
    try:
        async with run(server, engine):
            await until(lambda: all(s.last_success_at for s in index.sources()))
            serve(web, "/a", "Wire A", [("Marlow flood", FLOOD)])
            await new_articles(engine, 1)
            await until(lambda: posts(server, server.channel_id))
            [post] = posts(server, server.channel_id)
            assert "fields" not in post.json["embeds"][0] or all(
                f["name"] != "Also reported by" for f in post.json["embeds"][0]["fields"]
            )
            serve(web, "/b", "Wire B", [("Floods at Marlow", FLOOD_B)])
            await new_articles(engine, 1)
            edit = await server.wait_for_request(
                "PATCH", rf"/channels/{channel}/messages/\d+", timeout=20
            )
            await ticks(engine)
    finally:
        index.close()
    message_id = edit.path.rsplit("/", 1)[1]
    [post] = posts(server, server.channel_id)  # no second post
    assert len(server.find_requests("PATCH", r"/channels/\d+/messages/\d+")) == 1
    [embed] = edit.json["embeds"]
    assert embed["title"] == "Marlow flood"
    assert {"name": "Also reported by", "value": "Wire B", "inline": True} in embed["fields"]
    assert server._posted[message_id]["embeds"] == edit.json["embeds"]


async def test_the_hourly_limit_posts_some_stories_then_one_more_stories_message(
    server: FakeDiscord, web: WebServer, tmp_path: Path
) -> None:
    index = open_index(tmp_path / "index", posts_per_hour=3)
    engine = AlertClock(index)
    serve(web, "/a", "Wire A", [])
    index.add_source(web.url("/a"))
    index.route_feed(int(server.guild_id), int(server.other_channel_id), web.url("/a"))
    try:
        async with run(server, engine):
            await until(lambda: index.sources()[0].last_success_at != "")
            serve(web, "/a", "Wire A", [(k.title(), [v]) for k, v in EVENTS.items()])
            await new_articles(engine, len(EVENTS))
            await until(lambda: len(posts(server, server.other_channel_id)) >= 3)
            await ticks(engine)
    finally:
        index.close()
    sent = posts(server, server.other_channel_id)
    assert len(sent) == 3  # the hour's limit: 2 stories alone, the rest in one message
    assert titles(sent[2:]) == [f"{len(EVENTS) - 2} more new stories"]
    listed = sent[2].json["embeds"][0]["description"].splitlines()
    assert len(listed) == len(EVENTS) - 2
    shown = {t for t in titles(sent[:2])} | {line.split("[")[1].split("]")[0] for line in listed}
    assert shown == {k.title() for k in EVENTS}  # every story once


async def test_a_daily_digest_posts_at_its_time_once_that_day(
    server: FakeDiscord, tmp_path: Path
) -> None:
    today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    index = open_index(tmp_path / "index")
    engine = AlertClock(index, base=today)
    far = server.far_channel_id
    try:
        async with run(server, engine):
            _, listed = await command(server, "digest", {})
            assert listed is not None
            assert "No daily digest" in listed.json["embeds"][0]["description"]
            _, made = await command(server, "digest", {"channel": here(server), "time": "10:00"})
            assert made is not None and "daily at 10:00 (UTC)" in made.json["content"]
            _, quiet = await command(
                server,
                "digest",
                {"channel": ChannelOption(far, name="elsewhere"), "time": "9:30"},
                guild_id=server.other_guild_id,
                channel_id=far,
            )
            assert quiet is not None and "09:30" in quiet.json["content"]
            _, listed = await command(server, "digest", {})
            assert listed is not None
            text = listed.json["embeds"][0]["description"]
            assert text == f"• <#{server.channel_id}> daily at 10:00 (UTC)"  # not the other's

            await ticks(engine)
            assert not posts(server, server.channel_id) and not posts(server, far)
            engine.advance(31)  # 09:31: the other server's digest, nothing read yet
            await until(lambda: posts(server, far))
            day = today.date().isoformat()
            index.ingest_articles(
                [
                    Article("Marlow flood", " ".join(FLOOD), "Wire A", "https://a.example/1", day),
                    Article("Rates up", EVENTS["rates"], "Wire B", "https://b.example/2", day),
                ]
            )
            await ticks(engine)
            assert not posts(server, server.channel_id)  # 09:31 is before 10:00
            engine.advance(30)  # 10:01
            await until(lambda: posts(server, server.channel_id))
            engine.advance(60 * 5)
            await ticks(engine, 5)
    finally:
        index.close()
    [quiet_post] = posts(server, far)
    assert quiet_post.json["content"] == "Nothing new to report today."
    [digest] = posts(server, server.channel_id)  # once that day
    [embed] = digest.json["embeds"]
    assert embed["title"] == f"Daily digest, {day}"
    assert "[Marlow flood](https://a.example/1)" in embed["description"]
    assert digest.json["allowed_mentions"] == {"parse": []}


async def test_a_member_without_manage_channels_is_refused_politely(
    server: FakeDiscord, web: WebServer, tmp_path: Path
) -> None:
    index = open_index(tmp_path / "index")
    engine = AlertClock(index)
    index.add_source(web.url("/a"))
    reader = server.make_user("reader")
    other = server.other_channel_id
    attempts: list[tuple[str, dict[str, Any], int, str]] = [
        ("follow", {"topic": "floods"}, NO_MANAGE, server.channel_id),
        ("unfollow", {"topic": "floods"}, NO_MANAGE, server.channel_id),
        ("digest", {"time": "07:30"}, NO_MANAGE, server.channel_id),
        # Allowed here, not in the channel named: the channel's own permissions count.
        (
            "follow",
            {"topic": "floods", "channel": ChannelOption(other, permissions=NO_MANAGE)},
            2**53 - 1,
            other,
        ),
        (
            "feed add",
            {"channel": ChannelOption(other, permissions=NO_MANAGE), "source": web.url("/a")},
            2**53 - 1,
            other,
        ),
        ("feed remove", {"source": web.url("/a")}, NO_MANAGE, server.channel_id),
    ]
    try:
        async with run(server, engine):
            for name, options, permissions, where in attempts:
                callback, followup = await command(
                    server, name, options, user=reader, permissions=permissions
                )
                assert followup is None, name
                data = callback.json["data"]
                assert data["flags"] & 64, name  # only the asker sees it
                assert data["content"].startswith(
                    f"You need the Manage Channels permission in <#{where}> to "
                ), name
                assert data["allowed_mentions"] == {"parse": []}
            _, listed = await command(server, "follows", {}, user=reader, permissions=NO_MANAGE)
            assert (
                listed is not None and "follows no topic" in listed.json["embeds"][0]["description"]
            )
        assert index.follows() == [] and index.feed_channels() == []
        assert index.digest_schedules() == []
    finally:
        index.close()


async def test_one_server_cannot_list_or_remove_anothers_follows_or_feeds(
    server: FakeDiscord, web: WebServer, tmp_path: Path
) -> None:
    index = open_index(tmp_path / "index")
    engine = AlertClock(index)
    index.add_source(web.url("/a"))
    elsewhere = {"guild_id": server.other_guild_id, "channel_id": server.far_channel_id}
    try:
        async with run(server, engine):
            _, made = await command(server, "follow", {"topic": "Marlow *flood*"})
            assert made is not None
            assert made.json["content"].startswith(
                f"Following Marlow \\*flood\\* in <#{server.channel_id}>"
            )
            _, routed = await command(
                server, "feed add", {"channel": here(server), "source": web.url("/a")}
            )
            assert routed is not None and "will be posted" in routed.json["content"]

            _, follows = await command(server, "follows", {}, **elsewhere)
            _, feeds = await command(server, "feeds", {}, **elsewhere)
            _, unfollowed = await command(
                server, "unfollow", {"topic": "marlow *flood*"}, **elsewhere
            )
            _, unrouted = await command(
                server, "feed remove", {"source": web.url("/a")}, **elsewhere
            )
            _, mine = await command(server, "follows", {})
        stored = index.follows(int(server.guild_id))
        routes = index.feed_channels(int(server.guild_id))
    finally:
        index.close()
    assert follows is not None and feeds is not None and mine is not None
    assert "(0)" in follows.json["embeds"][0]["title"]
    assert "(0)" in feeds.json["embeds"][0]["title"]
    assert unfollowed is not None and "does not follow" in unfollowed.json["content"]
    assert unrouted is not None and "is not posted in" in unrouted.json["content"]
    assert mine.json["embeds"][0]["description"] == (
        f"**1.** Marlow \\*flood\\* → <#{server.channel_id}>"
    )
    assert [f.topic for f in stored] == ["Marlow *flood*"] and len(routes) == 1


@pytest.mark.model
async def test_real_model_follows_post_matching_stories_once_and_ping_only_their_role(
    server: FakeDiscord, web: WebServer, tmp_path: Path, real_embedder: Any
) -> None:
    """A follow with a role and one without, in two channels: a matching story is
    posted once in each (the role pinged only where asked), a story about something
    else nowhere, and a second outlet's report edits both posts."""
    index = open_index(tmp_path / "index", real_embedder)
    engine = AlertClock(index)
    serve(web, "/a", "Wire A", [])
    serve(web, "/b", "Wire B", [])
    for path in ("/a", "/b"):
        index.add_source(web.url(path))
    role = RoleOption(server.reader_role_id)
    news, general = server.channel_id, server.other_channel_id
    try:
        async with run(server, engine):
            await until(lambda: all(s.last_success_at for s in index.sources()), timeout=60)
            _, made = await command(server, "follow", {"topic": "Marlow flood", "role": role})
            assert made is not None and f"pinging <@&{role.role_id}>" in made.json["content"]
            _, plain = await command(
                server, "follow", {"topic": "Marlow flood", "channel": ChannelOption(general)}
            )
            assert plain is not None and plain.json["content"].startswith("Following")

            serve(web, "/a", "Wire A", [("Marlow flood", FLOOD), ("Rates up", [EVENTS["rates"]])])
            await new_articles(engine, 2)
            await until(lambda: posts(server, news) and posts(server, general), timeout=60)
            serve(web, "/b", "Wire B", [("Floods at Marlow", FLOOD_B)])
            await new_articles(engine, 1)
            await until(
                lambda: len(server.find_requests("PATCH", r"/channels/\d+/messages/\d+")) >= 2,
                timeout=60,
            )
            await ticks(engine)
    finally:
        index.close()
    [pinged] = posts(server, news)
    [quiet] = posts(server, general)
    assert titles([pinged]) == titles([quiet]) == ["Marlow flood"]  # not the rates story
    assert pinged.json["content"] == f"<@&{role.role_id}>"
    assert pinged.json["allowed_mentions"] == {"parse": [], "roles": [int(role.role_id)]}
    assert quiet.json["allowed_mentions"] == {"parse": []} and not quiet.json.get("content")
    assert pinged.json["embeds"][0]["footer"]["text"] == "Following: Marlow flood"
    edits = server.find_requests("PATCH", r"/channels/\d+/messages/\d+")
    assert len(edits) == 2
    for edit in edits:
        assert {"name": "Also reported by", "value": "Wire B", "inline": True} in edit.json[
            "embeds"
        ][0]["fields"]
