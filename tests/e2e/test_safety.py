"""End to end, as a hostile user or a flaky Discord would behave: the real discord.py
client running NewsBot against the loopback fake Discord.

System messages are not questions, floods are bounded, DMs and edits are answered,
mentions never reach the engine, refused replies are one log line, unknown slash
commands are answered, and stopping finishes the answers in flight.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from bot.client import NewsBot
from bot.flood import FloodGuard, FloodSettings
from index.config import DiscordConfig
from index.records import Answer, Hit, Passage, Stats, Summary, Topic
from tests.fake_discord import FakeDiscord, _Failure, running_bot

MESSAGES = r"/channels/\d+/messages"


def _replied_to(request: Any) -> str:
    return str((request.json.get("message_reference") or {}).get("message_id"))


class SlowEngine:
    """An engine that takes `seconds` per answer (in its worker thread) and records
    the questions it was asked, and from which thread-time."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.questions: list[str] = []
        self._lock = threading.Lock()

    def answer(self, question: str, *, now: date | None = None) -> Answer:
        time.sleep(self.seconds)
        with self._lock:
            self.questions.append(question)
        passage = Passage(1, 1, 0, f"The answer to {question}", "Headline", "Outlet", "", "")
        hit = Hit(passage=passage, score=1.0, dense=0.9)
        return Answer(question=question, abstained=False, confidence=0.9, hit=hit)

    def stats(self) -> Stats:
        return Stats(articles=1, passages=1, newest="2025-08-19", sources=1)

    def summarize(
        self, topic: str | None = None, *, days: int | None = None, now: date | None = None
    ) -> Summary:
        return Summary(topic=topic or "", lines=(), sources=(), articles=0)

    def topics(self, *, days: int | None = None, now: date | None = None) -> list[Topic]:
        return []

    def sources(self) -> list[Any]:
        return []  # follows nothing: the background polls find nothing due

    def poll(self, **_: Any) -> list[Any]:
        return []

    def sources_to_announce(self) -> list[Any]:
        return []


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def _bot(server: FakeDiscord, engine: Any, flood: FloodGuard | None = None, **overrides: Any):
    values: dict[str, Any] = {"answer_channels": (int(server.channel_id),), "dev_guild_id": None}
    settings = DiscordConfig(**{**values, **overrides})
    return NewsBot(engine, settings, flood=flood, guild_ready_timeout=0)


async def _message(
    server: FakeDiscord,
    content: str,
    *,
    author: dict[str, Any] | None = None,
    mention_bot: bool = False,
    channel_id: str | None = None,
    kind: int = 0,
    guild: bool = True,
) -> dict[str, Any]:
    """Dispatch MESSAGE_CREATE (of Discord message type `kind`; `guild=False`: a DM)."""
    message = server._message(
        channel_id=channel_id or server.channel_id,
        content=content,
        author=author or server.default_author,
        mentions=[server.bot_user] if mention_bot else [],
    )
    message["type"] = kind
    if guild:
        message["guild_id"] = server.guild_id
        message["member"] = server._member()
    await server.dispatch("MESSAGE_CREATE", message)
    return message


async def _settle(server: FakeDiscord, seconds: float = 0.3) -> None:
    """Let the bot handle what was dispatched (for asserting that nothing happens)."""
    await asyncio.sleep(seconds)


async def test_a_thread_created_system_message_is_not_a_question(server: FakeDiscord) -> None:
    engine = SlowEngine()
    async with running_bot(server, _bot(server, engine)):
        # Type 18 (THREAD_CREATED): its content is the thread's name.
        await _message(server, "What happened at the summit?", kind=18)
        await _message(server, "Who pinned this?", kind=6)  # CHANNEL_PINNED_MESSAGE
        await _settle(server)
    assert engine.questions == []
    assert server.messages_sent() == []


async def test_thirty_identical_questions_cost_one_engine_call_and_one_reply(
    server: FakeDiscord,
) -> None:
    engine = SlowEngine()
    async with running_bot(server, _bot(server, engine)):
        for _ in range(30):
            await _message(
                server,
                f"<@{server.bot_id}> What did the council decide?",
                mention_bot=True,
                channel_id=server.other_channel_id,
            )
        await server.wait_for_request("POST", MESSAGES)
        await _settle(server)
    assert engine.questions == ["What did the council decide?"]
    assert len(server.messages_sent()) == 1


async def test_a_flooding_user_is_told_once_and_others_are_still_answered(
    server: FakeDiscord,
) -> None:
    engine = SlowEngine(seconds=0.05)
    flood = FloodGuard(FloodSettings(user_questions=3))
    flooder, other = server.make_user("flooder"), server.make_user("reader")
    async with running_bot(server, _bot(server, engine, flood)):
        for i in range(20):
            await _message(
                server,
                f"<@{server.bot_id}> question number {i}?",
                author=flooder,
                mention_bot=True,
                channel_id=server.other_channel_id,
            )
        asked = await _message(
            server,
            f"<@{server.bot_id}> Who won the vote?",
            author=other,
            mention_bot=True,
            channel_id=server.other_channel_id,
        )
        await server.wait_for_request(
            "POST",
            MESSAGES,
            where=lambda r: _replied_to(r) == asked["id"],
        )
        await _settle(server, 0.5)
    assert "Who won the vote?" in engine.questions
    assert len(engine.questions) == 4  # three of the flooder's, one of the other user's
    texts = [r.json.get("content") or "" for r in server.messages_sent()]
    assert sum("asking faster than I can read" in t for t in texts) == 1


async def test_chat_in_an_answer_channel_is_bounded_per_channel(server: FakeDiscord) -> None:
    engine = SlowEngine()
    async with running_bot(server, _bot(server, engine, channel_questions_per_minute=12)):
        for i in range(36):
            author = server.make_user(f"chatter{i}")
            await _message(server, f"anyone seen line {i}?", author=author)
        await _settle(server, 0.8)
    assert len(engine.questions) == 12


async def test_mentions_emoji_and_everyone_never_reach_the_engine(server: FakeDiscord) -> None:
    engine = SlowEngine()
    async with running_bot(server, _bot(server, engine)):
        await _message(
            server,
            f"<@{server.bot_id}> @everyone <@123> <#456> what did <:pog:789> the council decide?",
            mention_bot=True,
            channel_id=server.other_channel_id,
        )
        await server.wait_for_request("POST", MESSAGES)
    assert engine.questions == ["what did the council decide?"]


async def test_a_direct_message_is_answered_without_a_mention(server: FakeDiscord) -> None:
    engine = SlowEngine()
    dm_channel = server._ids()
    async with running_bot(server, _bot(server, engine)):
        await _message(server, "What did the council decide?", channel_id=dm_channel, guild=False)
        reply = await server.wait_for_request("POST", rf"/channels/{dm_channel}/messages")
    assert engine.questions == ["What did the council decide?"]
    assert reply.json["allowed_mentions"]["parse"] == []


async def test_an_edit_that_adds_a_mention_asks_the_bot(server: FakeDiscord) -> None:
    engine = SlowEngine()
    async with running_bot(server, _bot(server, engine)):
        original = await _message(
            server, "What did the council decide?", channel_id=server.other_channel_id
        )
        await _settle(server)
        assert engine.questions == []  # not an answer channel, no mention
        edited = {
            **original,
            "content": f"<@{server.bot_id}> What did the council decide?",
            "mentions": [server.bot_user],
            "edited_timestamp": "2025-08-19T10:00:00+00:00",
        }
        await server.dispatch("MESSAGE_UPDATE", edited)
        await server.wait_for_request("POST", MESSAGES)
        await server.dispatch("MESSAGE_UPDATE", {**edited, "content": edited["content"] + " "})
        await _settle(server)
    assert engine.questions == ["What did the council decide?"]  # the second edit: no new ask


def _fail(server: FakeDiscord, status: int, code: int, times: int = 1, **headers: str) -> None:
    body = {"message": "Missing Permissions" if status == 403 else "failure", "code": code}
    server._failures.append(
        _Failure("POST", re.compile(MESSAGES), status, body, dict(headers), times)
    )


@pytest.mark.parametrize(
    ("status", "code", "times", "expected"),
    [
        (403, 50013, 1, r"missing permission .* \(Discord 403 50013\)"),
        (429, 0, 1, r"Discord answered 429"),  # no Via header: a proxy, not retried
        (500, 0, 5, r"Discord answered 500"),
    ],
)
async def test_a_refused_reply_is_one_clear_log_line(
    server: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
    status: int,
    code: int,
    times: int,
    expected: str,
) -> None:
    engine = SlowEngine()
    _fail(server, status, code, times, **({"Retry-After": "0.05"} if status == 429 else {}))
    with caplog.at_level(logging.WARNING):
        async with running_bot(server, _bot(server, engine)):
            await _message(
                server,
                f"<@{server.bot_id}> What did the council decide?",
                mention_bot=True,
                channel_id=server.other_channel_id,
            )
            async with asyncio.timeout(30):  # five 500s: discord.py backs off 1+3+5+7 s
                while not any("could not send" in r.getMessage() for r in caplog.records):
                    await asyncio.sleep(0.05)
    lines = [r for r in caplog.records if "could not send" in r.getMessage()]
    assert len(lines) == 1 and re.search(expected, lines[0].getMessage())
    assert server.other_channel_id in lines[0].getMessage()  # names the channel
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a refused reply"


async def test_an_unknown_slash_command_is_answered(server: FakeDiscord) -> None:
    async with running_bot(server, _bot(server, SlowEngine())):
        interaction = await server.send_interaction("headlines")  # stale: not ours any more
        callback = await server.wait_for_request(
            "POST", rf"/interactions/{interaction['id']}/[^/]+/callback"
        )
    data = callback.json["data"]
    assert "don't have that command" in data["content"]
    assert data["flags"] & 64  # only the user sees it


async def test_stopping_finishes_the_answers_in_flight(server: FakeDiscord) -> None:
    engine = SlowEngine(seconds=0.3)
    flood = FloodGuard(FloodSettings(engine_calls=2))
    bot = _bot(server, engine, flood)
    async with running_bot(server, bot):
        for i in range(8):
            user = server.make_user(f"reader{i}")
            await _message(
                server,
                f"<@{server.bot_id}> question {i}?",
                author=user,
                mention_bot=True,
                channel_id=server.other_channel_id,
            )
        await server.wait_until(lambda: engine.questions or None, timeout=5)
        await bot.drain_and_close()
        late = await _message(
            server,
            f"<@{server.bot_id}> too late?",
            mention_bot=True,
            channel_id=server.other_channel_id,
        )
    assert len(engine.questions) == 8
    replies = [r for r in server.messages_sent() if r.status == 200]
    assert len(replies) == 8
    assert all(_replied_to(r) != late["id"] for r in replies)
