"""The bot's sources: `/sources list|add|remove`, `/ingest url`, and the background work
that keeps the news current (polling due sources, announcing one that keeps failing,
the daily prune).

Sources feed every server the bot is in, so changing them is for the bot's operators
only: the application's owner or team (discord.py's `is_owner`) and the user ids in
`[discord] operators`. Anyone may list them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import render_sources
from bot.cogs.common import (
    NO_PINGS,
    NOT_OPERATOR_TEXT,
    NotOperator,
    report_send_failure,
    respond_in_thread,
)

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

OPERATOR_RATE = 6  # source changes and ingests per operator per minute
LIST_RATE = 3  # /sources list per user per minute
URL_LIMIT = 2_048
# How often the bot looks for sources due a poll; each source has its own interval.
POLL_TICK_S = 60.0
PRUNE_EVERY_H = 24.0


async def is_operator(interaction: discord.Interaction) -> bool:
    """True for the application's owner or team and the configured operator ids;
    raises NotOperator otherwise (the tree's error handler answers politely)."""
    bot: NewsBot = interaction.client  # type: ignore[assignment]
    if interaction.user.id in bot.settings.operators or await bot.is_owner(interaction.user):
        return True
    raise NotOperator(NOT_OPERATOR_TEXT)


class Sources(commands.Cog):
    """Lists and changes the sources; polls them in the background."""

    sources = app_commands.Group(name="sources", description="The news sources I follow")

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        self.poll_loop.change_interval(seconds=bot.poll_every_s)

    async def cog_load(self) -> None:
        if self.bot.settings.poll_sources:
            self.poll_loop.start()
            self.prune_loop.start()

    async def cog_unload(self) -> None:
        self.poll_loop.cancel()
        self.prune_loop.cancel()

    # -- background ---------------------------------------------------------
    @tasks.loop(seconds=POLL_TICK_S)
    async def poll_loop(self) -> None:
        """Poll every due source (in a worker thread: fetching and embedding never block
        the event loop), then announce sources that started failing."""
        try:
            results = await asyncio.to_thread(self.engine.poll)
        except Exception:
            log.exception("polling the sources failed")
            return
        for result in results:
            if result.error:
                log.warning("source %s: %s", result.url, result.error)
            elif result.added:
                log.info("source %s: %d new articles", result.url, len(result.added))
        added = sum(len(r.added) for r in results if not r.error)
        if added:
            self.bot.dispatch("sources_polled", added)  # the Alerts cog posts them now
        await self._announce_failures()

    @poll_loop.before_loop
    async def _before_poll(self) -> None:
        await self.bot.wait_until_ready()

    async def _announce_failures(self) -> None:
        """Tell the operators' channel, once, about each source that keeps failing."""
        channel_id = self.bot.settings.operators_channel_id
        try:
            failing = await asyncio.to_thread(self.engine.sources_to_announce)
        except Exception:
            log.exception("reading failing sources failed")
            return
        for source in failing:
            if channel_id is None:
                log.warning("source %s keeps failing: %s", source.url, source.last_error)
                await asyncio.to_thread(self.engine.mark_failure_announced, source.url)
                continue
            channel = self.bot.get_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("operators_channel_id %s is not a channel I can see", channel_id)
                return
            try:
                await channel.send(
                    render_sources.failing_source_text(source), allowed_mentions=NO_PINGS
                )
            except discord.HTTPException as exc:
                report_send_failure(exc, channel, "a failing-source notice")
                return  # try again after the next poll
            await asyncio.to_thread(self.engine.mark_failure_announced, source.url)

    @tasks.loop(hours=PRUNE_EVERY_H)
    async def prune_loop(self) -> None:
        """Drop articles past the retention period (`[index] retention_days`), once a day
        from the start, while the index follows sources.

        An index that follows none is an archive someone ingested by hand (the bundled
        sample dates from 2025): it is pruned only by `newsdesk prune`, never behind
        its owner's back.
        """
        try:
            if not await asyncio.to_thread(self.engine.sources):
                return
            report = await asyncio.to_thread(self.engine.prune)
        except Exception:
            log.exception("pruning old articles failed")
            return
        if report.articles:
            log.info("pruned %d articles past retention", report.articles)

    @prune_loop.before_loop
    async def _before_prune(self) -> None:
        await self.bot.wait_until_ready()

    # -- commands -----------------------------------------------------------
    @sources.command(name="list")
    @app_commands.checks.cooldown(LIST_RATE, 60.0, key=lambda i: i.user.id)
    async def list_sources(self, interaction: discord.Interaction) -> None:
        """The sources I follow: health, last success, articles read, errors."""
        await self._run(
            interaction,
            lambda: render_sources.sources_embed(self.engine.sources()),
            "/sources list",
            ephemeral=False,
        )

    @sources.command(name="add")
    @app_commands.check(is_operator)
    @app_commands.checks.cooldown(OPERATOR_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        url="A feed (RSS or Atom) or an article page, http(s)",
        every="Minutes between polls (default: the configured interval)",
    )
    async def add_source(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, URL_LIMIT],
        every: app_commands.Range[int, 1, 10_080] | None = None,
    ) -> None:
        """Follow a feed or page (operators only). Its current entries are read, not posted."""

        def work() -> str:
            return render_sources.source_added_text(
                self.engine.add_source(url, every_minutes=every)
            )

        await self._run(interaction, work, "/sources add")

    @sources.command(name="remove")
    @app_commands.check(is_operator)
    @app_commands.checks.cooldown(OPERATOR_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(url="The source's address, as /sources list shows it")
    async def remove_source(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 1, URL_LIMIT]
    ) -> None:
        """Stop following a source (operators only). Articles already read stay."""

        def work() -> str:
            return render_sources.source_removed_text(url, self.engine.remove_source(url))

        await self._run(interaction, work, "/sources remove")

    @app_commands.command(name="ingest")
    @app_commands.check(is_operator)
    @app_commands.checks.cooldown(OPERATOR_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(url="An article page or feed to read once, http(s)")
    async def ingest(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 1, URL_LIMIT]
    ) -> None:
        """Read one page or feed now (operators only) and say what was added."""

        def work() -> str:
            return render_sources.ingest_text(url, self.engine.ingest_url(url))

        await self._run(interaction, work, "/ingest")

    async def _run(
        self,
        interaction: discord.Interaction,
        work: Callable[[], discord.Embed | str],
        what: str,
        *,
        ephemeral: bool = True,
    ) -> None:
        """Operator commands answer only their user (`ephemeral`); fetching can take
        seconds, so every command defers."""
        await respond_in_thread(self.bot, interaction, work, what, log, ephemeral=ephemeral)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Sources(bot))
