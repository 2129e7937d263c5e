"""What every cog shares: no pings, and turning engine failures into short replies."""

from __future__ import annotations

import logging

import discord

from bot import render
from index.errors import InputError

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


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


async def ephemeral_error(interaction: discord.Interaction, text: str) -> None:
    """Replace a public deferred "thinking…" message with an error only the user sees."""
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.warning("could not delete the deferred response to interaction %s", interaction.id)
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
