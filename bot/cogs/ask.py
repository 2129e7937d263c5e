"""Answering questions: mentions, questions in answer channels, `/ask` and `/help`."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.triggers import looks_like_question, strip_mentions
from index.errors import NewsdeskError
from index.records import Answer, Stats

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


def _user_error(exc: Exception) -> str:
    """An engine error's own one-line message is fit for users; anything else is not."""
    return render.error_text(str(exc) if isinstance(exc, NewsdeskError) else "")


class Ask(commands.Cog):
    """Answers questions about the news from the engine's index."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        self.settings = bot.settings

    def _ask(self, question: str) -> tuple[Answer, Stats]:
        """Runs in a worker thread: the answer plus the stats for "news as of"."""
        return self.engine.answer(question), self.engine.stats()

    def _is_for_me(self, message: discord.Message) -> tuple[bool, bool]:
        """(mentioned, unprompted): whether to answer, and whether it was unprompted."""
        me = self.bot.user
        if message.author.bot or me is None or message.author.id == me.id:
            return False, False
        mentioned = self.settings.reply_on_mention and me in message.mentions
        channel = message.channel
        channel_ids = {channel.id, getattr(channel, "parent_id", None)}
        in_answer_channel = not channel_ids.isdisjoint(self.settings.answer_channels)
        return mentioned, (not mentioned and in_answer_channel)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        mentioned, unprompted = self._is_for_me(message)
        question = strip_mentions(message.content, self.bot.user.id if self.bot.user else 0)
        if unprompted and not looks_like_question(question):
            return
        if not (mentioned or unprompted):
            return
        if not question:
            await self._reply(message, content=render.NO_QUESTION_TEXT)
            return
        try:
            async with message.channel.typing():
                answer, stats = await asyncio.to_thread(self._ask, render.clip_question(question))
        except Exception as exc:
            log.exception("answering message %s failed", message.id)
            if mentioned:
                await self._reply(message, content=_user_error(exc))
            return
        if answer.abstained and unprompted:
            return  # unprompted, the bot speaks only when it knows
        await self._reply(message, embed=render.answer_embed(answer, stats.newest))

    async def _reply(
        self,
        message: discord.Message,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
    ) -> None:
        await message.reply(
            content=content, embed=embed, mention_author=False, allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question about the news")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Ask a question about the news I have read."""
        await interaction.response.defer(thinking=True)
        try:
            answer, stats = await asyncio.to_thread(self._ask, render.clip_question(question))
        except Exception as exc:
            log.exception("/ask failed for %r", question[:100])
            await self._ephemeral_error(interaction, _user_error(exc))
            return
        await interaction.followup.send(
            embed=render.answer_embed(answer, stats.newest), allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What I can do, and how much news I have read."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            stats = await asyncio.to_thread(self.engine.stats)
        except Exception as exc:
            log.exception("/help failed")
            await interaction.followup.send(_user_error(exc), ephemeral=True)
            return
        embed = render.help_embed(stats, answer_channels=self.settings.answer_channels)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    async def _ephemeral_error(self, interaction: discord.Interaction, text: str) -> None:
        """Replace the public "thinking…" message with an error only the asker sees."""
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.warning("could not delete the deferred response to interaction %s", interaction.id)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
