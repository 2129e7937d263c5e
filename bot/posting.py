"""The bot's own posts, sent in the background: each alert tick asks the engine what
to send (new stories, edits of posted ones that another outlet reported, "more
stories" batches, daily digests), sends it, and records each message sent or refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot import render_alerts
from bot.cogs.common import NO_PINGS, report_send_failure
from index.alerts.records import DigestPost, MoreStories, StoryEdit, StoryPost

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)


class AlertPoster:
    """Sends what the engine's alert tick plans, for the alerts cog that owns it."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        self._tick_lock = asyncio.Lock()

    async def tick(self) -> None:
        """Ask the engine what to send, send it, and record each message sent (or
        refused). One tick at a time: two would send the same posts. Never raises."""
        async with self._tick_lock:
            with self.bot.tracked() as accepted:
                if not accepted:
                    return  # stopping: what is unsent stays planned for the next start
                try:
                    outbox = await asyncio.to_thread(self.engine.alerts)
                except Exception:
                    log.exception("planning the alerts failed")
                    return
                for edit in outbox.edits:
                    await self._edit(edit)
                for post in outbox.posts:
                    await self._post(post)
                for batch in outbox.batches:
                    await self._batch(batch)
                for due in outbox.digests:
                    await self._digest(due)

    def _channel(self, channel_id: int) -> discord.TextChannel | discord.Thread | None:
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, (discord.TextChannel, discord.Thread)):
            return channel
        log.warning("cannot post in channel %s: not a text channel I can see", channel_id)
        return None

    async def _record(self, what: str, call: Callable[..., None], *args: Any) -> None:
        """Tell the engine what happened to a message (in a worker thread; a failure
        is logged: the next tick sees the post as it was)."""
        try:
            await asyncio.to_thread(call, *args)
        except Exception:
            log.exception("recording %s failed", what)

    async def _send(
        self,
        channel_id: int,
        post_ids: Sequence[int],
        what: str,
        embed: discord.Embed,
        content: str | None = None,
        mentions: discord.AllowedMentions = NO_PINGS,
    ) -> None:
        channel = self._channel(channel_id)
        if channel is None:
            await self._record(what, self.engine.alert_failed, list(post_ids))
            return
        try:
            message = await channel.send(content, embed=embed, allowed_mentions=mentions)
        except discord.HTTPException as exc:
            report_send_failure(exc, channel, what)
            await self._record(what, self.engine.alert_failed, list(post_ids))
            return
        await self._record(what, self.engine.alert_sent, list(post_ids), channel_id, message.id)

    async def _post(self, post: StoryPost) -> None:
        embed = render_alerts.story_embed(post.card, post.reason, post.label)
        if post.role_id is None:
            await self._send(post.channel_id, [post.post_id], "a new story", embed)
            return
        # Only the follow's own role may ping: never @everyone, users or another role.
        ping = discord.AllowedMentions(
            everyone=False, users=False, roles=[discord.Object(id=post.role_id)], replied_user=False
        )
        content = render_alerts.role_tag(post.role_id)
        await self._send(post.channel_id, [post.post_id], "a new story", embed, content, ping)

    async def _batch(self, batch: MoreStories) -> None:
        embed = render_alerts.more_stories_embed(batch.cards)
        await self._send(batch.channel_id, batch.post_ids, "a 'more stories' message", embed)

    async def _edit(self, edit: StoryEdit) -> None:
        what = "an edit of a story post"
        channel = self._channel(edit.channel_id)
        if channel is None:
            await self._record(what, self.engine.alert_failed, [edit.post_id])
            return
        embed = render_alerts.story_embed(edit.card, edit.reason, edit.label)
        try:
            await channel.get_partial_message(edit.message_id).edit(embed=embed)
        except discord.HTTPException as exc:  # deleted message, lost permission: as it was
            report_send_failure(exc, channel, what)
            await self._record(what, self.engine.alert_failed, [edit.post_id])
            return
        await self._record(what, self.engine.alert_edited, edit.post_id)

    async def _digest(self, due: DigestPost) -> None:
        schedule = due.schedule
        what = "a daily digest"
        channel = self._channel(schedule.channel_id)
        if channel is not None:
            try:
                if due.digest.stories:
                    embed = render_alerts.daily_digest_embed(due.digest, due.day, schedule.topic)
                    await channel.send(embed=embed, allowed_mentions=NO_PINGS)
                else:
                    text = render_alerts.quiet_digest_text(schedule.topic)
                    await channel.send(text, allowed_mentions=NO_PINGS)
            except discord.HTTPException as exc:
                report_send_failure(exc, channel, what)
        # Sent, refused or nowhere to go: done for the day, not retried every tick.
        await self._record(what, self.engine.digest_sent, schedule.id, due.day)
