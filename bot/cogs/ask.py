"""Answering questions: mentions, DMs, questions in answer channels, `/ask` and `/help`."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.cogs.common import (
    NO_PINGS,
    REPEAT_TEXT,
    RESTARTING_TEXT,
    ephemeral_error,
    failed,
    report_send_failure,
    slow_down_text,
)
from bot.flood import Verdict
from bot.triggers import looks_like_question, mentions, question_text
from index.records import Answer, Stats

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

# Messages people write; every other type (thread created, pins, joins, boosts...) is
# Discord's own, and its content (a thread's name, for one) is not a question.
USER_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)


def _own_role(message: discord.Message) -> discord.Role | None:
    """The role Discord made for the bot in the message's server (None in DMs)."""
    return message.guild.self_role if message.guild else None


class Ask(commands.Cog):
    """Answers questions about the news from the engine's index."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        self.settings = bot.settings

    def _ask(self, question: str) -> tuple[Answer, Stats]:
        """Runs in a worker thread: the answer (the engine clips the question and takes
        today as "now") plus the stats for "news as of"."""
        return self.engine.answer(question), self.engine.stats()

    def _trigger(self, message: discord.Message) -> str | None:
        """Why to answer `message`: "mention", "dm" (a direct message), "channel" (a
        question asked unprompted in an answer channel), "reply" (a question in a reply to
        the bot, which pings it without naming it), or None to ignore it (bots, itself,
        system messages, chit-chat)."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        if message.type not in USER_MESSAGES:
            return None
        if message.guild is None:
            return "dm"
        role = _own_role(message)
        named = role is not None and role in message.role_mentions
        if self.settings.reply_on_mention and (me in message.mentions or named):
            if mentions(message.content, me.id, role.id if role else None):
                return "mention"
            # A reply to the bot ("thanks!", "what about Gaza?") is not an explicit ask:
            # answer a follow-up question, but only when the news covers it.
            return "reply" if looks_like_question(message.content) else None
        channel = message.channel
        channel_ids = {channel.id, getattr(channel, "parent_id", None)}  # threads count too
        if not channel_ids.isdisjoint(self.settings.answer_channels) and looks_like_question(
            message.content
        ):
            return "channel"
        return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        trigger = self._trigger(message)
        if trigger is not None:
            await self._handle(message, trigger)

    @commands.Cog.listener()
    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        """An edit that adds a mention of the bot asks it, as a new message would."""
        if before.content == after.content:
            return  # embeds resolved, pins: not an edit of the question
        trigger = self._trigger(after)
        if trigger in ("mention", "dm") and self._trigger(before) != trigger:
            await self._handle(after, trigger)

    async def _handle(self, message: discord.Message, trigger: str) -> None:
        with self.bot.tracked() as accepted:
            if not accepted:
                return  # shutting down: questions in flight finish, new ones wait
            await self._answer(message, trigger)

    async def _answer(self, message: discord.Message, trigger: str) -> None:
        question = question_text(message.content)
        if not question:
            if trigger in ("mention", "dm"):
                await self._reply(message, content=render.NO_QUESTION_TEXT)
            return
        unprompted = trigger in ("channel", "reply")
        verdict = self.bot.flood.check(
            message.author.id, message.channel.id, question, unprompted=unprompted
        )
        if verdict is Verdict.SLOW_DOWN:
            retry = self.bot.flood.retry_after(message.author.id)
            await self._reply(message, content=slow_down_text(retry))
            return
        if verdict is not Verdict.ANSWER:
            log.info("dropped a question from user %s: %s", message.author.id, verdict.value)
            return
        try:
            async with self.bot.flood.slot(message.author.id):
                answer, stats = await asyncio.to_thread(self._ask, question)
        except Exception as exc:
            text = failed(exc, f"answering message {message.id}", log)
            if not unprompted:
                await self._reply(message, content=text)
            return
        if answer.abstained and unprompted:
            return  # unprompted, the bot speaks only when the news it read covers the question
        await self._reply(message, embed=render.answer_embed(answer, stats.newest))

    async def _reply(
        self,
        message: discord.Message,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
    ) -> None:
        # fail_if_not_exists=False: if the question was deleted meanwhile, the answer is
        # still sent, as a plain message, instead of an HTTP 400 lost in the logs.
        try:
            await message.channel.send(
                content=content,
                embeds=[embed] if embed is not None else [],
                reference=message.to_reference(fail_if_not_exists=False),
                mention_author=False,
                allowed_mentions=NO_PINGS,
            )
        except discord.HTTPException as exc:
            report_send_failure(exc, message.channel, f"the reply to message {message.id}")

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question about the news")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Ask a question about the news I have read."""
        with self.bot.tracked() as accepted:
            if not accepted:
                await interaction.response.send_message(
                    RESTARTING_TEXT, ephemeral=True, allowed_mentions=NO_PINGS
                )
                return
            await self._slash_ask(interaction, question)

    async def _slash_ask(self, interaction: discord.Interaction, question: str) -> None:
        channel = interaction.channel_id or 0
        verdict = self.bot.flood.check(interaction.user.id, channel, question, unprompted=False)
        if verdict is not Verdict.ANSWER:
            retry = self.bot.flood.retry_after(interaction.user.id)
            text = slow_down_text(retry) if retry else REPEAT_TEXT
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await interaction.response.defer(thinking=True)
        try:
            async with self.bot.flood.slot(interaction.user.id):
                answer, stats = await asyncio.to_thread(self._ask, question)
        except Exception as exc:
            await ephemeral_error(interaction, failed(exc, f"/ask {question[:100]!r}", log))
            return
        try:
            await interaction.followup.send(
                embed=render.answer_embed(answer, stats.newest), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException as exc:
            report_send_failure(exc, interaction.channel, "the answer to /ask")

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What I can do, and how much news I have read."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            stats = await asyncio.to_thread(self.engine.stats)
        except Exception as exc:
            await interaction.followup.send(failed(exc, "/help", log), ephemeral=True)
            return
        embed = render.help_embed(stats, answer_channels=self.settings.answer_channels)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
