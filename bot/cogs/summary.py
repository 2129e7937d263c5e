"""`/summary [topic] [days]` (the main stories, or a cited summary of one topic),
`/topics [days]` (main stories) and `/latest [count] [topic]` (the newest stories, one
line each)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render, render_digest
from bot.cogs.common import respond_in_thread
from index.records import Stats, Summary, Topic

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

SLASH_RATE = 3  # summaries and topic lists per user per minute: each reads many articles
TOPIC_LIMIT = 200  # Discord enforces it on the option; the engine clips questions itself
LATEST_DEFAULT = 10
LATEST_MAX = 25  # one embed holds 25 lines of headline, outlet and date comfortably


class Summaries(commands.Cog):
    """Summarizes what the engine has read about a topic."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.engine = bot.engine

    def _summarize(self, topic: str | None, days: int | None) -> tuple[Summary, Stats]:
        """Runs in a worker thread: the summary plus the stats for "news as of"."""
        return self.engine.summarize(topic, days=days), self.engine.stats()

    @app_commands.command(name="summary")
    @app_commands.checks.cooldown(SLASH_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        topic="What to summarize, e.g. 'Ukraine peace talks' (default: the main stories)",
        days="Only news published in the last this many days",
    )
    async def summary(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, TOPIC_LIMIT] | None = None,
        days: app_commands.Range[int, 1, 365] | None = None,
    ) -> None:
        """The main stories I have read, or a summary of one topic, with sources."""

        def work() -> discord.Embed:
            if not (topic or "").strip():
                return render_digest.digest_embed(self.engine.digest(days=days), days=days)
            summary, stats = self._summarize(topic, days)
            return render.summary_embed(summary, stats.newest, days=days)

        await self._respond(interaction, work, f"/summary {topic!r}")

    def _topics(self, days: int | None) -> tuple[list[Topic], Stats]:
        """Runs in a worker thread: the main stories plus the stats for "news as of"."""
        return self.engine.topics(days=days), self.engine.stats()

    @app_commands.command(name="topics")
    @app_commands.checks.cooldown(SLASH_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(days="Only news published in the last this many days")
    async def topics(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, 365] | None = None,
    ) -> None:
        """List the main stories in the news I have read."""

        def work() -> discord.Embed:
            found, stats = self._topics(days)
            return render.topics_embed(found, stats.newest, days=days)

        await self._respond(interaction, work, "/topics")

    @app_commands.command(name="latest")
    @app_commands.checks.cooldown(SLASH_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        count="How many stories (default 10)",
        topic="Only stories about this, e.g. 'hurricane'",
    )
    async def latest(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, LATEST_MAX] = LATEST_DEFAULT,
        topic: app_commands.Range[str, 1, TOPIC_LIMIT] | None = None,
    ) -> None:
        """The newest stories, one line each, with links and outlets."""

        def work() -> discord.Embed:
            stories = self.engine.latest(count, topic=topic)
            return render.latest_embed(stories, self.engine.stats().newest, topic=topic)

        await self._respond(interaction, work, "/latest")

    async def _respond(
        self, interaction: discord.Interaction, work: Callable[[], discord.Embed], what: str
    ) -> None:
        await respond_in_thread(self.bot, interaction, work, what, log)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Summaries(bot))
