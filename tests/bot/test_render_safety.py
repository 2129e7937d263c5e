"""bot.render in a hostile channel: nothing quoted from an article becomes live markup.

Article text, titles, outlets and URLs come from anyone on the internet. `live_markup`
models what Discord would render as a link, a mention or a ping; the only live link
allowed is the bot's own headline link to a `clean_url` address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import discord
import pytest

from bot import render
from index.ingest.urls import clean_url
from index.records import Answer, Hit, Passage, Source, Summary, SummaryLine, Topic

ZWSP = "\u200b"
INVISIBLE = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u200c\u200d\u2060\ufeff"
)

TWO_LINKS = (
    "Residents can read the plan on [the council site](https://council.example) and "
    "report problems via [this form](http://evil.example/login) before Friday."
)
BREAKOUT = "https://times.example/a)[phish](http://evil.example"
BREAKOUT_CLEAN = "https://times.example/a%29%5Bphish%5D%28http://evil.example"
MENTIONS = ("<@123>", "<@!123>", "<@&456>", "<#789>", "</cmd:123>", "<:emoji:123>", "<t:123>")
MENTION_TEXT = "Ping " + " and ".join(MENTIONS) + " and <a:dance:99> <t:1700000000:R> now."


# -- the checker: what Discord would render live --------------------------------------
_SCHEME_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_MENTION = re.compile(r"<(?:@|#|/|a?:|t:|id:)")
_PING = re.compile(r"@(?:everyone|here)", re.IGNORECASE)


def _escaped_positions(text: str) -> set[int]:
    """Indices of characters a backslash escapes (the backslash itself is not included)."""
    escaped, i = set(), 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            escaped.add(i + 1)
            i += 2
        else:
            i += 1
    return escaped


def _masked_links(text: str, escaped: set[int]) -> Iterator[tuple[int, int, int]]:
    """(start, target start, end) of each `[text](scheme:...)` Discord could render.

    Over-approximates Discord: any unescaped "[" followed later by an unescaped "](" and
    a target that starts with a scheme.
    """
    for start, char in enumerate(text):
        if char != "[" or start in escaped:
            continue
        close = start
        while True:
            close = text.find("](", close + 1)
            if close < 0 or (close not in escaped and close + 1 not in escaped):
                break
        if close < 0:
            continue
        target_start = close + 2
        while target_start < len(text) and text[target_start] in " \t\n<":
            target_start += 1
        end = target_start
        while end < len(text) and not text[end].isspace() and text[end] not in ")>":
            end += 1
        target = text[target_start:end]
        if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", target):
            yield start, target_start, end


def live_markup(text: str) -> list[str]:
    """The pieces of `text` Discord would render live: masked links (as "[...](url"),
    bare URLs, mention/channel/role/command/emoji/timestamp syntax, @everyone/@here."""
    escaped = _escaped_positions(text)
    found: list[str] = []
    blanked = list(text)
    for start, target_start, end in _masked_links(text, escaped):
        found.append(text[start:end])
        for i in range(target_start, end):
            blanked[i] = " "  # the link target is not also a bare URL
    shown = "".join(blanked)  # a link target is not shown as text
    found += [m.group() for m in _SCHEME_URL.finditer(shown)]
    found += [
        text[m.start() : m.start() + 16]
        for m in _MENTION.finditer(shown)
        if m.start() not in escaped
    ]
    found += [m.group() for m in _PING.finditer(shown)]
    return found


def link_target(markup: str) -> str | None:
    """The target of a masked link found by live_markup, else None."""
    match = re.match(r"\[.*\]\(\s*<?(.*)$", markup, re.DOTALL)
    return match.group(1) if match else None


def rendered_texts(embed: discord.Embed) -> Iterator[tuple[str, str]]:
    """(where, text) for every string the embed would show."""
    data: dict[str, Any] = embed.to_dict()
    for key in ("title", "description"):
        if data.get(key):
            yield key, data[key]
    for i, field in enumerate(data.get("fields", [])):
        yield f"fields[{i}].name", field["name"]
        yield f"fields[{i}].value", field["value"]
    if data.get("footer", {}).get("text"):
        yield "footer", data["footer"]["text"]
    if data.get("author", {}).get("name"):
        yield "author", data["author"]["name"]


def unsafe_markup(embed: discord.Embed, urls: Iterable[str]) -> list[str]:
    """Live markup in the embed other than a link to the clean form of one of `urls`."""
    allowed = {clean_url(url) for url in urls} - {""}
    problems = []
    data = embed.to_dict()
    if "url" in data and data["url"] not in allowed:
        problems.append(f"url: {data['url']!r}")
    for where, text in rendered_texts(embed):
        for markup in live_markup(text):
            target = link_target(markup)
            if target is not None and target in allowed and where != "title":
                continue
            problems.append(f"{where}: {markup!r}")
        for char in set(text) & set(INVISIBLE):
            problems.append(f"{where}: invisible {char!r}")
        for match in re.finditer(ZWSP, text):
            around = text[max(match.start() - 1, 0) : match.end() + 2]
            if not (around.startswith(("@", ":")) or around.endswith("//")):
                problems.append(f"{where}: stray zero-width space {around!r}")
    return problems


def within_limits(embed: discord.Embed) -> list[str]:
    """Every Discord embed limit the embed breaks."""
    data = embed.to_dict()
    broken = []
    checks = [
        ("title", len(data.get("title", "")), render.TITLE_LIMIT),
        ("description", len(data.get("description", "")), render.DESCRIPTION_LIMIT),
        ("footer", len(data.get("footer", {}).get("text", "")), render.FOOTER_LIMIT),
        ("fields", len(data.get("fields", [])), 25),
        ("total", len(embed), render.EMBED_TOTAL_LIMIT),
    ]
    for field in data.get("fields", []):
        checks.append(("field name", len(field["name"]), render.FIELD_NAME_LIMIT))
        checks.append(("field value", len(field["value"]), render.FIELD_VALUE_LIMIT))
        if not field["name"].strip() or not field["value"].strip():
            broken.append("empty field")
    broken += [f"{name} {size} > {limit}" for name, size, limit in checks if size > limit]
    return broken


# -- the checker itself --------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "[a](https://evil.example)",
        "see [a](http://evil.example/x) now",
        "[a]( <https://evil.example>)",
        "https://evil.example",
        "go to HTTP://evil.example now",
        "steam://run/1",
        "<@123>",
        "<@!123>",
        "<@&456>",
        "<#789>",
        "</cmd:123>",
        "<:emoji:123>",
        "<a:emoji:123>",
        "<t:123>",
        "@everyone",
        "@Here",
        "\\\\<@123>",  # an escaped backslash, then a live mention
        "\\[a](https://evil.example) [b](https://evil.example)",
    ],
)
def test_checker_sees_live_markup(text: str) -> None:
    assert live_markup(text)


@pytest.mark.parametrize(
    "text",
    [
        "\\[a\\]\\(https:\u200b//evil.example\\)",
        "https:\u200b//evil.example",
        "\\<@123\\>",
        "\\<@&456\\>",
        "\\<t:123\\>",
        "@\u200beveryone",
        "@\u200bhere",
        "plain text, 5 \\* 3 = 15",
        "[1] Headline — Outlet",
    ],
)
def test_checker_passes_neutralised_markup(text: str) -> None:
    assert live_markup(text) == []


# -- the embeds ----------------------------------------------------------------------
def make_answer(
    text: str = "The council approved the budget.",
    *,
    highlight: tuple[int, int] | None = None,
    title: str = "Budget approved",
    source: str = "Example News",
    url: str = "https://example.com/budget",
    published: str = "2025-08-17",
    also_in: tuple[str, ...] = (),
    abstained: bool = False,
) -> Answer:
    passage = Passage(1, 1, 0, text, title, source, url, published)
    hit = Hit(passage, score=0.9, also_in=also_in)
    return Answer("what happened?", abstained, 0.8, hit, highlight, (hit,))


def make_summary(
    lines: tuple[str, ...] = ("The council met.",),
    sources: tuple[Source, ...] = (),
    topic: str = "council",
) -> Summary:
    sources = sources or (Source(1, "Council meets", "Gazette", "https://x.example/a", ""),)
    return Summary(
        topic=topic,
        lines=tuple(SummaryLine(text, 1) for text in lines),
        sources=sources,
        articles=len(sources),
    )


def make_topic(label: str) -> Topic:
    return Topic(
        label=label, article_ids=(1, 2), passage_ids=(1,), outlets=1, newest="", keywords=()
    )


def assert_safe(embed: discord.Embed, *urls: str) -> None:
    assert unsafe_markup(embed, urls) == []
    assert within_limits(embed) == []


def test_two_masked_links_in_one_line_are_both_neutralised() -> None:
    start = TWO_LINKS.index("report")
    embed = render.answer_embed(make_answer(TWO_LINKS, highlight=(start, len(TWO_LINKS))))
    assert_safe(embed, "https://example.com/budget")
    description = embed.to_dict()["description"]
    assert "[this form](http" not in description
    assert "\\[this form\\]\\(http:\u200b//evil.example/login\\)" in description
    assert "\\[the council site\\]\\(https:\u200b//council.example\\)" in description
    assert description.count("**") == 2  # the bot's own bold answer stays


def test_a_title_with_twenty_links_keeps_none_live() -> None:
    title = " ".join(f"[link {i}](https://evil{i}.example)" for i in range(20))
    answer = make_answer(title=title)
    for embed in (
        render.answer_embed(answer),
        render.answer_embed(make_answer(title=title, abstained=True)),
    ):
        assert_safe(embed, "https://example.com/budget")
    summary = make_summary(sources=(Source(1, title, "Gazette", "https://x.example/a", ""),))
    embed = render.summary_embed(summary)
    assert_safe(embed, "https://x.example/a")
    assert embed.to_dict()["fields"][0]["value"].startswith("[1] [\\[link 0\\]\\(https:\u200b//")


def test_closest_headline_and_outlet_are_escaped() -> None:
    answer = make_answer(
        title="Read [this](http://evil.example/a) and [that](http://evil.example/b)",
        source="[Wire](http://evil.example/c) <@123>",
        abstained=True,
    )
    embed = render.answer_embed(answer)
    assert_safe(embed, "https://example.com/budget")
    (field,) = embed.to_dict()["fields"]
    assert field["value"].startswith("[Read \\[this\\]\\(http:\u200b//evil.example/a\\)")
    assert field["value"].endswith("(\\[Wire\\]\\(http:\u200b//evil.example/c\\) \\<@123\\>)")


def test_a_breaking_out_url_is_cleaned_for_embed_url_and_links() -> None:
    embed = render.answer_embed(make_answer(url=BREAKOUT))
    assert embed.to_dict()["url"] == BREAKOUT_CLEAN
    assert_safe(embed, BREAKOUT)

    abstain = render.answer_embed(make_answer(url=BREAKOUT, abstained=True))
    assert abstain.to_dict()["fields"][0]["value"] == (
        f"[Budget approved]({BREAKOUT_CLEAN}) (Example News)"
    )
    assert_safe(abstain, BREAKOUT)

    summary = make_summary(sources=(Source(1, "Council meets", "Gazette", BREAKOUT, ""),))
    embed = render.summary_embed(summary)
    assert embed.to_dict()["fields"][0]["value"] == (
        f"[1] [Council meets]({BREAKOUT_CLEAN}) — Gazette"
    )
    assert_safe(embed, BREAKOUT)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://user:pw@evil.example/", "https://a b.example/x"]
)
def test_an_unusable_url_gives_no_link(url: str) -> None:
    embed = render.answer_embed(make_answer(url=url))
    assert "url" not in embed.to_dict()
    abstain = render.answer_embed(make_answer(url=url, abstained=True))
    assert abstain.to_dict()["fields"][0]["value"] == "Budget approved (Example News)"
    summary = render.summary_embed(make_summary(sources=(Source(1, "T", "", url, ""),)))
    assert summary.to_dict()["fields"][0]["value"] == "[1] T"


def test_mentions_are_neutralised_everywhere() -> None:
    start = MENTION_TEXT.index("and")
    answer = make_answer(
        MENTION_TEXT,
        highlight=(start, len(MENTION_TEXT)),
        title=MENTION_TEXT,
        source="<@123> News",
        also_in=("<@&456> Wire", "<#789>"),
        published="<t:123>",
    )
    embed = render.answer_embed(answer)
    assert_safe(embed, "https://example.com/budget")
    data = embed.to_dict()
    for mention in MENTIONS:
        escaped = "\\" + mention[:-1] + "\\>"
        assert escaped in data["description"]
        assert escaped in data["title"]
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields["Outlets"] == "\\<@123\\> News, \\<@&456\\> Wire, \\<#789\\>"
    assert fields["Published"] == "\\<t:123\\>"

    summary = make_summary(
        lines=(MENTION_TEXT,),
        sources=(Source(1, "<@123>", "<@&456>", "", "<t:1>"),),
        topic="<@123>",
    )
    embed = render.summary_embed(summary)
    assert_safe(embed)
    assert embed.to_dict()["fields"][0]["value"] == "[1] \\<@123\\> — \\<@&456\\>, \\<t:1\\>"
    assert embed.to_dict()["title"] == "Summary: \\<@123\\>"

    embed = render.topics_embed([make_topic("<@123> and <@&456> meet"), make_topic("<#789>")])
    assert_safe(embed)
    lines = embed.to_dict()["description"].splitlines()
    assert lines[0].startswith("**1.** \\<@123\\> and \\<@&456\\> meet — ")
    assert lines[1].startswith("**2.** \\<#789\\> — ")


def test_everyone_and_here_are_broken() -> None:
    text = "Hey @everyone and @here, also @Everyone."
    embed = render.answer_embed(
        make_answer(text, highlight=(0, 14), title="@everyone", source="@here")
    )
    assert_safe(embed, "https://example.com/budget")
    data = embed.to_dict()
    assert data["description"] == ("**Hey @\u200beveryone** and @\u200bhere, also @\u200bEveryone.")
    assert data["title"] == "@\u200beveryone"
    assert data["fields"][0]["value"] == "@\u200bhere"
    for embed in (
        render.summary_embed(make_summary(lines=(text,), topic="@everyone")),
        render.topics_embed([make_topic(text)]),
    ):
        assert_safe(embed, "https://x.example/a")


def test_bare_urls_in_quoted_text_are_not_linked() -> None:
    text = "Visit https://evil.example or HTTP://evil.example/x, or steam://run/1 today."
    embed = render.answer_embed(make_answer(text, highlight=(0, 5), title=text, source=text))
    assert_safe(embed, "https://example.com/budget")
    data = embed.to_dict()
    assert "https:\u200b//evil.example" in data["description"]
    assert "HTTP:\u200b//evil.example/x" in data["title"]
    assert "steam:\u200b//run/1" in data["fields"][0]["value"]
    for embed in (
        render.summary_embed(
            make_summary(lines=(text,), sources=(Source(1, text, text, "", ""),), topic=text)
        ),
        render.topics_embed([make_topic(text)]),
        render.answer_embed(make_answer(title=text, source=text, abstained=True)),
    ):
        assert_safe(embed, "https://example.com/budget")


def test_zero_width_and_bidi_characters_are_removed() -> None:
    text = (
        "Pay at ht\u200btps://evil.example \u202etxt.exe\u202c @\u200deveryone "
        "<\u2060@123> [a]\ufeff(https://evil.example) \u2066x\u2069\u200e\u200f"
    )
    embed = render.answer_embed(make_answer(text, title=text, source=text))
    assert_safe(embed, "https://example.com/budget")
    data = embed.to_dict()
    for value in (data["description"], data["title"], data["fields"][0]["value"]):
        assert not set(value) & set(INVISIBLE)
        assert "https:\u200b//evil.example" in value
        assert "txt.exe @\u200beveryone \\<@123\\>" in value
    summary = render.summary_embed(make_summary(lines=(text,), topic=text))
    assert_safe(summary, "https://x.example/a")
    topics = render.topics_embed([make_topic(text)])
    assert_safe(topics)


def test_custom_emoji_timestamps_and_commands_do_not_render() -> None:
    text = "Fans <:pog:123> <a:dance:456> at <t:1700000000:R>, run </vote:789> or <id:customize>"
    embed = render.answer_embed(make_answer(text, highlight=(0, 4), title=text))
    assert_safe(embed, "https://example.com/budget")
    assert embed.to_dict()["description"] == (
        "**Fans** \\<:pog:123\\> \\<a:dance:456\\> at \\<t:1700000000:R\\>, "
        "run \\</vote:789\\> or \\<id:customize\\>"
    )


def test_markdown_structure_from_articles_is_escaped() -> None:
    text = (
        "# Heading\n## Sub\n-# small\n- item\n* star\n+ plus\n1. first\n> quote\n>>> all\n"
        "||spoiler|| ~~gone~~ __under__ `code` ```block``` \\*not bold\\*"
    )
    embed = render.answer_embed(make_answer(text))
    assert_safe(embed, "https://example.com/budget")
    assert embed.to_dict()["description"] == (
        "\\# Heading\n\\## Sub\n\\-# small\n\\- item\n\\* star\n\\+ plus\n1\\. first\n"
        "\\> quote\n\\>\\>\\> all\n"
        "\\|\\|spoiler\\|\\| \\~\\~gone\\~\\~ \\_\\_under\\_\\_ \\`code\\` \\`\\`\\`block\\`\\`\\` "
        "\\\\\\*not bold\\\\\\*"
    )


def test_hyphens_dates_and_colons_stay_readable() -> None:
    text = "A well-known 2025-08-17 meeting: at 10:30 - then lunch #2."
    embed = render.answer_embed(make_answer(text, source="Self-Help Weekly"))
    data = embed.to_dict()
    assert data["description"] == text
    assert data["fields"][0]["value"] == "Self-Help Weekly"


@pytest.mark.parametrize("size", [300, 5_000, 60_000])
def test_huge_fields_fit_every_limit(size: int) -> None:
    big = ("[x](https://evil.example) <@1> @everyone *" * (size // 40 + 1))[:size]
    url = "https://example.com/" + "a" * 1_900
    answer = make_answer(
        big,
        highlight=(size // 3, size // 2),
        title=big,
        source=big,
        url=url,
        published=big,
        also_in=tuple(big[: size // (i + 1)] for i in range(30)),
    )
    for embed in (
        render.answer_embed(answer),
        render.answer_embed(Answer("q", True, 0.1, answer.hit)),
    ):
        assert_safe(embed, url)
    sources = tuple(
        Source(n, big, big, "https://example.com/" + "b" * (n * 40), big) for n in range(1, 80)
    )
    summary = render.summary_embed(
        Summary(big, tuple(SummaryLine(big, n % 79 + 1) for n in range(60)), sources, 79),
        newest="2025-01-01",
        days=7,
    )
    assert_safe(summary, *(s.url for s in sources))
    topics = render.topics_embed([make_topic(big) for _ in range(100)], days=3)
    assert_safe(topics)


@pytest.mark.parametrize(
    ("text", "highlight"),
    [("@everyone", (1, 1)), ("https://evil.example", (6, 6)), ("@\u200beveryone", (1, 2))],
)
def test_an_empty_highlight_does_not_join_markup(text: str, highlight: tuple[int, int]) -> None:
    embed = render.answer_embed(make_answer(text, highlight=highlight))
    assert_safe(embed, "https://example.com/budget")
    assert "**" not in embed.to_dict()["description"]
