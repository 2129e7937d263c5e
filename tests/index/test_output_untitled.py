"""The CLI never prints "(untitled)": an article without a headline shows its outlet,
date or link instead."""

from index.output import format_answer, format_latest, format_poll, format_summary
from index.records import (
    Answer,
    Hit,
    Passage,
    PolledArticle,
    PollResult,
    Source,
    StoryLine,
    Summary,
    SummaryLine,
)

TEXT = "The council voted to scrap the bridge toll from next month."


def answer(title: str, url: str, *, abstained: bool = False) -> Answer:
    hit = Hit(Passage(1, 1, 0, TEXT, title, "Gazette", url, "2025-08-19"), score=0.9)
    return Answer("toll?", abstained, 0.8, hit)


def test_answers_without_a_title() -> None:
    text = format_answer(answer("", "https://g.example/toll"), color=False)
    assert text.splitlines()[2:] == [
        "— Gazette · 2025-08-19",
        "https://g.example/toll",
        "(confidence 80%)",
    ]
    closest = format_answer(answer("", "https://g.example/toll", abstained=True), color=False)
    assert closest.endswith("(closest headline, not an answer: https://g.example/toll)")
    nothing = format_answer(answer("", "", abstained=True), color=False)
    assert "closest headline" not in nothing


def test_summaries_latest_and_polls_without_titles() -> None:
    summary = Summary(
        "toll", (SummaryLine(TEXT, 1),), (Source(1, "", "Gazette", "", "2025-08-19"),), 1
    )
    assert format_summary(summary).splitlines()[-1] == "[1] Gazette · 2025-08-19"
    stories = [StoryLine(1, "", "https://g.example/a", "", "", (), 1)]
    assert format_latest(stories, None) == "1. https://g.example/a"
    added = (PolledArticle(1, "", "https://g.example/a"), PolledArticle(2, "", ""))
    lines = format_poll([PollResult("https://g.example/feed", added=added)]).splitlines()
    assert lines[1:] == ["    + https://g.example/a"]
    for text in (format_summary(summary), format_latest(stories, None), "\n".join(lines)):
        assert "untitled" not in text.lower()
