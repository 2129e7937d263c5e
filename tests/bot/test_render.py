"""bot.render: answers to embeds within Discord's limits, escaped, never inventing metadata."""

from __future__ import annotations

import discord
import pytest

from bot import render, render_sources
from index.records import Answer, Hit, Passage, Source, Stats, Summary, SummaryLine, Topic

TEXT = (
    "Leaders met in Brussels on Monday. The EU agreed to fund the new bridge. "
    "Talks continue next week."
)
SPAN = (TEXT.index("The EU"), TEXT.index("Talks"))  # includes the trailing space


def make_answer(
    text: str = TEXT,
    *,
    highlight: tuple[int, int] | None = SPAN,
    title: str = "EU agrees bridge deal",
    source: str = "Example News",
    url: str = "https://example.com/bridge",
    published: str = "2025-08-17",
    also_in: tuple[str, ...] = (),
    abstained: bool = False,
    confidence: float = 0.82,
) -> Answer:
    passage = Passage(1, 1, 0, text, title, source, url, published)
    hit = Hit(passage, score=0.9, also_in=also_in)
    return Answer("what did the EU agree?", abstained, confidence, hit, highlight, (hit,))


def payload(embed: discord.Embed) -> dict:
    return embed.to_dict()


def test_answer_embed_bolds_the_answer_sentence_and_shows_metadata() -> None:
    embed = render.answer_embed(make_answer(), newest="2025-08-18")
    assert embed.title == "EU agrees bridge deal"
    assert embed.url == "https://example.com/bridge"
    assert embed.description == (
        "Leaders met in Brussels on Monday. **The EU agreed to fund the new bridge.** "
        "Talks continue next week."
    )
    fields = {f.name: f.value for f in embed.fields}
    assert fields == {"Outlet": "Example News", "Published": "2025-08-17"}
    assert embed.footer.text == "Confidence 82% · news as of 2025-08-18"


def test_unknown_metadata_is_left_out_not_invented() -> None:
    embed = render.answer_embed(make_answer(source="", url="", published=""), newest="")
    assert embed.url is None
    assert embed.fields == []
    assert "news as of" not in embed.footer.text


def test_non_web_url_is_not_linked() -> None:
    embed = render.answer_embed(make_answer(url="file:///etc/passwd"))
    assert embed.url is None


def test_also_in_outlets_are_listed() -> None:
    embed = render.answer_embed(make_answer(also_in=("Other Wire", "Example News")))
    assert {f.name: f.value for f in embed.fields}["Outlets"] == "Example News, Other Wire"


def test_passage_markdown_is_escaped() -> None:
    text = "Shares *fell* 5% after the __vote__ in `parliament`. [click](https://evil) ok"
    embed = render.answer_embed(make_answer(text, highlight=None, title="A *bold* title"))
    assert embed.description.startswith(
        r"Shares \*fell\* 5% after the \_\_vote\_\_ in \`parliament\`."
    )
    assert embed.title == r"A \*bold\* title"


def test_escaped_highlight_stays_bold() -> None:
    text = "Intro. The *key* fact. Outro."
    start = text.index("The")
    embed = render.answer_embed(make_answer(text, highlight=(start, text.index(" Outro"))))
    assert r"**The \*key\* fact.**" in embed.description


def test_no_highlight_gives_plain_text() -> None:
    embed = render.answer_embed(make_answer(highlight=None))
    assert "**" not in embed.description
    assert embed.description == TEXT


def test_long_passage_keeps_highlight_within_limits() -> None:
    filler = "word " * 3000
    text = filler + "The answer is here. " + filler
    start = text.index("The answer")
    answer = make_answer(text, highlight=(start, start + len("The answer is here.")))
    embed = render.answer_embed(answer)
    assert len(embed.description) <= render.DESCRIPTION_LIMIT
    assert "**The answer is here.**" in embed.description
    assert embed.description.startswith("…") and embed.description.endswith("…")
    assert len(embed) <= render.EMBED_TOTAL_LIMIT


def test_markdown_heavy_long_passage_fits_after_escaping() -> None:
    text = "_*" * 4000  # doubles in length when escaped
    embed = render.answer_embed(make_answer(text, highlight=(10, 20)))
    assert len(embed.description) <= render.DESCRIPTION_LIMIT
    body = embed.description.removesuffix("…")
    trailing_backslashes = len(body) - len(body.rstrip("\\"))
    assert trailing_backslashes % 2 == 0  # an odd one would escape the ellipsis


def test_every_limit_holds_for_huge_metadata() -> None:
    answer = make_answer(
        "x" * 10_000,
        highlight=(0, 5000),
        title="T" * 1000,
        source="S" * 2000,
        published="2025-01-01",
        also_in=tuple(f"Outlet {i} " * 20 for i in range(50)),
    )
    embed = render.answer_embed(answer, newest="2025-01-02")
    assert len(embed.title) <= render.TITLE_LIMIT
    assert all(len(f.value) <= render.FIELD_VALUE_LIMIT for f in embed.fields)
    assert len(embed.description) <= render.DESCRIPTION_LIMIT
    assert len(embed) <= render.EMBED_TOTAL_LIMIT


def test_abstention_says_so_and_labels_closest_headline() -> None:
    embed = render.answer_embed(make_answer(abstained=True), newest="2025-08-18")
    assert embed.description == render.ABSTAIN_TEXT
    assert "does not cover" in embed.description
    (field,) = embed.fields
    assert field.name == "Closest headline (not an answer)"
    assert field.value == "[EU agrees bridge deal](https://example.com/bridge) (Example News)"
    assert "The EU agreed" not in str(payload(embed))  # the passage is not presented as an answer
    assert embed.footer.text == "news as of 2025-08-18"


def test_abstention_with_a_huge_url_keeps_the_field_within_limits() -> None:
    url = "https://example.com/" + "a" * 3000
    embed = render.answer_embed(make_answer(abstained=True, title="T" * 1000, url=url))
    (field,) = embed.fields
    assert len(field.value) <= render.FIELD_VALUE_LIMIT
    assert field.value.startswith("TTT") and field.value.endswith("(Example News)")
    short = render.answer_embed(make_answer(abstained=True, title="T" * 1000))
    assert short.fields[0].value.startswith("[TTT")  # a url that fits is still linked


def test_abstention_without_any_hit() -> None:
    answer = Answer("q", abstained=True, confidence=0.0, hit=None)
    embed = render.answer_embed(answer)
    assert embed.description == render.ABSTAIN_TEXT
    assert embed.fields == []


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("short", 10, "short"), ("abcdefghij", 5, "abcd…"), ("abc\\defg", 5, "abc…")],
)
def test_clip(text: str, limit: int, expected: str) -> None:
    assert render.clip(text, limit) == expected


def test_help_embed_reports_stats() -> None:
    embed = render.help_embed(
        Stats(articles=1234, passages=9, newest="2025-08-18", sources=3), answer_channels=(42,)
    )
    fields = {f.name: f.value for f in embed.fields}
    assert fields == {"Articles read": "1,234", "Outlets": "3", "News as of": "2025-08-18"}
    assert "/ask" in embed.description and "<#42>" in embed.description
    for command in ("/follow", "/unfollow", "/follows", "/digest", "/feed add", "/feeds"):
        assert f"{command}" in embed.description


def test_help_embed_for_empty_index() -> None:
    embed = render.help_embed(Stats(articles=0, passages=0, newest="", sources=0))
    assert {f.name: f.value for f in embed.fields}["News as of"] == "unknown"


def test_error_text_fits_a_message() -> None:
    assert len(render.error_text("x" * 5000)) <= render.MESSAGE_LIMIT
    assert render.error_text() == render.ERROR_TEXT


def make_summary(lines: int = 2, sources: int = 2, topic: str = "bridge") -> Summary:
    return Summary(
        topic=topic,
        lines=tuple(
            SummaryLine(f"Sentence *{i}* here.", citation=i % sources + 1) for i in range(lines)
        ),
        sources=tuple(
            Source(
                n,
                f"Headline {n}",
                "Gazette" if n == 1 else "",
                "https://x.example/a" if n == 1 else "",
                "2025-08-19" if n == 1 else "",
            )
            for n in range(1, sources + 1)
        ),
        articles=5,
    )


def test_summary_embed_cites_sources_with_only_known_metadata() -> None:
    embed = render.summary_embed(make_summary(), newest="2025-08-20", days=7)
    assert embed.title == "Summary: bridge (last 7 days)"
    assert embed.description == r"Sentence \*0\* here. [1] Sentence \*1\* here. [2]"
    (field,) = embed.fields
    assert field.name == "Sources"
    assert field.value == (
        "[1] [Headline 1](https://x.example/a) — Gazette, 2025-08-19\n[2] Headline 2"
    )
    assert embed.footer.text == "From 5 articles · news as of 2025-08-20"


def test_summary_footer_counts_one_article_in_the_singular() -> None:
    summary = Summary(
        topic="t", lines=(SummaryLine("One.", 1), SummaryLine("Two.", 1)), sources=(), articles=1
    )
    assert render.summary_embed(summary).footer.text.startswith("From 1 article ·")


def test_summary_without_lines_says_too_little_was_read() -> None:
    summary = Summary(topic="banana bread", lines=(), sources=(), articles=1)
    embed = render.summary_embed(summary)
    assert embed.description == (
        "I have not read enough about banana bread to summarize it (1 relevant article)."
    )
    assert embed.fields == []


def test_summary_with_many_sources_stays_within_limits() -> None:
    embed = render.summary_embed(make_summary(lines=400, sources=120, topic="t" * 500))
    assert len(embed.title) <= render.TITLE_LIMIT
    assert len(embed.description) <= render.DESCRIPTION_LIMIT
    assert embed.description.endswith("…")
    (field,) = embed.fields
    assert len(field.value) <= render.FIELD_VALUE_LIMIT
    assert field.value.splitlines()[-1].startswith("… and ")
    assert len(embed) <= render.EMBED_TOTAL_LIMIT


def make_topic(
    label: str, articles: int = 2, outlets: int = 1, newest: str = "", stories: int = 0
) -> Topic:
    return Topic(
        label=label,
        article_ids=tuple(range(articles)),
        passage_ids=tuple(range(articles * 3)),
        outlets=outlets,
        newest=newest,
        keywords=("bridge",),
        stories=stories or articles,
    )


def test_topics_embed_lists_counts_and_only_known_dates() -> None:
    embed = payload(
        render.topics_embed(
            [
                make_topic("Bridge *reopens*", 3, 2, "2025-06-02", stories=2),
                make_topic("Dam", 1, 0),
            ],
            newest="2025-06-02",
            days=7,
        )
    )
    assert embed["title"] == "Main stories (last 7 days)"
    lines = embed["description"].splitlines()
    assert lines[0] == (
        "**1.** Bridge \\*reopens\\* — 2 stories (3 articles), 2 outlets, newest 2025-06-02"
    )
    assert lines[1] == "**2.** Dam — 1 story"


def test_topics_embed_with_many_long_labels_fits() -> None:
    topics = [make_topic("x" * 1000, 5, 3, "2025-01-01") for _ in range(60)]
    embed = render.topics_embed(topics)
    assert len(embed.description) <= render.DESCRIPTION_LIMIT
    assert len(embed) <= render.EMBED_TOTAL_LIMIT


def test_the_answer_names_the_other_outlets_of_its_story_once() -> None:
    from dataclasses import replace

    answer = replace(
        make_answer(also_in=("Wire B",)),
        also_reported_by=("Wire B", "AP", "Reuters", "[x](https://evil.example)", "BBC"),
    )
    fields = {f.name: f.value for f in render.answer_embed(answer).fields}
    # Wire B already shows as an outlet of the same text; the rest, escaped, 3 then a count.
    assert (
        fields["Also reported by"]
        == "AP, Reuters, \\[x\\]\\(https:\u200b//evil.example\\) and 1 more"
    )
    alone = render.answer_embed(replace(make_answer(), also_reported_by=("Example News",)))
    assert "Also reported by" not in {f.name for f in alone.fields}


def test_latest_embed_lists_one_line_per_story() -> None:
    from index.records import StoryLine

    stories = [
        StoryLine(1, "Dam *opens*", "https://a.example/dam", "Wire A", "2025-06-02", ("B", "C"), 3),
        StoryLine(2, "", "", "", "", (), 1),
    ]
    embed = payload(render.latest_embed(stories, "2025-06-02", topic="dam"))
    assert embed["title"] == "Latest stories: dam"
    assert embed["description"].splitlines() == [
        "**1.** [Dam \\*opens\\*](https://a.example/dam) — Wire A, 2025-06-02"
        " · also reported by B and C",
        "**2.**",  # nothing known: no "Untitled" either
    ]
    empty = payload(render.latest_embed([], "", topic="dam"))
    assert "not read any news about dam" in empty["description"]


def test_sources_embed_shows_each_sources_health() -> None:
    from index.records import FeedSource

    ok = FeedSource(
        "https://wire.example/feed",
        "feed",
        "Wire <@1>",
        1800,
        "2025-06-01T00:00:00+00:00",
        last_success_at="2025-06-02T09:30:00+00:00",
        articles=12,
    )
    failing = FeedSource(
        "https://gone.example/rss",
        "auto",
        "",
        3600,
        "2025-06-01T00:00:00+00:00",
        last_error="HTTP 404 Not Found",
        failures=4,
    )
    lines = payload(render_sources.sources_embed([ok, failing]))["description"].splitlines()
    assert lines[0] == (
        "**1.** [Wire \\<@1\\>](https://wire.example/feed) — ✅ ok · last success "
        "2025-06-02 09:30 UTC · 12 articles · every 30 min"
    )
    assert "⚠️ failing (4 in a row: HTTP 404 Not Found)" in lines[1]
    assert "last success never" in lines[1] and "every 1 h" in lines[1]
    notice = render_sources.failing_source_text(failing)
    assert "failed 4 times in a row" in notice and "HTTP 404" in notice
