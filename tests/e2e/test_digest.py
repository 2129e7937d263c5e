"""End to end: `/summary` without a topic is the digest, through the real discord.py
client against the loopback fake Discord: deferred, one embed within Discord's limits,
nothing from an article live, no pings, an empty window said in one line."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import discord
import pytest

from bot.client import NewsBot
from index.config import DiscordConfig
from index.records import Digest, DigestStory, Stats
from tests.bot.test_render_safety import (
    BREAKOUT,
    MENTION_TEXT,
    TWO_LINKS,
    unsafe_markup,
    within_limits,
)
from tests.fake_discord import FakeDiscord, RecordedRequest, running_bot

HOSTILE = (
    f"@everyone @here **Breaking** __now__ # {MENTION_TEXT} {TWO_LINKS} `x` ||s|| "
    "> https://evil.example/phish \u202eeman\u202c [click](https://evil.example) "
)
LIVE = re.compile(r"(?<!\\)<[@#/:at]|@(?:everyone|here)\b|(?<![\\\u200b:])https?://")


class DigestEngine:
    """An engine whose digest is fixed; records the window the bot asked for."""

    def __init__(self, digest: Digest) -> None:
        self._digest = digest
        self.asked: list[tuple[int | None, date | None]] = []

    def digest(self, *, days: int | None = None, now: date | None = None, count: int = 8) -> Digest:
        self.asked.append((days, now))
        return self._digest

    def stats(self) -> Stats:
        return Stats(articles=8, passages=8, newest="2025-03-05", sources=3)

    def summarize(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("/summary without a topic is the digest, not a summary")

    def sources(self) -> list[Any]:
        return []

    def poll(self, **_: Any) -> list[Any]:
        return []

    def sources_to_announce(self) -> list[Any]:
        return []


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def _bot(server: FakeDiscord, engine: Any) -> NewsBot:
    settings = DiscordConfig(answer_channels=(), dev_guild_id=None)
    return NewsBot(engine, settings, guild_ready_timeout=0)


async def _summary(server: FakeDiscord, options: dict[str, Any] | None = None) -> RecordedRequest:
    interaction = await server.send_interaction("summary", options or {})
    callback = await server.wait_for_request(
        "POST", rf"/interactions/{interaction['id']}/[^/]+/callback"
    )
    assert callback.json["type"] == 5  # deferred: "thinking…", then the followup
    return await server.wait_for_request(
        "POST", rf"/webhooks/{server.app_id}/{interaction['token']}"
    )


def _hostile_digest() -> Digest:
    urls = [BREAKOUT, *(f"https://news.example/{n}/" + "y" * 150 for n in range(2, 9))]
    stories = tuple(
        DigestStory(
            story_id=n,
            headline=(HOSTILE * 30)[:3000],
            sentence="<@123> " + (HOSTILE * 30)[:3000] + ".",
            url=urls[n - 1],
            outlet=HOSTILE,
            published="2025-03-05",
            also_reported_by=(HOSTILE, "@everyone", "<@&456>", "Wire D"),
            articles=9 - n,
        )
        for n in range(1, 9)
    )
    return Digest(stories=stories, since="2025-02-27", until="2025-03-05")


async def test_many_long_hostile_stories_fit_one_embed_and_stay_inert(
    server: FakeDiscord,
) -> None:
    engine = DigestEngine(_hostile_digest())
    async with running_bot(server, _bot(server, engine)):
        followup = await _summary(server, {"days": 3})
    assert engine.asked == [(3, None)]  # the window asked for; `now` left to the engine
    assert followup.status == 200
    assert followup.json["allowed_mentions"]["parse"] == []
    (embed,) = followup.json["embeds"]
    assert embed["title"] == "Main stories from the last 3 days"
    description = embed["description"]
    total = len(embed["title"]) + len(description) + len(embed["footer"]["text"])
    assert len(description) <= 4096 and total <= 6000
    blocks = description.split("\n\n")
    assert [b.split(".", 1)[0] for b in blocks] == [f"**{n}" for n in range(1, len(blocks) + 1)]
    assert 1 <= len(blocks) < 8  # whole stories dropped from the end
    links = re.findall(r"\]\((https?://[^)\s]+)\)\*\*\n", description)
    assert links == [
        "https://times.example/a%29%5Bphish%5D%28http://evil.example",
        *(f"https://news.example/{n}/" + "y" * 150 for n in range(2, len(blocks) + 1)),
    ]
    without_own_links = re.sub(r"\]\(https?://[^)\s]+\)\*\*\n", "]**\n", description)
    assert LIVE.findall(without_own_links) == []
    assert "\u202e" not in description
    sent = discord.Embed.from_dict(embed)
    assert within_limits(sent) == [] and unsafe_markup(sent, links) == []
    for block in blocks:  # each story's bold opens and closes: nothing cut mid-markup
        plain = re.sub(r"\\.", "", block)
        assert plain.count("**") == 2 and plain.startswith("**") and block.count("\n") == 2


async def test_an_empty_window_is_one_line(server: FakeDiscord) -> None:
    engine = DigestEngine(Digest(stories=(), since="", until=""))
    async with running_bot(server, _bot(server, engine)):
        followup = await _summary(server)
    (embed,) = followup.json["embeds"]
    assert embed["description"] == "I have not read any news yet."
    assert engine.asked == [(None, None)]
