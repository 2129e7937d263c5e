"""End to end: the real discord.py client running NewsBot against the loopback fake Discord.

Most tests use the deterministic HashEmbedder; `test_real_model_*` use the bundled model
(conftest's session-scoped `seed_index`: the sample page read with the real model).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import render
from bot.client import NewsBot
from index.config import DiscordConfig, IndexConfig
from index.engine import NewsIndex
from index.errors import InputError, StoreError
from index.records import Answer, Article, Stats, Summary, Topic
from index.search.confidence import Confidence
from index.search.query import MAX_QUESTION_CHARS
from tests.fake_discord import FakeDiscord, RecordedRequest, running_bot
from tests.support.embedders import HashEmbedder

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "seed_news_page.txt"
BRIDGE = Article(
    title="Council scraps Harbour bridge toll",
    text=(
        "The city council met on Tuesday evening to debate transport spending. "
        "Councillors voted to scrap the Harbour bridge toll from next month. "
        "Commuters had campaigned against the toll for years."
    ),
    source="Harbour Gazette",
    url="https://gazette.example/bridge-toll",
    published="2025-08-19",
)
BRIDGE_QUESTION = "What did the council decide about the Harbour bridge toll?"
ANSWER_SENTENCE = "Councillors voted to scrap the Harbour bridge toll from next month."
UNCOVERED_QUESTION = "What is the best recipe for banana bread?"
MESSAGES = r"/channels/\d+/messages"


LEAVES_NOW_TO_ENGINE = "the bot passes no 'now': the engine takes today"


class SpyEngine:
    """Wraps an engine: records the questions it answered and lets a test await them.

    Every call checks that the bot left `now` to the engine (None means today there).
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.questions: list[str] = []
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()

    def answer(self, question: str, *, now: date | None = None) -> Answer:
        try:
            assert now is None, LEAVES_NOW_TO_ENGINE
            return self.engine.answer(question)
        finally:
            self.questions.append(question)
            self._loop.call_soon_threadsafe(self._changed.set)

    def stats(self) -> Stats:
        return self.engine.stats()

    def summarize(
        self, topic: str | None = None, *, days: int | None = None, now: date | None = None
    ) -> Summary:
        assert now is None, LEAVES_NOW_TO_ENGINE
        return self.engine.summarize(topic, days=days)

    def topics(self, *, days: int | None = None, now: date | None = None) -> list[Topic]:
        assert now is None, LEAVES_NOW_TO_ENGINE
        return self.engine.topics(days=days)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)  # sources, polls, prunes: passed through

    async def wait_answered(self, count: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.questions) < count:
                self._changed.clear()
                await self._changed.wait()


class BrokenEngine:
    """An engine whose every call fails, to exercise error replies."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return fail  # sources, polls, prunes: they fail too

    def answer(self, question: str, *, now: date | None = None) -> Answer:
        raise self.error

    def stats(self) -> Stats:
        raise self.error

    def summarize(
        self, topic: str | None = None, *, days: int | None = None, now: date | None = None
    ) -> Summary:
        raise self.error

    def topics(self, *, days: int | None = None, now: date | None = None) -> list[Topic]:
        raise self.error


def _open_hash_engine(path: Path) -> NewsIndex:
    # HashEmbedder similarities are low, so the confidence model here leans on the
    # share of question words found in the passage: enough to tell answerable from not.
    path.mkdir(parents=True, exist_ok=True)
    confidence = Confidence(
        bias=-3.0, dense=0.0, coverage=6.0, article_coverage=0.0, names=0.0, threshold=0.5
    )
    engine = NewsIndex(
        path,
        IndexConfig(path=str(path), model="hash-256"),
        HashEmbedder(256),
        confidence=confidence,
    )
    engine.ingest_paths([SAMPLE])
    engine.ingest_articles([BRIDGE])
    return engine


@pytest.fixture(scope="module")
def hash_engine(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    engine = _open_hash_engine(tmp_path_factory.mktemp("hash-index"))
    yield engine
    engine.close()


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def spy(hash_engine: NewsIndex) -> SpyEngine:
    return SpyEngine(hash_engine)


def settings(server: FakeDiscord, **overrides: Any) -> DiscordConfig:
    """Answer channel: the fake's `channel_id`; `other_channel_id` is an ordinary channel."""
    values: dict[str, Any] = {
        "answer_channels": (int(server.channel_id),),
        "dev_guild_id": None,
        "reply_on_mention": True,
    }
    return DiscordConfig(**{**values, **overrides})


def run(server: FakeDiscord, engine: Any, **overrides: Any):
    bot = NewsBot(engine, settings(server, **overrides), guild_ready_timeout=0)
    return running_bot(server, bot)


async def mention(server: FakeDiscord, text: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("channel_id", server.other_channel_id)
    content = f"<@{server.bot_id}> {text}"
    return await server.send_message_create(content, mentions=[server.bot_user], **kwargs)


async def reply_to(server: FakeDiscord, message: dict[str, Any]) -> RecordedRequest:
    """The bot's successful reply to `message`."""
    return await server.wait_for_request(
        "POST", MESSAGES, where=lambda r: r.status == 200 and replied_to(r) == message["id"]
    )


async def slash(
    server: FakeDiscord,
    name: str,
    options: dict[str, Any] | None = None,
    *,
    user: dict[str, Any] | None = None,
) -> tuple[RecordedRequest, RecordedRequest]:
    """Run a slash command: its interaction callback (the deferral) and its followup."""
    interaction = await server.send_interaction(name, options, user=user)
    callback = await server.wait_for_request(
        "POST", rf"/interactions/{interaction['id']}/[^/]+/callback"
    )
    followup = await server.wait_for_request(
        "POST", rf"/webhooks/{server.app_id}/{interaction['token']}"
    )
    return callback, followup


def another_user(server: FakeDiscord) -> dict[str, Any]:
    """A fresh user: the bot drops a question its asker repeats within a minute."""
    return server.make_user("reader")


def replied_to(request: RecordedRequest) -> str | None:
    reference = (request.json or {}).get("message_reference") or {}
    return str(reference["message_id"]) if "message_id" in reference else None


def only_embed(request: RecordedRequest) -> dict[str, Any]:
    (embed,) = request.json["embeds"]
    return embed


async def test_ready_syncs_commands_to_dev_guild(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy, dev_guild_id=int(server.guild_id)) as bot:
        assert bot.is_ready()
        put = await server.wait_for_request(
            "PUT", rf"/applications/{server.app_id}/guilds/{server.guild_id}/commands"
        )
    assert sorted(c["name"] for c in put.json) == [
        "ask",
        "digest",
        "feed",
        "feeds",
        "follow",
        "follows",
        "help",
        "ingest",
        "latest",
        "sources",
        "summary",
        "topics",
        "unfollow",
    ]
    sources = next(c for c in put.json if c["name"] == "sources")
    assert sorted(o["name"] for o in sources["options"]) == ["add", "list", "remove"]
    ask = next(c for c in put.json if c["name"] == "ask")
    assert [o["name"] for o in ask["options"]] == ["question"]
    assert not server.find_requests("PUT", r"/applications/\d+/commands")  # no global sync
    identify = next(f for f in server.gateway_frames if f["op"] == 2)
    intents = identify["d"]["intents"]
    assert intents & (1 << 15)  # message content
    assert not intents & (1 << 1)  # no privileged members intent


async def test_without_dev_guild_or_sync_global_nothing_is_synced(
    server: FakeDiscord, spy: SpyEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Global registration is rate limited and slow to show: only done when asked."""
    with caplog.at_level(logging.INFO, logger="bot.client"):
        async with run(server, spy, dev_guild_id=None, sync_global=False) as bot:
            assert bot.is_ready()  # setup_hook (where the sync happens) ran before READY
            asked = await mention(server, BRIDGE_QUESTION)
            await reply_to(server, asked)  # slash commands unsynced, mentions still work
    assert not server.find_requests("PUT", r"/applications/\d+/.*commands")
    assert any("not synced" in r.getMessage() for r in caplog.records)


async def test_sync_global_registers_commands_globally(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy, dev_guild_id=None, sync_global=True):
        put = await server.wait_for_request("PUT", rf"/applications/{server.app_id}/commands")
    assert sorted(c["name"] for c in put.json) == [
        "ask",
        "digest",
        "feed",
        "feeds",
        "follow",
        "follows",
        "help",
        "ingest",
        "latest",
        "sources",
        "summary",
        "topics",
        "unfollow",
    ]
    sources = next(c for c in put.json if c["name"] == "sources")
    assert sorted(o["name"] for o in sources["options"]) == ["add", "list", "remove"]
    assert not server.find_requests("PUT", r"/applications/\d+/guilds/\d+/commands")


async def test_dev_guild_and_sync_global_sync_both(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy, dev_guild_id=int(server.guild_id), sync_global=True):
        guild = await server.wait_for_request(
            "PUT", rf"/applications/{server.app_id}/guilds/{server.guild_id}/commands"
        )
        everywhere = await server.wait_for_request(
            "PUT", rf"/applications/{server.app_id}/commands"
        )
    for put in (guild, everywhere):
        assert sorted(c["name"] for c in put.json) == [
            "ask",
            "digest",
            "feed",
            "feeds",
            "follow",
            "follows",
            "help",
            "ingest",
            "latest",
            "sources",
            "summary",
            "topics",
            "unfollow",
        ]
    sources = next(c for c in put.json if c["name"] == "sources")
    assert sorted(o["name"] for o in sources["options"]) == ["add", "list", "remove"]


async def test_failed_command_sync_is_logged_and_the_bot_still_answers(
    server: FakeDiscord, spy: SpyEngine, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_next("PUT", r"/applications/\d+/guilds/\d+/commands", status=403)
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        async with run(server, spy, dev_guild_id=int(server.guild_id)):
            asked = await mention(server, BRIDGE_QUESTION)
            await reply_to(server, asked)
    (record,) = caplog.records
    assert "applications.commands scope" in record.getMessage()


async def test_mention_gets_reply_with_answer_embed(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy):
        asked = await mention(server, BRIDGE_QUESTION)
        request = await reply_to(server, asked)
    assert spy.questions == [BRIDGE_QUESTION]
    assert request.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    embed = only_embed(request)
    assert embed["title"] == BRIDGE.title
    assert embed["url"] == BRIDGE.url
    assert f"**{ANSWER_SENTENCE}**" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {"Outlet": "Harbour Gazette", "Published": "2025-08-19"}
    assert embed["footer"]["text"].endswith("news as of 2025-08-19")


async def test_slash_ask_is_deferred_then_answered_by_followup(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    async with run(server, spy):
        callback, followup = await slash(server, "ask", {"question": BRIDGE_QUESTION})
    assert callback.json["type"] == 5  # deferred: "newsdesk is thinking…"
    assert callback.index < followup.index
    assert followup.json["allowed_mentions"]["parse"] == []
    assert f"**{ANSWER_SENTENCE}**" in only_embed(followup)["description"]


async def test_messages_from_bots_and_itself_are_ignored(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    other_bot = server.make_user("otherbot", bot=True)
    async with run(server, spy):
        from_bot = await mention(server, BRIDGE_QUESTION, author=other_bot)
        own = await server.send_message_create(BRIDGE_QUESTION, author=server.bot_user)
        human = await mention(server, BRIDGE_QUESTION)
        await reply_to(server, human)
    replies = {replied_to(r) for r in server.messages_sent()}
    assert replies == {human["id"]}
    assert from_bot["id"] not in replies and own["id"] not in replies
    assert len(spy.questions) == 1


async def test_answer_channel_ignores_chit_chat_and_uncovered_questions(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    async with run(server, spy):
        chit_chat = await server.send_message_create("good morning everyone")
        uncovered = await server.send_message_create(UNCOVERED_QUESTION)
        covered = await server.send_message_create(BRIDGE_QUESTION)
        await reply_to(server, covered)
        await spy.wait_answered(2)
        # One more round trip, so the handler of the uncovered question has finished.
        sentinel = await mention(server, BRIDGE_QUESTION, author=another_user(server))
        await reply_to(server, sentinel)
    assert sorted(spy.questions) == sorted([UNCOVERED_QUESTION, BRIDGE_QUESTION, BRIDGE_QUESTION])
    replies = [replied_to(r) for r in server.messages_sent()]
    assert sorted(replies) == sorted([covered["id"], sentinel["id"]])
    assert chit_chat["id"] not in replies and uncovered["id"] not in replies


async def test_mention_of_the_bots_own_role_is_a_mention(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    async with run(server, spy):
        other_role = await server.send_message_create(
            f"<@&{server.guild_id}> {BRIDGE_QUESTION}",  # @everyone's role, not the bot's
            mention_roles=[server.guild_id],
            channel_id=server.other_channel_id,
        )
        asked = await server.send_message_create(
            f"<@&{server.bot_role_id}> {BRIDGE_QUESTION}",
            mention_roles=[server.bot_role_id],
            channel_id=server.other_channel_id,
        )
        request = await reply_to(server, asked)
    assert spy.questions == [BRIDGE_QUESTION]  # the role mention stripped, the other ignored
    assert f"**{ANSWER_SENTENCE}**" in only_embed(request)["description"]
    assert [replied_to(r) for r in server.messages_sent()] == [asked["id"]]
    assert other_role["id"] != asked["id"]


async def test_mention_of_uncovered_question_says_so(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy):
        asked = await mention(server, UNCOVERED_QUESTION)
        request = await reply_to(server, asked)
    embed = only_embed(request)
    assert embed["description"] == render.ABSTAIN_TEXT
    assert all("not an answer" in f["name"] for f in embed.get("fields", []))


async def test_mention_without_question_explains_usage(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy):
        asked = await mention(server, "")
        request = await reply_to(server, asked)
    assert request.json["content"] == render.NO_QUESTION_TEXT
    assert spy.questions == []


async def test_mentions_ignored_when_reply_on_mention_is_off(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    async with run(server, spy, reply_on_mention=False):
        ignored = await mention(server, BRIDGE_QUESTION)  # not in an answer channel
        asked = await server.send_message_create(BRIDGE_QUESTION)  # in the answer channel
        await reply_to(server, asked)
    assert [replied_to(r) for r in server.messages_sent()] == [asked["id"]]
    assert ignored["id"] != asked["id"]


async def test_help_reports_what_it_has_read(server: FakeDiscord, spy: SpyEngine) -> None:
    stats = spy.stats()
    async with run(server, spy):
        callback, followup = await slash(server, "help")
    assert callback.json == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
    fields = {f["name"]: f["value"] for f in only_embed(followup)["fields"]}
    assert fields["Articles read"] == str(stats.articles)
    assert fields["News as of"] == "2025-08-19"


async def test_long_question_is_clipped_by_the_engine_not_the_bot(
    server: FakeDiscord, spy: SpyEngine, hash_engine: NewsIndex
) -> None:
    question = BRIDGE_QUESTION + " please" * 710
    assert len(question) >= 5000
    async with run(server, spy):
        asked = await mention(server, question)
        reply = await reply_to(server, asked)
        callback, followup = await slash(
            server, "ask", {"question": question}, user=another_user(server)
        )
    # The bot hands the raw text over; the engine clips it once (MAX_QUESTION_CHARS).
    assert spy.questions == [question, question]
    answer = hash_engine.answer(question)
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert answer.question.startswith(BRIDGE_QUESTION)
    assert f"**{ANSWER_SENTENCE}**" in only_embed(reply)["description"]
    assert callback.json["type"] == 5
    assert f"**{ANSWER_SENTENCE}**" in only_embed(followup)["description"]


async def test_429_on_message_send_is_retried(server: FakeDiscord, spy: SpyEngine) -> None:
    server.fail_next("POST", MESSAGES, status=429, retry_after=0.05)
    async with run(server, spy):
        asked = await mention(server, BRIDGE_QUESTION)
        await reply_to(server, asked)
    statuses = [r.status for r in server.find_requests("POST", MESSAGES)]
    assert statuses == [429, 200]
    assert len(spy.questions) == 1  # retried at the HTTP level, not asked twice


async def test_engine_failure_gives_short_errors_and_is_logged(
    server: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    engine = BrokenEngine(RuntimeError("disk on fire"))
    with caplog.at_level(logging.ERROR, logger="bot"):
        # No background polls: their failures would be logged too (tested elsewhere).
        async with run(server, engine, poll_sources=False):
            # Each from another user: the bot would drop a repeat before the engine.
            asked = await mention(server, BRIDGE_QUESTION)
            reply = await reply_to(server, asked)
            unprompted = await server.send_message_create(
                BRIDGE_QUESTION, author=another_user(server)
            )
            interaction = await server.send_interaction(
                "ask", {"question": BRIDGE_QUESTION}, user=another_user(server)
            )
            followup = await server.wait_for_request(
                "POST", rf"/webhooks/\d+/{interaction['token']}"
            )
            summary = await server.send_interaction("summary", {"topic": "bridge"})
            summary_followup = await server.wait_for_request(
                "POST", rf"/webhooks/\d+/{summary['token']}"
            )
    assert reply.json["content"] == render.ERROR_TEXT
    assert "disk on fire" not in reply.json["content"]  # internals are not shown
    assert server.find_requests(
        "DELETE", rf"/webhooks/\d+/{interaction['token']}/messages/@original"
    )
    assert followup.json["flags"] == 64  # ephemeral
    assert followup.json["content"] == render.ERROR_TEXT
    assert summary_followup.json == {**followup.json, "content": render.ERROR_TEXT}
    assert unprompted["id"] not in {replied_to(r) for r in server.messages_sent()}
    # mention, unprompted question, /ask and /summary: each logged with its traceback
    assert len(caplog.records) == 4
    assert all(r.exc_info for r in caplog.records)


async def test_input_error_message_is_shown(server: FakeDiscord) -> None:
    engine = BrokenEngine(InputError("the question has no words to search for"))
    async with run(server, engine):
        asked = await mention(server, BRIDGE_QUESTION)
        reply = await reply_to(server, asked)
    assert reply.json["content"] == render.error_text("the question has no words to search for")
    assert reply.json["content"].endswith("no words to search for")


async def test_store_error_does_not_show_server_paths(server: FakeDiscord) -> None:
    engine = BrokenEngine(StoreError("cannot open index database /srv/newsdesk/news.sqlite3"))
    async with run(server, engine):
        asked = await mention(server, BRIDGE_QUESTION)
        reply = await reply_to(server, asked)
    assert reply.json["content"] == render.ERROR_TEXT
    assert "/srv" not in reply.json["content"]


async def test_no_outgoing_message_can_ping(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy):
        # Each from another user: the bot drops a repeat (@everyone is not part of the
        # question) and rate-limits each user.
        for message in [
            await mention(server, f"{BRIDGE_QUESTION} @everyone", author=another_user(server)),
            await mention(server, UNCOVERED_QUESTION, author=another_user(server)),
            await mention(server, "", author=another_user(server)),
            await server.send_message_create(BRIDGE_QUESTION, author=another_user(server)),
        ]:
            await reply_to(server, message)
        commands = [("ask", {"question": BRIDGE_QUESTION}), ("help", {}), ("summary", {})]
        for name, options in commands:
            interaction = await server.send_interaction(name, options, user=another_user(server))
            await server.wait_for_request("POST", rf"/webhooks/\d+/{interaction['token']}")
    sent = server.messages_sent()
    assert len(sent) == 7
    for request in sent:
        assert request.json["allowed_mentions"]["parse"] == [], request.json
        assert request.json["allowed_mentions"].get("replied_user", False) is False


async def test_summary_without_topic_is_deferred_then_lists_the_main_stories(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    async with run(server, spy):
        callback, followup = await slash(server, "summary")
    assert callback.json["type"] == 5
    embed = only_embed(followup)
    # The week ending at the newest article's day: the sample page's undated articles
    # are not in it.
    assert embed["title"] == "Main stories, 2025-08-13 to 2025-08-19"
    assert embed["description"] == (
        "**1. [Council scraps Harbour bridge toll](https://gazette.example/bridge-toll)**\n"
        "The city council met on Tuesday evening to debate transport spending.\n"
        "Harbour Gazette, 2025-08-19"
    )


async def test_summary_of_unknown_topic_says_so(server: FakeDiscord, spy: SpyEngine) -> None:
    async with run(server, spy):
        interaction = await server.send_interaction("summary", {"topic": "banana bread"})
        followup = await server.wait_for_request("POST", rf"/webhooks/\d+/{interaction['token']}")
    embed = only_embed(followup)
    assert embed["description"].startswith("I have not read enough about banana bread")


FERRY_TOPIC = "Harbour ferry strike"


def _ferry_article(title: str, text: str, published: date) -> Article:
    slug = title.lower().replace(" ", "-")
    return Article(
        title=title,
        text=text,
        source="Harbour Gazette",
        url=f"https://gazette.example/{slug}",
        published=published.isoformat(),
    )


@pytest.fixture
def ferry_engine(tmp_path: Path) -> NewsIndex:
    """A real index (HashEmbedder) with ferry strike news: two dated this week, one dated
    a month ahead (a wrong date in a feed), which "today" must not see."""
    today = date.today()
    engine = NewsIndex.open(
        tmp_path / "ferry-index",
        IndexConfig(path=str(tmp_path / "ferry-index"), model="hash-256"),
        HashEmbedder(256),
    )
    engine.ingest_articles(
        [
            _ferry_article(
                "Harbour ferry strike begins",
                "The harbour ferry strike began as harbour ferry crews walked out over pay. "
                "Every harbour ferry crossing stopped on the first day of the ferry strike.",
                today - timedelta(days=3),
            ),
            _ferry_article(
                "Harbour ferry strike goes on",
                "The harbour ferry strike went on as the harbour ferry union rejected the "
                "offer. Commuters queued for buses on the third day of the harbour ferry strike.",
                today - timedelta(days=1),
            ),
            _ferry_article(
                "Harbour ferry strike ends",
                "The harbour ferry strike ended when harbour ferry crews accepted a new deal. "
                "Ferry crossings resumed on Friday after the ferry strike was called off.",
                today + timedelta(days=30),
            ),
            BRIDGE,
        ]
    )
    yield engine
    engine.close()


async def test_summary_is_as_of_today_like_the_cli(
    server: FakeDiscord, ferry_engine: NewsIndex
) -> None:
    """Regression: /summary passes no `now`; the engine takes today, as `newsdesk summary`
    does, so an article dated in the future is not summarized as news."""
    future_title = "Harbour ferry strike ends"
    today = date.today()
    as_of_today = ferry_engine.summarize(FERRY_TOPIC, now=today)  # what the CLI computes
    # The premise: the future article is about the topic, and a later "now" includes it.
    later = ferry_engine.summarize(FERRY_TOPIC, now=today + timedelta(days=60))
    assert future_title in {s.title for s in later.sources}
    assert as_of_today.lines and as_of_today.sources
    assert future_title not in {s.title for s in as_of_today.sources}

    async with run(server, ferry_engine):
        callback, followup = await slash(server, "summary", {"topic": FERRY_TOPIC})
    assert callback.json["type"] == 5
    posted = only_embed(followup)
    expected = render.summary_embed(as_of_today, ferry_engine.stats().newest).to_dict()
    assert posted["title"] == f"Summary: {FERRY_TOPIC}"
    assert posted["description"] == expected["description"]
    assert posted["fields"] == expected["fields"]  # the same numbered sources
    assert future_title not in posted["fields"][0]["value"]


@pytest.mark.model
async def test_real_model_answers_from_the_sample_page(
    server: FakeDiscord, seed_index: NewsIndex
) -> None:
    question = "What did Witkoff say about security guarantees for Ukraine?"
    async with run(server, seed_index):
        asked = await mention(server, question)
        request = await reply_to(server, asked)
    embed = only_embed(request)
    assert embed["title"].startswith("Putin agreed to let US, Europe offer NATO")
    assert "**Witkoff, offering some of the first details" in embed["description"]
    assert "url" not in embed  # the sample page gives no url: none is invented
    assert "Published" not in {f["name"] for f in embed.get("fields", [])}


@pytest.mark.model
async def test_real_model_stays_silent_on_uncovered_question_in_answer_channel(
    server: FakeDiscord, seed_index: NewsIndex
) -> None:
    spy = SpyEngine(seed_index)
    async with run(server, spy):
        uncovered = await server.send_message_create(UNCOVERED_QUESTION)
        await spy.wait_answered(1)
        sentinel = await mention(server, UNCOVERED_QUESTION, author=another_user(server))
        reply = await reply_to(server, sentinel)
    assert only_embed(reply)["description"] == render.ABSTAIN_TEXT
    assert [replied_to(r) for r in server.messages_sent()] == [sentinel["id"]]
    assert uncovered["id"] != sentinel["id"]


async def test_topics_is_deferred_then_lists_the_stories(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    async with run(server, spy):
        callback, followup = await slash(server, "topics")
    assert callback.json["type"] == 5
    embed = only_embed(followup)
    assert embed["title"] == "Main stories"
    assert embed["description"].startswith("**1.** ")
    assert "Bridge" in embed["description"] or "bridge" in embed["description"]
    assert followup.json["allowed_mentions"]["parse"] == []


class AYearLaterEngine(SpyEngine):
    """The same index asked a year from now: nothing was read in the last days."""

    def topics(self, *, days: int | None = None, now: date | None = None) -> list[Topic]:
        assert now is None, LEAVES_NOW_TO_ENGINE
        return self.engine.topics(days=days, now=date.today() + timedelta(days=365))


async def test_topics_of_an_empty_window_says_so(
    server: FakeDiscord, hash_engine: NewsIndex
) -> None:
    async with run(server, AYearLaterEngine(hash_engine)):
        interaction = await server.send_interaction("topics", {"days": 1})
        followup = await server.wait_for_request("POST", rf"/webhooks/\d+/{interaction['token']}")
    embed = only_embed(followup)
    assert embed["title"] == "Main stories (last 1 days)"
    assert "not read any news" in embed["description"]


@pytest.mark.model
async def test_real_model_topics_and_summary_of_a_listed_topic(
    server: FakeDiscord, seed_index: NewsIndex
) -> None:
    async with run(server, seed_index):
        listing = await server.send_interaction("topics", {})
        topics_reply = await server.wait_for_request("POST", rf"/webhooks/\d+/{listing['token']}")
        label = seed_index.topics()[0].label
        asked = await server.send_interaction("summary", {"topic": label})
        summary_reply = await server.wait_for_request("POST", rf"/webhooks/\d+/{asked['token']}")
    topics_embed = only_embed(topics_reply)
    first = seed_index.topics()[0]
    stories = f"{first.stories} stor{'ies' if first.stories != 1 else 'y'}"
    assert first.articles == 3 and stories in topics_embed["description"]
    assert "1 outlet" in topics_embed["description"]
    summary_embed = only_embed(summary_reply)
    # A listed label is its most central headline: the summary reads the articles about
    # it, that one first.
    assert "[1]" in summary_embed["description"]
    for noise in ("Advertisement", "Getty Images", "Try Our AI Features"):
        assert noise not in summary_embed["description"]
    assert summary_embed["fields"][0]["value"].startswith("[1] ")
    assert label[:30] in summary_embed["fields"][0]["value"]


async def test_reply_to_the_bot_is_answered_only_when_it_is_a_covered_question(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    """A reply pings the bot without naming it: "thanks!" is not a question to answer."""
    elsewhere = {"channel_id": server.other_channel_id, "mentions": [server.bot_user]}
    async with run(server, spy):
        thanks = await server.send_message_create("thanks!", **elsewhere)
        uncovered = await server.send_message_create(UNCOVERED_QUESTION, **elsewhere)
        await spy.wait_answered(1)
        follow_up = await server.send_message_create(BRIDGE_QUESTION, **elsewhere)
        answered = await reply_to(server, follow_up)
    assert "bridge" in only_embed(answered)["description"].lower()
    replies = [replied_to(r) for r in server.messages_sent()]
    assert replies == [follow_up["id"]]
    assert thanks["id"] not in replies and uncovered["id"] not in replies
    assert spy.questions == [UNCOVERED_QUESTION, BRIDGE_QUESTION]


async def test_reply_survives_the_question_being_deleted(
    server: FakeDiscord, spy: SpyEngine
) -> None:
    """The reply asks Discord to send it even if the question is gone by then."""
    async with run(server, spy):
        asked = await mention(server, BRIDGE_QUESTION)
        request = await reply_to(server, asked)
    assert request.json["message_reference"]["fail_if_not_exists"] is False
