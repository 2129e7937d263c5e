"""What the bot posts by itself: `/follow`, `/unfollow`, `/follows`, `/digest`,
`/feed add|remove`, `/feeds`, and the background loop that has `bot.posting` post new
stories, edit them when another outlet reports them, and post the daily digests.

Every subscription belongs to the server it was made in (the interaction's guild):
a server only sees and changes its own. Changing one needs the Manage Channels
permission in the channel it posts to, checked here on the permissions Discord sends
with the interaction (the command's default permissions only hide it in the menu,
and a server's admins can change those).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import render_alerts
from bot.cogs.common import NO_PINGS, respond_in_thread
from bot.posting import AlertPoster
from index.config import AlertsConfig

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

CHANGE_RATE = 10  # subscription changes per user per minute
LIST_RATE = 3  # lists per user per minute
TOPIC_LIMIT = 200
FILTER_LIMIT = 1_000
URL_LIMIT = 2_048
MANAGE = discord.Permissions(manage_channels=True)
POSTABLE = (discord.ChannelType.text, discord.ChannelType.news)
NOT_IN_SERVER_TEXT = "Use this command in a server: follows, digests and feeds belong to one."
NOT_TEXT_CHANNEL_TEXT = (
    "I can only post in a text or announcement channel: pick one with `channel`."
)


class TextChannelOption(app_commands.Transformer):
    """A text or announcement channel option, as Discord resolved it: an
    `AppCommandChannel`, whose `permissions` are the invoking member's there (the
    bot's cache knows neither the member's roles nor every overwrite)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(POSTABLE)

    async def transform(
        self, interaction: discord.Interaction, value: Any, /
    ) -> app_commands.AppCommandChannel:
        if not isinstance(value, app_commands.AppCommandChannel):
            raise app_commands.TransformerError(value, self.type, self)
        return value


ChannelOption = app_commands.Transform[app_commands.AppCommandChannel, TextChannelOption]


def _target(
    interaction: discord.Interaction, channel: app_commands.AppCommandChannel | None
) -> tuple[int | None, discord.Permissions]:
    """The channel a command acts on and the member's permissions there: the `channel`
    option's when given, else the current channel's; None when it is not one the bot
    can post in."""
    if channel is not None:
        return (channel.id if channel.type in POSTABLE else None), channel.permissions
    current = interaction.channel
    if current is None or getattr(current, "type", None) not in POSTABLE:
        return None, interaction.permissions
    return current.id, interaction.permissions


class Alerts(commands.Cog):
    """Follows, digests and feed channels; posts what they bring in the background."""

    feed = app_commands.Group(
        name="feed",
        description="Post every new story of one of my sources in a channel",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=MANAGE,
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        config = getattr(bot.engine, "alerts_config", None)
        # Test engines stand in for the index without its alert tables: no loop then.
        self.config = config if isinstance(config, AlertsConfig) else None
        self.poster = AlertPoster(bot)
        if self.config is not None:
            self.alert_loop.change_interval(seconds=self.config.tick_seconds)

    async def cog_load(self) -> None:
        if self.config is not None:
            self.alert_loop.start()

    async def cog_unload(self) -> None:
        self.alert_loop.cancel()

    @property
    def timezone(self) -> str:
        return self.config.timezone if self.config is not None else "UTC"

    # -- background ---------------------------------------------------------
    @tasks.loop(seconds=30.0)
    async def alert_loop(self) -> None:
        """Every `[alerts] tick_seconds`: post what the follows, feeds and digests bring."""
        await self.poster.tick()

    @alert_loop.before_loop
    async def _before_alerts(self) -> None:
        await self.bot.wait_until_ready()

    @commands.Cog.listener()
    async def on_sources_polled(self, added: int) -> None:
        """A poll brought new articles: post them now, not at the next tick."""
        if self.config is not None and added:
            await self.poster.tick()

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A deleted channel's follows, feeds, digest and unsent posts go with it."""
        try:
            await asyncio.to_thread(self.engine.forget_channel, channel.id)
        except Exception:
            log.exception("forgetting deleted channel %s failed", channel.id)

    # -- commands -----------------------------------------------------------
    async def _allowed(
        self,
        interaction: discord.Interaction,
        channel: app_commands.AppCommandChannel | None,
        action: str,
    ) -> tuple[int, int] | None:
        """(guild id, channel id) when the member may change what the bot posts in the
        target channel; else None, after a polite reply only they see."""
        guild_id = interaction.guild_id
        channel_id, permissions = _target(interaction, channel)
        if guild_id is None:
            refusal = NOT_IN_SERVER_TEXT
        elif channel_id is None:
            refusal = NOT_TEXT_CHANNEL_TEXT
        elif not permissions.manage_channels:
            command = getattr(interaction.command, "qualified_name", "?")
            log.info("refused /%s to user %s: no Manage Channels", command, interaction.user.id)
            refusal = render_alerts.need_permission_text(channel_id, action)
        else:
            return guild_id, channel_id
        await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_PINGS)
        return None

    async def _guild(self, interaction: discord.Interaction) -> int | None:
        if interaction.guild_id is None:
            await interaction.response.send_message(
                NOT_IN_SERVER_TEXT, ephemeral=True, allowed_mentions=NO_PINGS
            )
        return interaction.guild_id

    async def _run(
        self, interaction: discord.Interaction, work: Callable[[], discord.Embed | str], what: str
    ) -> None:
        await respond_in_thread(self.bot, interaction, work, what, log)

    @app_commands.command(name="follow")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.cooldown(CHANGE_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        topic="What to follow, e.g. 'Ukraine grain deal'",
        channel="Where to post (default: here)",
        role="A role to ping with each new story (default: none)",
    )
    async def follow(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, TOPIC_LIMIT],
        channel: ChannelOption | None = None,
        role: discord.Role | None = None,
    ) -> None:
        """Post each new story about a topic in a channel (Manage Channels there)."""
        where = await self._allowed(interaction, channel, "follow topics there")
        if where is None:
            return
        if role is not None and not role.mentionable and not _can_ping_any(interaction, channel):
            await interaction.response.send_message(
                f"{role.mention} can't be mentioned by members: make it mentionable, or "
                "ask someone with Mention @everyone to set this follow.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        guild_id, channel_id = where
        role_id = role.id if role is not None else None

        def work() -> str:
            made = self.engine.follow(guild_id, channel_id, topic, role_id=role_id)
            return render_alerts.followed_text(made)

        await self._run(interaction, work, "/follow")

    @app_commands.command(name="unfollow")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.cooldown(CHANGE_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        topic="The topic, as /follows lists it", channel="Where it is posted (default: here)"
    )
    async def unfollow(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, TOPIC_LIMIT],
        channel: ChannelOption | None = None,
    ) -> None:
        """Stop following a topic in a channel (Manage Channels there)."""
        where = await self._allowed(interaction, channel, "stop follows there")
        if where is None:
            return
        guild_id, channel_id = where

        def work() -> str:
            removed = self.engine.unfollow(guild_id, topic, channel_id=channel_id)
            folded = " ".join(topic.split()).casefold()
            elsewhere = [
                f.channel_id
                for f in self.engine.follows(guild_id)
                if " ".join(f.topic.split()).casefold() == folded
            ]
            return render_alerts.unfollowed_text(topic, channel_id, removed, elsewhere)

        await self._run(interaction, work, "/unfollow")

    @app_commands.command(name="follows")
    @app_commands.guild_only()
    @app_commands.checks.cooldown(LIST_RATE, 60.0, key=lambda i: i.user.id)
    async def list_follows(self, interaction: discord.Interaction) -> None:
        """The topics this server follows, and where each is posted."""
        guild_id = await self._guild(interaction)
        if guild_id is None:
            return
        await self._run(
            interaction,
            lambda: render_alerts.follows_embed(self.engine.follows(guild_id)),
            "/follows",
        )

    @app_commands.command(name="digest")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.cooldown(CHANGE_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        channel="Where to post it (default: here)",
        time="HH:MM, 24-hour, in the bot's timezone; 'off' stops it. Leave out to list",
        topic="Only stories about this (default: all the news)",
    )
    async def digest(
        self,
        interaction: discord.Interaction,
        channel: ChannelOption | None = None,
        time: app_commands.Range[str, 1, 8] | None = None,
        topic: app_commands.Range[str, 1, TOPIC_LIMIT] | None = None,
    ) -> None:
        """The day's main stories in a channel daily; without a time, this server's digests."""
        timezone = self.timezone
        if time is None:
            guild_id = await self._guild(interaction)
            if guild_id is None:
                return
            if topic is not None:
                await interaction.response.send_message(
                    "Give a `time` (HH:MM) to set a digest about a topic.",
                    ephemeral=True,
                    allowed_mentions=NO_PINGS,
                )
                return

            def listing() -> discord.Embed:
                return render_alerts.digests_embed(self.engine.digest_schedules(guild_id), timezone)

            await self._run(interaction, listing, "/digest")
            return
        where = await self._allowed(interaction, channel, "set its daily digest")
        if where is None:
            return
        guild_id, channel_id = where
        at = time

        def work() -> str:
            if at.strip().casefold() == "off":
                removed = self.engine.unschedule_digest(guild_id, channel_id)
                return render_alerts.digest_off_text(channel_id, removed)
            made = self.engine.schedule_digest(guild_id, channel_id, at, topic=topic or "")
            return render_alerts.digest_set_text(made, timezone)

        await self._run(interaction, work, "/digest")

    @feed.command(name="add")
    @app_commands.checks.cooldown(CHANGE_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        channel="Where to post its stories",
        source="The source's address, as /sources list shows it",
        include="Only stories with one of these words (comma-separated)",
        exclude="Never stories with one of these words (comma-separated)",
    )
    async def add_feed(
        self,
        interaction: discord.Interaction,
        channel: ChannelOption,
        source: app_commands.Range[str, 1, URL_LIMIT],
        include: app_commands.Range[str, 1, FILTER_LIMIT] | None = None,
        exclude: app_commands.Range[str, 1, FILTER_LIMIT] | None = None,
    ) -> None:
        """Post every new story of one of my sources in a channel (Manage Channels there)."""
        where = await self._allowed(interaction, channel, "post a feed there")
        if where is None:
            return
        guild_id, channel_id = where

        def work() -> str:
            made = self.engine.route_feed(
                guild_id, channel_id, source, include=include or "", exclude=exclude or ""
            )
            return render_alerts.feed_added_text(made, self.engine.sources())

        await self._run(interaction, work, "/feed add")

    @feed.command(name="remove")
    @app_commands.checks.cooldown(CHANGE_RATE, 60.0, key=lambda i: i.user.id)
    @app_commands.describe(
        source="The source's address, as /feeds lists it",
        channel="Where it is posted (default: here)",
    )
    async def remove_feed(
        self,
        interaction: discord.Interaction,
        source: app_commands.Range[str, 1, URL_LIMIT],
        channel: ChannelOption | None = None,
    ) -> None:
        """Stop posting a source in a channel (Manage Channels there)."""
        where = await self._allowed(interaction, channel, "remove a feed there")
        if where is None:
            return
        guild_id, channel_id = where

        def work() -> str:
            removed = self.engine.unroute_feed(guild_id, source, channel_id=channel_id)
            return render_alerts.feed_removed_text(source, channel_id, removed)

        await self._run(interaction, work, "/feed remove")

    @app_commands.command(name="feeds")
    @app_commands.guild_only()
    @app_commands.checks.cooldown(LIST_RATE, 60.0, key=lambda i: i.user.id)
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """The channels where this server posts my sources' stories."""
        guild_id = await self._guild(interaction)
        if guild_id is None:
            return
        await self._run(
            interaction,
            lambda: render_alerts.feeds_embed(
                self.engine.feed_channels(guild_id), self.engine.sources()
            ),
            "/feeds",
        )


def _can_ping_any(
    interaction: discord.Interaction, channel: app_commands.AppCommandChannel | None
) -> bool:
    """Whether the member may mention any role (Mention @everyone) where it is posted."""
    permissions = channel.permissions if channel is not None else interaction.permissions
    return permissions.mention_everyone


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Alerts(bot))
