"""An article without a headline shows none: never "Untitled", at most its link's host."""

from __future__ import annotations

from bot import render
from index.records import Source, StoryLine, Summary, SummaryLine
from tests.bot.test_render import make_answer


def test_answer_without_a_title_is_titled_by_its_links_host() -> None:
    embed = render.answer_embed(make_answer(title="", url="https://www.example.com/a"))
    assert (embed.title, embed.url) == ("www.example.com", "https://www.example.com/a")
    bare = render.answer_embed(make_answer(title="", url=""))
    assert bare.title is None and "untitled" not in str(bare.to_dict()).lower()


def test_closest_headline_without_title_shows_the_outlet_or_nothing() -> None:
    outlet_only = make_answer(title="", url="", abstained=True)
    (field,) = render.abstain_embed(outlet_only).fields
    assert field.value == "Example News"
    nothing = make_answer(title="", url="", source="", abstained=True)
    assert render.abstain_embed(nothing).fields == []


def test_sources_and_story_lines_without_titles() -> None:
    summary = Summary(
        topic="dam",
        lines=(SummaryLine("The dam opened on time after years of work.", 1),),
        sources=(
            Source(1, "", "Wire A", "https://a.example/dam", "2025-06-02"),
            Source(2, "", "Wire B", "", ""),
        ),
        articles=2,
    )
    (field,) = render.summary_embed(summary).fields
    assert field.value == (
        "[1] [a.example](https://a.example/dam) — Wire A, 2025-06-02\n[2] Wire B"
    )
    line = StoryLine(1, "", "", "Wire A", "2025-06-02", ("Wire B",), 2)
    embed = render.latest_embed([line])
    assert embed.description == "**1.** Wire A, 2025-06-02 · also reported by Wire B"
