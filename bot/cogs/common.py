"""What every cog shares: no pings, polite refusals, and turning failures into one line."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import render
from index.errors import InputError

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
REPEAT_TEXT = "I have just answered that question: see my reply above."
RESTARTING_TEXT = "I'm restarting: please ask again in a minute."
# The permissions a reply needs, by the names Discord shows in a server's settings.
REPLY_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}


NOT_OPERATOR_TEXT = (
    "Only the bot's operators can change its sources: they feed every server I am in."
)


class NotOperator(app_commands.CheckFailure):
    """The user may not change the bot's sources.

    Defined here, not in the sources cog: discord.py loads an extension as a new module
    object, so a class defined there would not be the one the tree's handler checks.
    """


def slow_down_text(retry_after: float) -> str:
    """The one polite reply to a user who asks faster than the bot answers."""
    seconds = max(1, math.ceil(retry_after))
    return f"You're asking faster than I can read: please wait {seconds} s and ask again."


def failed(exc: Exception, what: str, logger: logging.Logger = log) -> str:
    """Log an engine failure and return the short text to show the user.

    A bad question (InputError) is the user's doing: logged quietly, and its one-line
    message is shown so the user can fix it. Anything else is a fault, logged with
    its traceback, and users see only a generic apology: store and config errors
    name server paths and settings that are not theirs to see.
    """
    if isinstance(exc, InputError):
        logger.info("%s: %s", what, exc)
    else:
        logger.exception("%s failed", what)
    return render.error_text(str(exc) if isinstance(exc, InputError) else "")


def missing_permissions(channel: object) -> list[str]:
    """The reply permissions the bot lacks in `channel` ([] when unknown or none)."""
    guild = getattr(channel, "guild", None)
    me = getattr(guild, "me", None)
    if me is None or not hasattr(channel, "permissions_for"):
        return []
    granted = channel.permissions_for(me)
    in_thread = isinstance(channel, discord.Thread)
    return [
        label
        for name, label in REPLY_PERMISSIONS.items()
        if not getattr(granted, name)
        and (name != "send_messages_in_threads" or in_thread)
        and (name != "send_messages" or not in_thread)
    ]


def report_send_failure(exc: discord.HTTPException, channel: object, what: str) -> None:
    """Log one clear line for a message Discord refused: which permission is missing
    where, or what Discord answered. Never a traceback: nothing in the bot is wrong."""
    where = f"#{getattr(channel, 'name', None) or '?'} ({getattr(channel, 'id', '?')})"
    if isinstance(exc, discord.Forbidden):
        missing = missing_permissions(channel)
        need = ", ".join(missing) if missing else "Send Messages, Embed Links"
        log.warning(
            "could not send %s in %s: missing permission %s (Discord %s %s)",
            what,
            where,
            need,
            exc.status,
            exc.code,
        )
        return
    log.warning(
        "could not send %s in %s: Discord answered %s %s%s",
        what,
        where,
        exc.status,
        exc.code or "",
        f" {exc.text}" if exc.text else "",
    )


async def ephemeral_error(interaction: discord.Interaction, text: str) -> None:
    """Replace a public deferred "thinking…" message with an error only the user sees."""
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.warning("could not delete the deferred response to interaction %s", interaction.id)
    try:
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:
        report_send_failure(exc, interaction.channel, "an error message")


async def respond_in_thread(
    bot: NewsBot,
    interaction: discord.Interaction,
    work: Callable[[], discord.Embed | str],
    what: str,
    logger: logging.Logger,
    *,
    ephemeral: bool = False,
) -> None:
    """The one way a slash command reaches the engine: defer, run `work` (engine and
    rendering) in a worker thread, send the embed or text it returns; an engine failure
    becomes a one-line error only the user sees, and while the bot is stopping it says
    so instead."""
    with bot.tracked() as accepted:
        if not accepted:
            await interaction.response.send_message(RESTARTING_TEXT, ephemeral=True)
            return
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        try:
            reply = await asyncio.to_thread(work)
        except Exception as exc:
            await ephemeral_error(interaction, failed(exc, what, logger))
            return
        try:
            if isinstance(reply, discord.Embed):
                await interaction.followup.send(embed=reply, allowed_mentions=NO_PINGS)
            else:
                await interaction.followup.send(reply, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            report_send_failure(exc, interaction.channel, f"the answer to {what}")
