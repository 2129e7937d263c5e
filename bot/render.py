"""Turn engine records into Discord embeds and messages.

Pure functions: no I/O, no engine calls. Every function returns something that
fits Discord's limits and never shows an outlet, link or date the record lacks.

Article text, titles, outlets and URLs come from anyone on the internet: everything
quoted from them goes through `escape`, so it cannot render as a link, a mention,
a ping or formatting, and the only links are the bot's own, to `clean_url` addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import discord

from bot.markdown import ELLIPSIS, clip, escape, link, quote
from index.ingest.urls import clean_url
from index.records import Answer, Hit, Source, Stats, StoryLine, Summary, Topic

MESSAGE_LIMIT = 2_000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4_096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1_024
FOOTER_LIMIT = 2_048
EMBED_TOTAL_LIMIT = 6_000
MAX_FIELDS = 25

ANSWER_COLOUR = discord.Colour.blurple()
ABSTAIN_COLOUR = discord.Colour.light_grey()
ERROR_TEXT = "Sorry, something went wrong while looking that up. Please try again later."
ABSTAIN_TEXT = "The news I have read does not cover this, so I can't answer it."
SUMMARY_COLOUR = discord.Colour.dark_teal()
NO_QUESTION_TEXT = "Ask me a question about the news, e.g. `@newsdesk what did the EU agree?`"


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
        marked = escape(span)
        if marked.strip():
            body = escape(before) + _bold(marked) + escape(after)
        else:  # one text: escaped apart, "@" and "everyone" or "https:" and "//" could meet
            body = escape(before + span + after)
        rendered = (ELLIPSIS if cut_front else "") + body + (ELLIPSIS if cut_back else "")
        if len(rendered) <= limit or budget <= 1:
            return clip(rendered, limit)
        budget -= len(rendered) - limit


def _bold(escaped: str) -> str:
    """Escaped text in the bot's own **bold**; whitespace stays outside the markers."""
    core = escaped.strip()
    start = escaped.index(core)
    return f"{escaped[:start]}**{core}**{escaped[start + len(core) :]}"


def headline_markdown(title: str, url: str, limit: int) -> str:
    """An article's headline as markdown within `limit` chars, linked when it has a web url
    short enough to fit beside it; without a headline, the link's host ("" without either)."""
    target = clean_url(url)
    text = quote(title, limit) or host_text(target)
    if text and target and len(target) + 5 <= limit:  # "[t](url)": room for one char or more
        return link(clip(text, limit - len(target) - 4), target)
    return clip(text, limit)


def host_text(url: str) -> str:
    """The host of a clean url, escaped ("" for none): what stands for a missing headline."""
    return quote(urlsplit(url).hostname or "", 100) if url else ""


def _linked_title(hit: Hit, limit: int) -> str:
    """The headline as markdown within `limit` chars (see `headline_markdown`)."""
    return headline_markdown(hit.passage.title, hit.passage.url, limit)


def _outlets(hit: Hit) -> list[str]:
    """The passage's outlet and the others that carry the same text, escaped, once each."""
    outlets: list[str] = []
    for outlet in (hit.passage.source, *hit.also_in):
        escaped = quote(outlet, FIELD_VALUE_LIMIT)
        if escaped and escaped not in outlets:
            outlets.append(escaped)
    return outlets


def fit(embed: discord.Embed) -> discord.Embed:
    """Cut every part of the embed to Discord's limits and the whole to 6,000 characters.

    The description gives way first, then field values (last first), then the title.
    """
    if embed.title:
        embed.title = clip(embed.title, TITLE_LIMIT)
    if embed.description:
        embed.description = clip(embed.description, DESCRIPTION_LIMIT)
    while len(embed.fields) > MAX_FIELDS:
        embed.remove_field(MAX_FIELDS)
    for i, field in enumerate(embed.fields):
        embed.set_field_at(
            i,
            name=clip(field.name or "", FIELD_NAME_LIMIT),
            value=clip(field.value or "", FIELD_VALUE_LIMIT),
            inline=field.inline,
        )
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER_LIMIT), icon_url=embed.footer.icon_url)
    if len(embed) > EMBED_TOTAL_LIMIT and embed.description:
        excess = len(embed) - EMBED_TOTAL_LIMIT
        embed.description = clip(embed.description, max(len(embed.description) - excess, 1))
    for i in reversed(range(len(embed.fields))):
        excess = len(embed) - EMBED_TOTAL_LIMIT
        if excess <= 0:
            break
        field = embed.fields[i]
        value = field.value or ""
        embed.set_field_at(
            i, name=field.name, value=clip(value, max(len(value) - excess, 1)), inline=field.inline
        )
    if len(embed) > EMBED_TOTAL_LIMIT and embed.title:
        excess = len(embed) - EMBED_TOTAL_LIMIT
        embed.title = clip(embed.title, max(len(embed.title) - excess, 1))
    return embed


def answer_embed(answer: Answer, newest: str = "") -> discord.Embed:
    """The reply to an answered question: headline, passage with the answer in bold, source.

    For an abstention, returns `abstain_embed(answer, newest)`.
    """
    hit = answer.hit
    if answer.abstained or hit is None:
        return abstain_embed(answer, newest)
    passage = hit.passage
    description = passage_markdown(passage.text, answer.highlight, DESCRIPTION_LIMIT)
    embed = discord.Embed(
        title=quote(passage.title, TITLE_LIMIT) or host_text(clean_url(passage.url)) or None,
        url=clean_url(passage.url) or None,
        description=description if description.strip() else None,
        colour=ANSWER_COLOUR,
    )
    outlets = _outlets(hit)
    if outlets:
        name = "Outlet" if len(outlets) == 1 else "Outlets"
        embed.add_field(name=name, value=clip(", ".join(outlets), FIELD_VALUE_LIMIT))
    published = quote(passage.published, FIELD_VALUE_LIMIT)
    if published:
        embed.add_field(name="Published", value=published)
    others = _listing([o for o in answer.also_reported_by if quote(o, 60) not in outlets])
    if others:  # Discord refuses an empty field
        embed.add_field(name="Also reported by", value=others, inline=False)
    footer = f"Confidence {_percent(answer.confidence)} · {_freshness(newest)}"
    embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    return fit(embed)


def abstain_embed(answer: Answer, newest: str = "") -> discord.Embed:
    """Says plainly the news read does not cover the question; the closest headline,
    if any, is shown labelled as not an answer."""
    embed = discord.Embed(description=ABSTAIN_TEXT, colour=ABSTAIN_COLOUR)
    if answer.hit is not None:
        value = _linked_title(answer.hit, FIELD_VALUE_LIMIT - 300)
        outlet = quote(answer.hit.passage.source, 100)
        if outlet:
            value = f"{value} ({outlet})" if value else outlet
        if value:  # Discord refuses an empty field
            embed.add_field(name="Closest headline (not an answer)", value=value, inline=False)
    embed.set_footer(text=_freshness(newest))
    return fit(embed)


def _source_line(source: Source, limit: int = FIELD_VALUE_LIMIT) -> str:
    """`[n] linked headline — outlet, date`, with only the metadata the source has.

    The headline is linked only when the whole line fits in `limit` characters.
    """
    url = clean_url(source.url)
    title = quote(source.title, 200) or host_text(url)
    details = [text for text in (quote(source.source, 60), quote(source.published, 30)) if text]
    tail = f"{' — ' if title else ''}{', '.join(details)}" if details else ""
    number = f"[{source.number}] "
    if url and title and len(number) + len(link(title, url)) + len(tail) <= limit:
        return number + link(title, url) + tail
    return (number + title + tail).rstrip()


def join_within(parts: Sequence[str], limit: int, *, sep: str, more: str) -> str:
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
    about = quote(summary.topic, 150) or "the news"
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
        sentences = [
            f"{quote(line.text, DESCRIPTION_LIMIT)} [{line.citation}]" for line in summary.lines
        ]
        embed.description = join_within(sentences, DESCRIPTION_LIMIT, sep=" ", more="…")
        sources = [_source_line(source) for source in summary.sources]
        value = join_within(sources, FIELD_VALUE_LIMIT, sep="\n", more="… and {n} more")
        if value:  # Discord refuses an empty field
            embed.add_field(name="Sources", value=value, inline=False)
    embed.set_footer(text=f"From {summary.articles} article{plural} · {_freshness(newest)}")
    return fit(embed)


def topics_embed(
    topics: Sequence[Topic], newest: str = "", days: int | None = None
) -> discord.Embed:
    """The main topics, one numbered line each: label, stories (reports of one event
    count once) and articles, outlets, newest date."""
    period = f" (last {days} days)" if days else ""
    embed = discord.Embed(title=f"Main stories{period}", colour=SUMMARY_COLOUR)
    if not topics:
        embed.colour = ABSTAIN_COLOUR
        embed.description = f"I have not read any news{period} yet."
    else:
        lines = []
        for number, topic in enumerate(topics, 1):
            # Reports of one event count once: "2 stories (7 articles)".
            stories = topic.stories or topic.articles
            counts = [f"{stories} stor{'ies' if stories != 1 else 'y'}"]
            if topic.articles != stories:
                counts[0] += f" ({topic.articles} articles)"
            if topic.outlets:
                counts.append(f"{topic.outlets} outlet{'s' if topic.outlets != 1 else ''}")
            newest_date = quote(topic.newest, 30)
            if newest_date:
                counts.append(f"newest {newest_date}")
            label = quote(topic.label, 200)
            lines.append(f"**{number}.** {label} — {', '.join(counts)}")
        lines.append("\nUse `/summary topic:<story>` for the gist of one of them.")
        embed.description = join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    embed.set_footer(text=_freshness(newest))
    return fit(embed)


def latest_embed(
    stories: Sequence[StoryLine], newest: str = "", topic: str | None = None
) -> discord.Embed:
    """The newest stories, one line each: linked headline, outlet, date, and the other
    outlets that carry it."""
    about = f": {quote(topic, 150)}" if topic else ""
    embed = discord.Embed(title=clip(f"Latest stories{about}", TITLE_LIMIT), colour=SUMMARY_COLOUR)
    if not stories:
        embed.colour = ABSTAIN_COLOUR
        embed.description = (
            f"I have not read any news about {quote(topic or '', 150)} yet."
            if topic
            else "I have not read any news yet."
        )
    else:
        lines = [f"**{n}.** {_story_line(story)}".rstrip() for n, story in enumerate(stories, 1)]
        embed.description = join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    embed.set_footer(text=_freshness(newest))
    return fit(embed)


def _story_line(story: StoryLine) -> str:
    """`linked headline — outlet, date · also reported by A, B and 3 more`."""
    url = clean_url(story.url)
    title = quote(story.headline, 200) or host_text(url)
    head = link(title, url) if url and title else title
    details = [text for text in (quote(story.outlet, 60), quote(story.published, 30)) if text]
    line = " — ".join(part for part in (head, ", ".join(details)) if part)
    return " · ".join(part for part in (line, also_reported_text(story.also_reported_by)) if part)


def also_reported_text(outlets: Sequence[str]) -> str:
    """ "also reported by A, B and 3 more" ("" for none): the outlets escaped."""
    listed = _listing(outlets)
    return f"also reported by {listed}" if listed else ""


def _listing(outlets: Sequence[str], shown: int = 3) -> str:
    """ "A, B, C and 3 more" ("" for none): the first `shown` outlets, escaped."""
    names = [name for name in (quote(o, 60) for o in outlets) if name]
    if len(names) <= 1:
        return "".join(names)
    if len(names) <= shown:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


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
        "• `/summary [days]` — the main stories, one sentence and source each.",
        "• `/summary topic [days]` — a short summary of one topic, with sources.",
        "• `/topics [days]` — the main stories I have read about.",
        "• `/latest [count] [topic]` — the newest stories, one line each.",
        "• `/sources list` — the feeds and sites I follow, and their health.",
        "• `/follow topic [channel] [role]` — I post each new story about a topic "
        "(`/follows`, `/unfollow`).",
        "• `/digest channel time` — the day's main stories, daily at that time.",
        "• `/feed add channel source` — every new story of one of my sources (`/feeds`).",
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
