"""The Discord client: a commands.Bot that holds the engine and loads the cogs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.cogs.common import (
    NO_PINGS,
    NOT_OPERATOR_TEXT,
    NotOperator,
    report_send_failure,
    slow_down_text,
)
from bot.flood import FloodGuard, FloodSettings
from index.alerts.records import DigestSchedule, FeedChannel, Follow, Outbox
from index.config import AlertsConfig, DiscordConfig
from index.ingest.pipeline import IngestReport
from index.records import (
    Answer,
    Digest,
    FeedSource,
    PollResult,
    PruneReport,
    Stats,
    StoryLine,
    Summary,
    Topic,
)

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.ask", "bot.cogs.summary", "bot.cogs.sources", "bot.cogs.alerts")
DRAIN_SECONDS = 10.0  # on SIGTERM, how long answers in flight may take to finish
UNKNOWN_COMMAND_TEXT = (
    "I don't have that command (any more). Type `/` to see my commands, or ask me by mentioning me."
)


class Engine(Protocol):
    """What the bot needs from `index.engine.NewsIndex` (a fake in some tests).

    `now` None means today, as in the engine: the bot never passes its own.
    """

    def answer(self, question: str, *, now: date | None = None) -> Answer: ...

    def stats(self) -> Stats: ...

    def summarize(
        self, topic: str | None = None, *, days: int | None = None, now: date | None = None
    ) -> Summary: ...

    def topics(self, *, days: int | None = None, now: date | None = None) -> list[Topic]: ...

    def digest(
        self, *, days: int | None = None, now: date | None = None, count: int = 8
    ) -> Digest: ...

    def latest(
        self,
        count: int = 10,
        *,
        topic: str | None = None,
        days: int | None = None,
        now: date | None = None,
    ) -> list[StoryLine]: ...

    def sources(self) -> list[FeedSource]: ...

    def add_source(self, url: str, *, every_minutes: int | None = None) -> FeedSource: ...

    def remove_source(self, url: str) -> bool: ...

    def ingest_url(self, url: str) -> IngestReport: ...

    def poll(self, *, force: bool = False, now: datetime | None = None) -> list[PollResult]: ...

    def sources_to_announce(self) -> list[FeedSource]: ...

    def mark_failure_announced(self, url: str) -> None: ...

    def prune(self) -> PruneReport: ...

    # What the bot posts by itself (bot/cogs/alerts.py); a server only sees its own.
    alerts_config: AlertsConfig

    def follow(
        self,
        guild_id: int,
        channel_id: int,
        topic: str,
        *,
        role_id: int | None = None,
        now: datetime | None = None,
    ) -> Follow: ...

    def unfollow(self, guild_id: int, topic: str, *, channel_id: int | None = None) -> int: ...

    def follows(self, guild_id: int | None = None) -> list[Follow]: ...

    def schedule_digest(
        self, guild_id: int, channel_id: int, at: str, *, topic: str = ""
    ) -> DigestSchedule: ...

    def unschedule_digest(self, guild_id: int, channel_id: int) -> bool: ...

    def digest_schedules(self, guild_id: int | None = None) -> list[DigestSchedule]: ...

    def route_feed(
        self,
        guild_id: int,
        channel_id: int,
        source: str,
        *,
        include: str = "",
        exclude: str = "",
        now: datetime | None = None,
    ) -> FeedChannel: ...

    def unroute_feed(self, guild_id: int, source: str, *, channel_id: int | None = None) -> int: ...

    def feed_channels(self, guild_id: int | None = None) -> list[FeedChannel]: ...

    def forget_channel(self, channel_id: int) -> None: ...

    def alerts(self, now: datetime | None = None) -> Outbox: ...

    def alert_sent(
        self,
        post_ids: Sequence[int],
        channel_id: int,
        message_id: int,
        now: datetime | None = None,
    ) -> None: ...

    def alert_edited(self, post_id: int) -> None: ...

    def alert_failed(self, post_ids: Sequence[int]) -> None: ...

    def digest_sent(self, schedule_id: int, day: str) -> None: ...


def intents() -> discord.Intents:
    """Default intents plus message content (to read questions); no privileged members intent."""
    chosen = discord.Intents.default()
    chosen.message_content = True
    chosen.members = False
    chosen.presences = False
    return chosen


class NewsBot(commands.Bot):
    """A bot that answers questions about the news from `engine`.

    Never pings anyone: mentions are disabled for every message it sends.
    Extra keyword arguments go to `commands.Bot` (tests pass `guild_ready_timeout`).
    """

    def __init__(
        self,
        engine: Engine,
        settings: DiscordConfig,
        *,
        flood: FloodGuard | None = None,
        poll_every_s: float = 60.0,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.engine = engine
        self.settings = settings
        self.poll_every_s = poll_every_s  # how often to look for sources due a poll
        self.flood = flood or FloodGuard(
            FloodSettings(
                user_questions=settings.user_questions_per_minute,
                channel_questions=settings.channel_questions_per_minute,
            )
        )
        self.tree.error(self.on_app_command_error)
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._accepting = True

    @contextlib.contextmanager
    def tracked(self) -> Iterator[bool]:
        """Count the current task as work in flight (yields False when shutting down:
        then the caller takes no new work)."""
        task = asyncio.current_task()
        if not self._accepting or task is None:
            yield False
            return
        self._in_flight.add(task)
        try:
            yield True
        finally:
            self._in_flight.discard(task)

    async def drain_and_close(self, timeout: float = DRAIN_SECONDS) -> None:
        """Stop taking questions, let those in flight be answered (at most `timeout`
        seconds), then disconnect."""
        self._accepting = False
        pending = {t for t in self._in_flight if t is not asyncio.current_task()}
        if pending:
            log.info("finishing %d answers before stopping", len(pending))
            _, late = await asyncio.wait(pending, timeout=timeout)
            if late:
                log.warning("stopping with %d answers unfinished after %.0f s", len(late), timeout)
        await self.close()

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Every failed slash command gets an answer only its user sees: a cooldown, an
        unknown (stale) command, or a plain apology; never "The application did not
        respond"."""
        if isinstance(error, app_commands.CommandOnCooldown):
            text = slow_down_text(error.retry_after)
        elif isinstance(error, app_commands.CommandNotFound):
            log.info("unknown slash command /%s (stale registration?)", error.name)
            text = UNKNOWN_COMMAND_TEXT
        elif isinstance(error, NotOperator):
            log.info("refused an operator command to user %s", interaction.user.id)
            text = NOT_OPERATOR_TEXT
        elif isinstance(error, app_commands.CheckFailure):
            text = "You can't use that command here."
        else:
            log.error("slash command failed: %s: %s", type(error).__name__, error)
            text = render.ERROR_TEXT
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
            else:
                await interaction.response.send_message(
                    text, ephemeral=True, allowed_mentions=NO_PINGS
                )
        except discord.HTTPException as exc:
            report_send_failure(exc, interaction.channel, "a slash-command error message")

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Register the slash commands, as discord.py advises: in the dev guild (instantly)
        when one is configured, and globally only when asked (`sync_global`, or
        `newsdesk run --sync`), since global registration is rate limited and can take
        up to an hour to show.

        A failure is logged, not raised: mentions and answer channels work without it.
        """
        targets: list[discord.Object | None] = []
        if self.settings.dev_guild_id is not None:
            dev_guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=dev_guild)
            targets.append(dev_guild)
        if self.settings.sync_global:
            targets.append(None)
        if not targets:
            log.info("slash commands not synced (run once with --sync after they change)")
        for guild in targets:
            where = f"guild {guild.id}" if guild else "all guilds"
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                log.error(
                    "could not register slash commands in %s (%s %s): was the bot invited "
                    "with the applications.commands scope?",
                    where,
                    exc.status,
                    exc.text,
                )
                continue
            log.info("registered %d slash commands in %s", len(synced), where)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: questions are handled by the Ask cog's listener."""

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (%s) in %d guilds",
            self.user,
            getattr(self.user, "id", "?"),
            len(self.guilds),
        )
