"""The bot's sources in Discord: the `/sources list` embed, the replies to the operator
commands (`/sources add|remove`, `/ingest`) and the notice about a failing source.

A source's title comes from its feed, and its last error quotes a server: both are
untrusted and escaped like article text (see bot/markdown.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.markdown import clip, link, quote
from bot.render import (
    ABSTAIN_COLOUR,
    DESCRIPTION_LIMIT,
    MESSAGE_LIMIT,
    SUMMARY_COLOUR,
    fit,
    join_within,
)
from index.ingest.pipeline import IngestReport
from index.ingest.urls import clean_url
from index.records import FeedSource


def _when(timestamp: str) -> str:
    """An ISO timestamp as "YYYY-MM-DD HH:MM UTC" ("never" when empty)."""
    return f"{timestamp[:16].replace('T', ' ')} UTC" if timestamp else "never"


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"every {seconds // 3600} h"
    if seconds % 60 == 0:
        return f"every {seconds // 60} min"
    return f"every {seconds} s"


def _source_name(source: FeedSource, limit: int = 120) -> str:
    """The source's title (from the feed: untrusted, escaped) linked to its address."""
    url = clean_url(source.url)
    title = quote(source.title, limit) or quote(url, limit, "source")
    return link(title, url) if url else title


def sources_embed(sources: Sequence[FeedSource]) -> discord.Embed:
    """Each source's health: ok or failing (with the last error), last success,
    articles read, how often it is polled."""
    embed = discord.Embed(title=f"Sources I follow ({len(sources)})", colour=SUMMARY_COLOUR)
    if not sources:
        embed.colour = ABSTAIN_COLOUR
        embed.description = "I follow no sources yet: an operator can add one with `/sources add`."
        return fit(embed)
    lines = []
    for number, source in enumerate(sources, 1):
        plural = "" if source.articles == 1 else "s"
        facts = [
            f"last success {_when(source.last_success_at)}",
            f"{source.articles:,} article{plural}",
            _every(source.every_s),
        ]
        if source.failures:
            health = f"⚠️ failing ({source.failures} in a row: {quote(source.last_error, 150)})"
        else:
            health = "✅ ok" if source.last_success_at else "⏳ not polled yet"
        lines.append(f"**{number}.** {_source_name(source)} — {health} · {' · '.join(facts)}")
    embed.description = join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    return fit(embed)


def source_added_text(source: FeedSource) -> str:
    """The reply to `/sources add`."""
    return clip(
        f"Following {_source_name(source)} ({_every(source.every_s)}). What it holds now "
        "is read at the next poll but not announced as new.",
        MESSAGE_LIMIT,
    )


def source_removed_text(url: str, removed: bool) -> str:
    """The reply to `/sources remove`."""
    shown = quote(url, 300)
    if not removed:
        return clip(f"I don't follow {shown}: `/sources list` shows what I do.", MESSAGE_LIMIT)
    return clip(
        f"No longer following {shown}. Its articles stay in the news I have read.", MESSAGE_LIMIT
    )


def ingest_text(url: str, report: IngestReport) -> str:
    """The reply to `/ingest`: what was added, updated or already known, and problems."""
    counts = [
        f"{report.articles_added} article{'s' if report.articles_added != 1 else ''} added",
        f"{report.articles_updated} updated",
        f"{report.articles_skipped} already read",
    ]
    lines = [f"Read {quote(url, 300)}: {', '.join(counts)}."]
    lines += [f"• {quote(str(problem), 300)}" for problem in report.problems[:5]]
    return join_within(lines, MESSAGE_LIMIT, sep="\n", more="… {n} more")


def failing_source_text(source: FeedSource) -> str:
    """The one notice to the operators' channel about a source that keeps failing."""
    return clip(
        f"⚠️ Source {_source_name(source)} has failed {source.failures} times in a row "
        f"(last: {quote(source.last_error, 300)}; last success {_when(source.last_success_at)}). "
        "I keep retrying, less often; `/sources remove` stops it.",
        MESSAGE_LIMIT,
    )
