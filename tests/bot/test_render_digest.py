"""bot.render_digest: the main stories in one embed, within Discord's limits, with nothing
from an article rendered live (the checkers of test_render_safety)."""

from __future__ import annotations

import re

import pytest

from bot.render_digest import digest_embed
from index.records import Digest, DigestStory
from tests.bot.test_render_safety import (
    BREAKOUT,
    MENTION_TEXT,
    TWO_LINKS,
    unsafe_markup,
    within_limits,
)

FLOOD = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the old dam overflowed following record rainfall."
)


def story(number: int, **fields: object) -> DigestStory:
    values: dict[str, object] = {
        "story_id": number,
        "headline": f"Story {number}",
        "sentence": FLOOD,
        "url": f"https://news.example/{number}",
        "outlet": "Wire A",
        "published": "2025-03-05",
        "also_reported_by": (),
        "articles": 1,
    }
    return DigestStory(**{**values, **fields})  # type: ignore[arg-type]


def unescaped_bold_markers(text: str) -> int:
    """How many `**` Discord would read as bold markers (not after a backslash)."""
    return len(re.findall(r"(?<!\\)\*\*", re.sub(r"\\.", "", text)))


def test_each_story_is_a_bold_linked_headline_its_sentence_and_its_source() -> None:
    digest = Digest(
        stories=(
            story(1, headline="Dam *opens*", also_reported_by=("Wire B", "Wire C"), articles=3),
            story(2, headline="", url="https://www.gazette.example/x", outlet="", published=""),
        ),
        since="2025-02-27",
        until="2025-03-05",
    )
    embed = digest_embed(digest).to_dict()
    assert embed["title"] == "Main stories, 2025-02-27 to 2025-03-05"
    assert embed["description"] == (
        "**1. [Dam \\*opens\\*](https://news.example/1)**\n"
        f"{FLOOD}\n"
        "Wire A, 2025-03-05 · also reported by Wire B and Wire C\n"
        "\n"
        # No headline: the link's host stands for it, never "Untitled".
        "**2. [www.gazette.example](https://www.gazette.example/x)**\n"
        f"{FLOOD}"
    )
    assert "fields" not in embed
    assert digest_embed(digest, days=7).title == "Main stories from the last 7 days"


def test_an_empty_window_says_so_in_one_line() -> None:
    embed = digest_embed(Digest(stories=(), since="", until=""), days=3).to_dict()
    assert embed["description"] == "I have not read any news from the last 3 days yet."
    assert "\n" not in embed["description"]
    empty = digest_embed(Digest(stories=(), since="", until="")).to_dict()
    assert empty["description"] == "I have not read any news yet."


HOSTILE = (
    f"@everyone **Breaking** # {MENTION_TEXT} {TWO_LINKS} `code` ||spoiler|| > quote "
    "https://evil.example/phish \u202eeman\u202c "
)


@pytest.mark.parametrize("length", [300, 5_000])
def test_many_long_hostile_stories_are_dropped_whole_and_stay_inert(length: int) -> None:
    urls = [BREAKOUT, *(f"https://news.example/{n}?q=" + "x" * 200 for n in range(2, 9))]
    stories = tuple(
        story(
            n,
            headline=(HOSTILE * 40)[:length],
            sentence=("<@123> " + HOSTILE * 40)[:length] + ".",
            url=urls[n - 1],
            outlet=HOSTILE,
            published="2025-03-05",
            also_reported_by=(HOSTILE, "@here", "[x](https://evil.example)", "Wire D"),
        )
        for n in range(1, 9)
    )
    embed = digest_embed(Digest(stories=stories, since="", until=""))
    assert within_limits(embed) == []
    assert unsafe_markup(embed, urls) == []
    description = embed.description or ""
    blocks = description.split("\n\n")
    shown = [int(m) for m in re.findall(r"^\*\*(\d+)\. ", description, re.MULTILINE)]
    assert shown == list(range(1, len(blocks) + 1))  # whole stories, in order
    assert 1 <= len(shown) < 8
    assert (embed.footer.text or "").startswith(f"{8 - len(shown)} more not shown")
    for block in blocks:  # nothing cut mid-markup: every story's bold closes
        assert unescaped_bold_markers(block) == 2, block
        assert block.count("\n") == 2  # headline, sentence, source: none cut off
