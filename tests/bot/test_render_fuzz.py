"""bot.render under arbitrary article data: never live markup, always within Discord's limits.

Each property runs briefly in the default test run; the `fuzz_long` copies run many more
examples and are skipped unless asked for: `pytest -m fuzz_long tests/bot/test_render_fuzz.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render, render_sources
from index.records import (
    Answer,
    FeedSource,
    Hit,
    Passage,
    Source,
    StoryLine,
    Summary,
    SummaryLine,
    Topic,
)
from tests.bot.test_render_safety import live_markup, unsafe_markup, within_limits

SHORT_EXAMPLES = 200
LONG_EXAMPLES = 10_000
MAX_LONG = 50_000

PIECES = [
    "[",
    "]",
    "(",
    ")",
    "](",
    "[x](https://evil.example)",
    "[the council site](https://council.example)",
    "[a]( <http://evil.example/login> )",
    "https://",
    "http://evil.example",
    "HTTPS://EVIL.example/x",
    "steam://run/1",
    "://",
    ":",
    "/",
    "<",
    ">",
    "<@123>",
    "<@!123>",
    "<@&456>",
    "<#789>",
    "</cmd:123>",
    "<:emoji:123>",
    "<a:emoji:123>",
    "<t:123>",
    "<t:1700000000:R>",
    "<id:customize>",
    "@",
    "@everyone",
    "@here",
    "@Everyone",
    "*",
    "**",
    "_",
    "__",
    "~~",
    "`",
    "```",
    "||",
    "|",
    "\\",
    "\\\\",
    "#",
    "# ",
    "-# ",
    "- ",
    "> ",
    ">>> ",
    "1. ",
    "\n",
    "\r\n",
    " ",
    "\t",
    "…",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "é",
    "Ω",
    "😀",
    "word",
    "News",
]
SHORT = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=24).map("".join)
LONG = st.tuples(SHORT.filter(bool), st.integers(1, MAX_LONG)).map(
    lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]]
)
TEXT = st.one_of(SHORT, SHORT, st.text(max_size=100), LONG)

URL_PIECES = [
    "https://times.example/a)[phish](http://evil.example",
    "https://example.com/news",
    "http://evil.example/login",
    "HTTPS://Example.COM:443/",
    "https://[::1]:8080/",
    "https://user:pw@evil.example/",
    "javascript:alert(1)",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    " ",
    "%",
    "%41",
    "#",
    "?",
    "\n",
    "\u202e",
    "<@123>",
    "@everyone",
]
URL = st.one_of(
    st.sampled_from(URL_PIECES),
    st.lists(st.sampled_from(URL_PIECES) | st.text(max_size=3), max_size=10).map("".join),
    st.tuples(st.sampled_from(["https://example.com/", "http://x.example/"]), TEXT).map("".join),
)
DATE = st.one_of(st.just(""), st.just("2025-08-17"), SHORT)


@st.composite
def answers(draw: st.DrawFn, abstained: bool = False) -> Answer:
    text = draw(TEXT)
    passage = Passage(
        id=1,
        article_id=1,
        position=0,
        text=text,
        title=draw(TEXT),
        source=draw(TEXT),
        url=draw(URL),
        published=draw(DATE),
    )
    hit = Hit(passage, score=0.5, also_in=tuple(draw(st.lists(TEXT, max_size=8))))
    highlight = None
    if text and draw(st.booleans()):
        start = draw(st.integers(0, len(text)))
        highlight = (start, draw(st.integers(start, len(text))))
    confidence = draw(st.floats(0, 1))
    also = tuple(draw(st.lists(TEXT, max_size=8)))
    return Answer("q", abstained, confidence, hit, highlight, (hit,), also_reported_by=also)


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    sources = tuple(
        Source(n, draw(TEXT), draw(TEXT), draw(URL), draw(DATE))
        for n in range(1, draw(st.integers(0, 8)) + 1)
    )
    lines = tuple(
        SummaryLine(draw(TEXT), draw(st.integers(1, max(len(sources), 1))))
        for _ in range(draw(st.integers(0, 8)))
    )
    return Summary(draw(TEXT), lines, sources, draw(st.integers(0, 10_000)))


@st.composite
def topic_lists(draw: st.DrawFn) -> list[Topic]:
    return [
        Topic(
            label=draw(TEXT),
            article_ids=tuple(range(draw(st.integers(1, 50)))),
            passage_ids=(1,),
            outlets=draw(st.integers(0, 50)),
            newest=draw(DATE),
            keywords=(),
        )
        for _ in range(draw(st.integers(0, 15)))
    ]


@st.composite
def story_lines(draw: st.DrawFn) -> list[StoryLine]:
    return [
        StoryLine(
            story_id=n,
            headline=draw(TEXT),
            url=draw(URL),
            outlet=draw(TEXT),
            published=draw(DATE),
            also_reported_by=tuple(draw(st.lists(TEXT, max_size=5))),
            articles=draw(st.integers(1, 50)),
        )
        for n in range(draw(st.integers(0, 12)))
    ]


@st.composite
def feed_sources(draw: st.DrawFn) -> list[FeedSource]:
    return [
        FeedSource(
            url=draw(URL),
            kind="feed",
            title=draw(TEXT),
            every_s=draw(st.integers(60, 604_800)),
            added_at="2025-08-18T10:00:00+00:00",
            last_success_at=draw(st.sampled_from(["", "2025-08-18T10:30:00+00:00"])),
            last_error=draw(TEXT),
            failures=draw(st.integers(0, 40)),
            articles=draw(st.integers(0, 100_000)),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]


NEWEST = st.one_of(st.just(""), st.just("2025-08-18"))
DAYS = st.one_of(st.none(), st.integers(1, 365))


def assert_safe(embed: discord.Embed, urls: list[str]) -> None:
    assert unsafe_markup(embed, urls) == []
    assert within_limits(embed) == []
    embed.to_dict()


def check_answer(answer: Answer, newest: str) -> None:
    assert answer.hit is not None
    assert_safe(render.answer_embed(answer, newest), [answer.hit.passage.url])


def check_abstain(answer: Answer, newest: str) -> None:
    assert answer.hit is not None
    assert_safe(render.abstain_embed(answer, newest), [answer.hit.passage.url])


def check_summary(summary: Summary, newest: str, days: int | None) -> None:
    embed = render.summary_embed(summary, newest, days)
    assert_safe(embed, [source.url for source in summary.sources])


def check_topics(topics: list[Topic], newest: str, days: int | None) -> None:
    assert_safe(render.topics_embed(topics, newest, days), [])


def unsafe_text(text: str, urls: list[str]) -> list[str]:
    """Live markup in a plain message other than a link to one of `urls` (clean)."""
    return unsafe_markup(discord.Embed(description=text), urls)


def check_latest(stories: list[StoryLine], newest: str, topic: str) -> None:
    assert_safe(render.latest_embed(stories, newest, topic or None), [s.url for s in stories])


def check_sources(sources: list[FeedSource]) -> None:
    urls = [s.url for s in sources]
    assert_safe(render_sources.sources_embed(sources), urls)
    for source in sources[:3]:  # the texts sent as plain messages
        for text in (
            render_sources.failing_source_text(source),
            render_sources.source_added_text(source),
        ):
            assert len(text) <= render.MESSAGE_LIMIT
            assert unsafe_text(text, urls) == []


ESCAPED = set("\\*_~`|>[]()<#-+.")


def check_escape(text: str) -> None:
    escaped = render.escape(text)
    assert live_markup(escaped) == []
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            assert i + 1 < len(escaped) and escaped[i + 1] in ESCAPED, escaped[i : i + 2]
            i += 2
            continue
        assert escaped[i] not in "*_~`|>[]()<", (escaped, i)
        i += 1
    body = render.clip(escaped, 50).removesuffix("…")
    assert (len(body) - len(body.rstrip("\\"))) % 2 == 0  # no backslash escapes the "…"


def _property(check: Callable[..., None], *strategies: Any) -> tuple[Any, Any]:
    """A short run of `check` for every test run, and a long one marked fuzz_long."""
    health = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
    short = settings(max_examples=SHORT_EXAMPLES, deadline=None, suppress_health_check=health)
    long = settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=health)
    return (
        short(given(*strategies)(check)),
        pytest.mark.fuzz_long(long(given(*strategies)(check))),
    )


test_answer_embed, test_answer_embed_long = _property(check_answer, answers(), NEWEST)
test_abstain_embed, test_abstain_embed_long = _property(
    check_abstain, answers(abstained=True), NEWEST
)
test_summary_embed, test_summary_embed_long = _property(check_summary, summaries(), NEWEST, DAYS)
test_topics_embed, test_topics_embed_long = _property(check_topics, topic_lists(), NEWEST, DAYS)
test_escape, test_escape_long = _property(check_escape, TEXT)
test_latest_embed, test_latest_embed_long = _property(check_latest, story_lines(), NEWEST, TEXT)
test_sources_embed, test_sources_embed_long = _property(check_sources, feed_sources())
