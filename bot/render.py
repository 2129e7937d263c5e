"""Turn engine records into Discord embeds and messages.

Pure functions: no I/O, no engine calls. Every function returns something that
fits Discord's limits, with passage text escaped so a news article cannot
inject markdown, and never shows an outlet, link or date the record lacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from index.records import Answer, Hit, Source, Stats, Summary, Topic

MESSAGE_LIMIT = 2_000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4_096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1_024
FOOTER_LIMIT = 2_048
EMBED_TOTAL_LIMIT = 6_000
ELLIPSIS = "…"

ANSWER_COLOUR = discord.Colour.blurple()
ABSTAIN_COLOUR = discord.Colour.light_grey()
ERROR_TEXT = "Sorry, something went wrong while looking that up. Please try again later."
ABSTAIN_TEXT = "The news I have read does not cover this, so I can't answer it."
SUMMARY_COLOUR = discord.Colour.dark_teal()
NO_QUESTION_TEXT = "Ask me a question about the news, e.g. `@newsdesk what did the EU agree?`"


def clip(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters, ending in "…" when cut.

    Never leaves a dangling backslash, which would escape the ellipsis.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ELLIPSIS), 0)]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Return `text` with Discord markdown escaped (links are left intact)."""
    return discord.utils.escape_markdown(text)


def _web_url(url: str) -> str | None:
    # Discord rejects an embed whose url is not http(s); an unknown url shows no link.
    return url if re.match(r"https?://\S+$", url) else None


def _percent(confidence: float) -> str:
    value = confidence * 100 if 0.0 <= confidence <= 1.0 else confidence
    return f"{value:.0f}%"


def _freshness(newest: str) -> str:
    return f"news as of {newest}" if newest else "no dated news read yet"


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding whitespace: `** x**` does not render as bold."""
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _window(text: str, start: int, end: int, budget: int) -> tuple[str, str, str, bool, bool]:
    """Split text around [start, end) into (before, span, after) using ~`budget` chars.

    Keeps the span (cut itself if longer than the budget) and shares what is
    left between the context before and after it. The booleans say whether text was dropped
    at the front or back.
    """
    span = text[start:end]
    if len(text) <= budget:
        return text[:start], span, text[end:], False, False
    if len(span) >= budget:
        return "", span[:budget], "", start > 0, True
    spare = budget - len(span)
    after_available = len(text) - end
    before_len = min(start, max(spare // 2, spare - after_available))
    after_len = min(after_available, spare - before_len)
    before = text[start - before_len : start]
    after = text[end : end + after_len]
    return before, span, after, before_len < start, end + after_len < len(text)


def passage_markdown(text: str, highlight: tuple[int, int] | None, limit: int) -> str:
    """Return escaped passage text with the highlighted span in **bold**, at most `limit` chars.

    When the passage is too long, the text around the highlight is kept.
    """
    start, end = _trim_span(text, *highlight) if highlight else (0, 0)
    budget = limit
    while True:
        before, span, after, cut_front, cut_back = _window(text, start, end, budget)
        rendered = (
            (ELLIPSIS if cut_front else "")
            + escape(before)
            + (f"**{escape(span)}**" if span else "")
            + escape(after)
            + (ELLIPSIS if cut_back else "")
        )
        if len(rendered) <= limit or budget <= 1:
            return clip(rendered, limit)
        budget -= len(rendered) - limit


def _linked_title(hit: Hit, limit: int) -> str:
    """The headline as markdown within `limit` chars, linked when the passage has a web url
    short enough to fit beside it."""
    title = escape(hit.passage.title or "Untitled")
    url = _web_url(hit.passage.url)
    if url and len(url) + 5 <= limit:  # "[t](url)": room for a title of one char or more
        return f"[{clip(title, limit - len(url) - 4)}]({url})"
    return clip(title, limit)


def _outlet(hit: Hit) -> str:
    outlets = [hit.passage.source] if hit.passage.source else []
    outlets += [o for o in hit.also_in if o and o not in outlets]
    return ", ".join(escape(o) for o in outlets)


def fit(embed: discord.Embed) -> discord.Embed:
    """Shorten the description so the whole embed stays within 6,000 characters."""
    excess = len(embed) - EMBED_TOTAL_LIMIT
    if excess > 0 and embed.description:
        embed.description = clip(embed.description, max(len(embed.description) - excess, 1))
    return embed


def answer_embed(answer: Answer, newest: str = "") -> discord.Embed:
    """The reply to an answered question: headline, passage with the answer in bold, source.

    For an abstention, returns `abstain_embed(answer, newest)`.
    """
    hit = answer.hit
    if answer.abstained or hit is None:
        return abstain_embed(answer, newest)
    passage = hit.passage
    embed = discord.Embed(
        title=clip(escape(passage.title or "Untitled"), TITLE_LIMIT),
        url=_web_url(passage.url),
        description=passage_markdown(passage.text, answer.highlight, DESCRIPTION_LIMIT),
        colour=ANSWER_COLOUR,
    )
    outlet = _outlet(hit)
    if outlet:
        name = "Outlet" if "," not in outlet else "Outlets"
        embed.add_field(name=name, value=clip(outlet, FIELD_VALUE_LIMIT))
    if passage.published:
        embed.add_field(name="Published", value=clip(escape(passage.published), FIELD_VALUE_LIMIT))
    footer = f"Confidence {_percent(answer.confidence)} · {_freshness(newest)}"
    embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    return fit(embed)


def abstain_embed(answer: Answer, newest: str = "") -> discord.Embed:
    """Says plainly the news read does not cover the question; the closest headline,
    if any, is shown labelled as not an answer."""
    embed = discord.Embed(description=ABSTAIN_TEXT, colour=ABSTAIN_COLOUR)
    if answer.hit is not None:
        value = _linked_title(answer.hit, FIELD_VALUE_LIMIT - 300)
        if answer.hit.passage.source:
            value += f" ({clip(escape(answer.hit.passage.source), 100)})"
        embed.add_field(name="Closest headline (not an answer)", value=value, inline=False)
    embed.set_footer(text=_freshness(newest))
    return fit(embed)


def _source_line(source: Source) -> str:
    """`[n] linked headline — outlet, date`, with only the metadata the source has."""
    title = clip(escape(source.title or "Untitled"), 200)
    url = _web_url(source.url)
    line = f"[{source.number}] " + (f"[{title}]({url})" if url else title)
    details = [clip(escape(source.source), 60)] if source.source else []
    details += [source.published] if source.published else []
    return line + (f" — {', '.join(details)}" if details else "")


def _join_within(parts: Sequence[str], limit: int, *, sep: str, more: str) -> str:
    """Join whole `parts` with `sep` while they fit in `limit` chars.

    `more` (formatted with the number of parts left out) marks a cut; a first
    part too long on its own is clipped.
    """
    kept: list[str] = []
    for i, part in enumerate(parts):
        left = len(parts) - i - 1
        marker = sep + more.format(n=left) if left else ""
        if len(sep.join([*kept, part])) + len(marker) <= limit:
            kept.append(part)
        elif not kept:
            kept.append(clip(part, limit - len(marker)))
        else:
            kept.append(more.format(n=left + 1))
            break
    return sep.join(kept)


def summary_embed(summary: Summary, newest: str = "", days: int | None = None) -> discord.Embed:
    """A topic summary: cited sentences, then the numbered sources they come from.

    When the summary has no lines, says plainly that too little has been read.
    """
    about = clip(escape(summary.topic), 150) if summary.topic else "the news"
    period = f" (last {days} days)" if days else ""
    embed = discord.Embed(title=clip(f"Summary: {about}{period}", TITLE_LIMIT))
    plural = "" if summary.articles == 1 else "s"
    if not summary.lines:
        embed.colour = ABSTAIN_COLOUR
        embed.description = (
            f"I have not read enough about {about}{period} to summarize it "
            f"({summary.articles} relevant article{plural})."
        )
    else:
        embed.colour = SUMMARY_COLOUR
        sentences = [f"{escape(line.text)} [{line.citation}]" for line in summary.lines]
        embed.description = _join_within(sentences, DESCRIPTION_LIMIT, sep=" ", more="…")
        sources = [_source_line(source) for source in summary.sources]
        value = _join_within(sources, FIELD_VALUE_LIMIT, sep="\n", more="… and {n} more")
        embed.add_field(name="Sources", value=value, inline=False)
    embed.set_footer(text=f"From {summary.articles} article{plural} · {_freshness(newest)}")
    return fit(embed)


def topics_embed(
    topics: Sequence[Topic], newest: str = "", days: int | None = None
) -> discord.Embed:
    """The main stories, one numbered line each: label, articles, outlets, newest date."""
    period = f" (last {days} days)" if days else ""
    embed = discord.Embed(title=f"Main stories{period}", colour=SUMMARY_COLOUR)
    if not topics:
        embed.colour = ABSTAIN_COLOUR
        embed.description = f"I have not read any news{period} yet."
    else:
        lines = []
        for number, topic in enumerate(topics, 1):
            counts = [f"{topic.articles} article{'s' if topic.articles != 1 else ''}"]
            if topic.outlets:
                counts.append(f"{topic.outlets} outlet{'s' if topic.outlets != 1 else ''}")
            if topic.newest:
                counts.append(f"newest {topic.newest}")
            label = clip(escape(topic.label), 200)
            lines.append(f"**{number}.** {label} — {', '.join(counts)}")
        lines.append("\nUse `/summary topic:<story>` for the gist of one of them.")
        embed.description = _join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    embed.set_footer(text=_freshness(newest))
    return fit(embed)


def help_embed(stats: Stats, *, answer_channels: Sequence[int] = ()) -> discord.Embed:
    """What the bot can do, how much news it has read and how fresh it is."""
    lines = [
        "I answer questions about the news I have read, quoting the passage and its source.",
        "",
        "• `/ask question` — ask me anything about the news.",
        "• Mention me with a question, e.g. `@newsdesk who met in Alaska?`",
    ]
    if answer_channels:
        channels = ", ".join(f"<#{c}>" for c in answer_channels)
        lines.append(f"• In {channels} I answer questions without a mention, when I know.")
    lines += [
        "• `/summary [topic] [days]` — a short summary of the news, with sources.",
        "• `/topics [days]` — the main stories I have read about.",
        "• `/help` — this message.",
        "",
        "If the news I have read does not cover a question, I say so rather than guess.",
    ]
    embed = discord.Embed(title="newsdesk", description="\n".join(lines), colour=ANSWER_COLOUR)
    embed.add_field(name="Articles read", value=f"{stats.articles:,}")
    embed.add_field(name="Outlets", value=f"{stats.sources:,}")
    embed.add_field(name="News as of", value=stats.newest or "unknown")
    return fit(embed)


def error_text(detail: str = "") -> str:
    """A short error message for the user, at most one Discord message long.

    `detail` is an engine error's own one-line message; without it the text is generic.
    """
    return clip(f"Sorry, I can't answer that: {detail}" if detail else ERROR_TEXT, MESSAGE_LIMIT)
