"""The digest in Discord: the main stories of a window in one embed (see
index.stories.digest), each a linked headline, its lead sentence, outlet and date.

Everything shown comes from articles and is escaped like article text (see
bot/markdown.py): the only links are the bot's own, one per story, to its clean url.
"""

from __future__ import annotations

import discord

from bot.markdown import clip, quote
from bot.render import (
    ABSTAIN_COLOUR,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    SUMMARY_COLOUR,
    TITLE_LIMIT,
    also_reported_text,
    fit,
    headline_markdown,
)
from index.records import Digest, DigestStory

HEADLINE_LIMIT = 450  # the linked headline: escaped text and its link
SENTENCE_LIMIT = 600
STORY_GAP = "\n\n"
FOOTER_TEXT = "Largest stories first · /summary topic:<story> for one in depth"


def digest_embed(digest: Digest, days: int | None = None) -> discord.Embed:
    """The main stories, largest first: per story a bold linked headline, its lead
    sentence, outlet and date, and the other outlets. Stories that do not fit Discord's
    limits are left out whole, from the end; an empty window says so in one line."""
    embed = discord.Embed(title=clip(_heading(digest, days), TITLE_LIMIT), colour=SUMMARY_COLOUR)
    if not digest.stories:
        embed.colour = ABSTAIN_COLOUR
        embed.description = f"I have not read any news{_period(days)} yet."
        return fit(embed)
    kept: list[str] = []
    for number, story in enumerate(digest.stories, 1):
        description = STORY_GAP.join([*kept, _story_block(number, story)])
        total = len(embed.title or "") + len(description) + len(FOOTER_TEXT) + 40
        if len(description) > DESCRIPTION_LIMIT or total > EMBED_TOTAL_LIMIT:
            break  # a block is at most ~1,400 chars, so the first one always fits
        kept.append(_story_block(number, story))
    embed.description = STORY_GAP.join(kept)
    left_out = len(digest.stories) - len(kept)
    more = f"{left_out} more not shown · " if left_out else ""
    embed.set_footer(text=more + FOOTER_TEXT)
    return fit(embed)


def _heading(digest: Digest, days: int | None) -> str:
    if days:
        return f"Main stories{_period(days)}"
    if digest.since and digest.until:
        return f"Main stories, {quote(digest.since, 30)} to {quote(digest.until, 30)}"
    return "Main stories"


def _period(days: int | None) -> str:
    return f" from the last {days} day{'s' if days != 1 else ''}" if days else ""


def _story_block(number: int, story: DigestStory) -> str:
    """`**n. [headline](url)**`, the sentence, then `outlet, date · also reported by ...`."""
    headline = headline_markdown(story.headline, story.url, HEADLINE_LIMIT)
    lines = [f"**{number}. {headline}**" if headline else f"**{number}.**"]
    sentence = quote(story.sentence, SENTENCE_LIMIT)
    if sentence:
        lines.append(sentence)
    details = [text for text in (quote(story.outlet, 60), quote(story.published, 30)) if text]
    also = also_reported_text(story.also_reported_by)
    source = " · ".join(part for part in (", ".join(details), also) if part)
    if source:
        lines.append(source)
    return "\n".join(lines)
