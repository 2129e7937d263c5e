"""The Discord client: a commands.Bot that holds the engine and loads the cogs."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Protocol

import discord
from discord.ext import commands

from index.config import DiscordConfig
from index.records import Answer, Stats, Summary, Topic

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.ask", "bot.cogs.summary")


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

    def __init__(self, engine: Engine, settings: DiscordConfig, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.engine = engine
        self.settings = settings

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
