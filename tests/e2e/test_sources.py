"""End to end: the bot's sources through the real discord.py client and the fake Discord,
with feeds and pages served by a real HTTP server on 127.0.0.1.

The bot's own background loop polls; the engine's clock is the only thing a test moves
(`ClockedEngine`), so "an hour later" takes no hour.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.client import NewsBot
from bot.cogs.common import NOT_OPERATOR_TEXT
from index.config import DiscordConfig, IndexConfig, SourcesConfig
from index.engine import NewsIndex
from index.records import Article, PollResult
from index.search.confidence import Confidence
from tests.e2e.test_bot import mention, reply_to
from tests.fake_discord import FakeDiscord, RecordedRequest, running_bot
from tests.index.sources.documents import RSS, Item, page, rss2
from tests.support.embedders import HashEmbedder
from tests.support.web import Reply, WebServer

LOOPBACK = SourcesConfig(allow_private_addresses=True, host_interval_s=0.0)
MESSAGES = r"/channels/\d+/messages"
DAM = [
    "The Loop river dam opened its floodgates on Monday after a week of heavy rain.",
    "Engineers said the reservoir had reached its highest level since records began.",
]
BRIDGE = [
    "The Harbour ferry company added three night crossings to its timetable.",
    "Commuters had asked for later ferries since the bridge closed for repairs.",
]


class ClockedEngine:
    """A NewsIndex whose polls see a clock the test can move forward."""

    def __init__(self, engine: NewsIndex) -> None:
        self.engine = engine
        self.offset = timedelta()
        self.polls = 0

    def advance(self, minutes: float) -> None:
        self.offset += timedelta(minutes=minutes)

    def poll(self, *, force: bool = False, now: datetime | None = None) -> list[PollResult]:
        results = self.engine.poll(force=force, now=datetime.now(UTC) + self.offset)
        self.polls += 1
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[ClockedEngine]:
    # HashEmbedder similarities are low: the confidence leans on question-word coverage.
    confidence = Confidence(
        bias=-3.0, dense=0.0, coverage=6.0, article_coverage=0.0, names=0.0, threshold=0.5
    )
    index = NewsIndex(
        tmp_path,
        IndexConfig(path=str(tmp_path), model="hash-256"),
        HashEmbedder(256),
        confidence=confidence,
        sources=LOOPBACK,
    )
    yield ClockedEngine(index)
    index.close()


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def run(server: FakeDiscord, engine: Any, **overrides: Any):
    values: dict[str, Any] = {"answer_channels": (), "dev_guild_id": None, **overrides}
    bot = NewsBot(engine, DiscordConfig(**values), guild_ready_timeout=0, poll_every_s=0.05)
    return running_bot(server, bot)


def owner(server: FakeDiscord) -> dict[str, Any]:
    """The application's owner (what the fake's /oauth2/applications/@me names)."""
    return {**server.make_user("owner"), "id": server.owner_id}


async def command(
    server: FakeDiscord, name: str, options: dict[str, Any], user: dict[str, Any]
) -> tuple[RecordedRequest, RecordedRequest | None]:
    """Run a slash command; its callback, and its followup when it deferred."""
    interaction = await server.send_interaction(name, options, user=user)
    callback = await server.wait_for_request(
        "POST", rf"/interactions/{interaction['id']}/[^/]+/callback"
    )
    if callback.json["type"] != 5:  # answered at once (a refusal): no followup
        return callback, None
    followup = await server.wait_for_request(
        "POST", rf"/webhooks/{server.app_id}/{interaction['token']}"
    )
    return callback, followup


async def until(predicate: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_a_feed_entry_published_while_the_bot_runs_is_answered_without_a_restart(
    server: FakeDiscord, web: WebServer, engine: ClockedEngine
) -> None:
    items = [Item("Dam opens its floodgates", web.url("/dam"))]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    web.route("/dam", Reply(page("Dam opens its floodgates", DAM)))
    web.route("/ferry", Reply(page("Night ferries added", BRIDGE)))
    async with run(server, engine):
        _, followup = await command(server, "sources add", {"url": web.url("/feed")}, owner(server))
        assert followup is not None and "Following" in followup.json["content"]
        await until(lambda: engine.sources()[0].articles == 1)  # the bot's own poll read it

        items.append(Item("Night ferries added", web.url("/ferry")))
        web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
        engine.advance(31)  # the default interval is 30 minutes
        await until(lambda: engine.sources()[0].articles == 2)

        asked = await mention(server, "Which ferry crossings did the Harbour company add?")
        reply = await reply_to(server, asked)
    [embed] = reply.json["embeds"]
    assert embed["url"] == web.url("/ferry")
    assert "night crossings" in embed["description"]


async def test_a_new_sources_backlog_is_read_but_a_repeat_poll_adds_nothing(
    server: FakeDiscord, web: WebServer, engine: ClockedEngine
) -> None:
    web.route("/feed", Reply(rss2("Loop Wire", [Item("Dam", web.url("/dam"))]), content_type=RSS))
    web.route("/dam", Reply(page("Dam opens", DAM)))
    engine.add_source(web.url("/feed"))
    async with run(server, engine):
        await until(lambda: engine.sources()[0].articles == 1)
        polls = engine.polls
        engine.advance(31)
        await until(lambda: engine.polls >= polls + 3)
    assert engine.stats().articles == 1
    assert [r.path for r in web.requests()].count("/dam") == 1  # the page was not re-read


async def test_anyone_may_list_the_sources_with_their_health(
    server: FakeDiscord, web: WebServer, engine: ClockedEngine
) -> None:
    web.route("/feed", Reply(rss2("Loop *Wire*", [Item("Dam", web.url("/dam"))]), content_type=RSS))
    web.route("/dam", Reply(page("Dam opens", DAM)))
    engine.add_source(web.url("/feed"))
    engine.add_source(web.url("/gone"))  # 404
    engine.engine.poll(force=True)
    async with run(server, engine, poll_sources=False):
        _, followup = await command(server, "sources list", {}, server.default_author)
    assert followup is not None
    [embed] = followup.json["embeds"]
    text = embed["description"]
    assert "Sources I follow (2)" in embed["title"]
    assert f"[Loop \\*Wire\\*]({web.url('/feed')})" in text  # the feed's title, escaped
    assert "✅ ok" in text and "1 article" in text
    assert "⚠️ failing (1 in a row" in text and "404" in text


async def test_only_operators_may_change_sources_or_ingest(
    server: FakeDiscord, web: WebServer, engine: ClockedEngine
) -> None:
    web.route("/dam", Reply(page("Dam opens", DAM)))
    stranger = server.make_user("stranger")
    async with run(server, engine, poll_sources=False):
        for name, options in (
            ("sources add", {"url": web.url("/feed")}),
            ("sources remove", {"url": web.url("/feed")}),
            ("ingest", {"url": web.url("/dam")}),
        ):
            callback, followup = await command(server, name, options, stranger)
            assert followup is None
            assert callback.json["data"]["content"] == NOT_OPERATOR_TEXT
            assert callback.json["data"]["flags"] & 64  # only the asker sees it
    assert engine.sources() == []
    assert engine.stats().articles == 0
    assert not web.requests()  # nothing was fetched for a stranger


async def test_the_owner_and_configured_operators_add_remove_and_ingest(
    server: FakeDiscord, web: WebServer, engine: ClockedEngine
) -> None:
    web.route("/dam", Reply(page("Dam opens its floodgates", DAM)))
    operator = server.make_user("operator")
    async with run(server, engine, poll_sources=False, operators=(int(operator["id"]),)):
        _, added = await command(
            server, "sources add", {"url": web.url("/feed"), "every": 90}, operator
        )
        assert added is not None and "every 90 min" in added.json["content"]
        assert [s.every_s for s in engine.sources()] == [90 * 60]

        _, removed = await command(
            server, "sources remove", {"url": web.url("/feed")}, owner(server)
        )
        assert removed is not None and "No longer following" in removed.json["content"]
        assert engine.sources() == []

        _, ingested = await command(server, "ingest", {"url": web.url("/dam")}, operator)
        assert ingested is not None
        assert "1 article added" in ingested.json["content"]
        _, again = await command(server, "ingest", {"url": web.url("/dam")}, operator)
        assert again is not None and "1 already read" in again.json["content"]

        _, local = await command(server, "ingest", {"url": "/etc/passwd"}, operator)
        assert local is not None and "not an http(s) URL" in local.json["content"]
    assert engine.stats().articles == 1


async def test_a_failing_source_is_announced_once_in_the_operators_channel(
    server: FakeDiscord, web: WebServer, engine: ClockedEngine
) -> None:
    engine.add_source(web.url("/feed"))  # no route: 404 at every poll
    channel = int(server.other_channel_id)
    async with run(server, engine, operators_channel_id=channel):
        for _ in range(6):  # each failure backs off further: jump past it
            polls = engine.polls
            engine.advance(60 * 24)
            await until(lambda polls=polls: engine.polls > polls)
        await until(lambda: engine.sources()[0].failure_announced)
        polls = engine.polls
        await until(lambda: engine.polls >= polls + 3)
    notices = [
        r for r in server.find_requests("POST", rf"/channels/{channel}/messages") if r.status == 200
    ]
    assert len(notices) == 1
    text = notices[0].json["content"]
    assert "has failed" in text and "404" in text
    assert notices[0].json["allowed_mentions"] == {"parse": []}


async def test_latest_lists_one_line_per_story_with_the_other_outlets(
    server: FakeDiscord, engine: ClockedEngine
) -> None:
    text = " ".join(DAM)
    engine.ingest_articles(
        [
            Article("Dam opens floodgates", text, "Wire A", "https://a.example/dam", "2025-06-02"),
            Article(
                "Floodgates open at dam", text, "Wire B", "https://b.example/dam", "2025-06-02"
            ),
            Article(
                "Night ferries added",
                " ".join(BRIDGE),
                "Wire C",
                "https://c.example/f",
                "2025-06-01",
            ),
        ]
    )
    async with run(server, engine, poll_sources=False):
        _, followup = await command(server, "latest", {"count": 5}, server.default_author)
    assert followup is not None
    [embed] = followup.json["embeds"]
    lines = embed["description"].splitlines()
    assert len(lines) == 2, lines
    assert "also reported by Wire" in lines[0]
    assert "Night ferries added" in lines[1]


@pytest.mark.model
async def test_real_model_a_polled_feed_entry_is_answered_with_its_source(
    server: FakeDiscord, web: WebServer, real_embedder: Any, tmp_path: Path
) -> None:
    """The whole path with the bundled model: the bot's poll reads a feed's page, and a
    question about it is answered with that page's passage and link."""
    index = NewsIndex(
        tmp_path,
        IndexConfig(path=str(tmp_path), model=real_embedder.name),
        real_embedder,
        sources=LOOPBACK,
    )
    engine = ClockedEngine(index)
    items = [Item("Dam opens its floodgates", web.url("/dam"))]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    web.route("/dam", Reply(page("Dam opens its floodgates", DAM)))
    web.route("/ferry", Reply(page("Harbour ferries add night crossings", BRIDGE)))
    try:
        engine.add_source(web.url("/feed"))
        async with run(server, engine):
            await until(lambda: engine.sources()[0].articles == 1, timeout=60)
            items.append(Item("Harbour ferries add night crossings", web.url("/ferry")))
            web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
            engine.advance(31)
            await until(lambda: engine.sources()[0].articles == 2, timeout=60)
            asked = await mention(server, "How many night crossings did the ferry company add?")
            reply = await reply_to(server, asked)
    finally:
        index.close()
    [embed] = reply.json["embeds"]
    assert embed["url"] == web.url("/ferry")
    assert "three night crossings" in embed["description"]


async def test_the_daily_prune_runs_only_for_an_index_that_follows_sources(
    server: FakeDiscord, web: WebServer, engine: ClockedEngine
) -> None:
    old = Article("Old dam news", " ".join(DAM), "Wire A", "https://a.example/old", "2020-01-02")
    engine.ingest_articles([old])
    async with run(server, engine, poll_sources=True):
        await until(lambda: engine.polls >= 2)
    assert engine.stats().articles == 1  # an archive read by hand is never pruned for it

    engine.add_source(web.url("/feed"))  # 404: following it is enough
    async with run(server, engine, poll_sources=True):
        await until(lambda: engine.stats().articles == 0)
    assert engine.vector_ids().tolist() == []


async def test_a_failing_poll_is_logged_and_the_bot_keeps_answering(
    server: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.e2e.test_bot import BRIDGE_QUESTION, BrokenEngine

    engine = BrokenEngine(RuntimeError("disk on fire"))
    with caplog.at_level(logging.ERROR, logger="bot"):
        async with run(server, engine) as bot:
            await until(lambda: any("polling" in r.getMessage() for r in caplog.records))
            asked = await mention(server, BRIDGE_QUESTION)
            await reply_to(server, asked)  # an apology, but a reply
            assert bot.get_cog("Sources").poll_loop.is_running()
