"""Topic summaries through the engine and the CLI, with the real model on the sample page."""

import json
import re

import pytest

from index.cli import main
from index.records import Article

NOISE = ("Advertisement", "Getty Images", "Try Our AI Features", "Comments", "Related Articles")


@pytest.mark.model
def test_topic_summary_reads_the_articles_about_it_and_no_chrome(seed_index):
    summary = seed_index.summarize("Gaza hostage protests in Israel")
    assert len(summary.lines) >= 2
    # Only the article about the protests: not the three Ukraine stories beside it.
    assert [s.title.split()[0] for s in summary.sources] == ["Israel's"]
    assert 40 <= len(summary.text.split()) <= 140
    for noise in NOISE:
        assert noise not in summary.text
    # Every citation number maps to a listed source, numbered from 1 in order of first use.
    assert [s.number for s in summary.sources] == list(range(1, len(summary.sources) + 1))
    assert {line.citation for line in summary.lines} == {s.number for s in summary.sources}
    # No sentence twice.
    assert len({line.text for line in summary.lines}) == len(summary.lines)


@pytest.mark.model
def test_unknown_topic_says_too_little(seed_index):
    summary = seed_index.summarize("volcanic eruption in Iceland")
    assert summary.lines == () and summary.sources == ()


def test_days_window_uses_publication_dates(hash_index):
    from datetime import date

    tunnel = (
        "Officials said the new rail tunnel under the river opened to passengers on {0}. "
        "The rail tunnel cost four billion dollars and took nine years to build after delays. "
        "Commuters said the rail tunnel cut their journey across the river by twenty minutes."
    )
    hash_index.ingest_articles(
        [
            Article(
                title="Rail tunnel opens",
                text=tunnel.format("Monday"),
                source="A",
                published="2025-01-10",
            ),
            Article(
                title="Rail tunnel plan",
                text=tunnel.format("a date to be set"),
                source="B",
                published="2024-01-01",
            ),
        ]
    )
    everything = hash_index.summarize("rail tunnel", now=date(2025, 1, 20))
    recent = hash_index.summarize("rail tunnel", days=30, now=date(2025, 1, 20))
    assert recent.lines, "the recent article alone is enough to summarize"
    assert {s.source for s in recent.sources} == {"A"}
    assert everything.articles == 2 and recent.articles == 1


@pytest.mark.model
def test_cli_summary_json(tmp_path, capsys, sample_page, real_embedder):
    index = str(tmp_path / "ix")
    main(["--index", index, "ingest", str(sample_page)])
    capsys.readouterr()
    assert main(["--index", index, "summary", "--json", "Gaza hostage protests in Israel"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lines"] and data["sources"]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", data["text"])}
    assert cited == {s["number"] for s in data["sources"]}


@pytest.mark.model
def test_topics_on_the_sample_group_its_stories(seed_index):
    topics = seed_index.topics()
    assert [t.articles for t in topics] == [3, 1]
    assert topics[0].label.startswith(("Putin agreed", "Ukraine won't", "Pence urges"))
    assert topics[1].label.startswith("Israel's growing frustration")
    assert topics[0].outlets == 1 and topics[0].newest == ""


@pytest.mark.model
def test_summary_of_a_listed_topic_works(seed_index):
    for topic in seed_index.topics():
        summary = seed_index.summarize(topic.label)
        assert summary.lines, topic.label


@pytest.mark.model
def test_undated_articles_count_in_a_window_from_the_day_they_were_read(seed_index):
    from datetime import date, timedelta

    today = date.today()
    assert [t.articles for t in seed_index.topics(days=7, now=today)] == [3, 1]
    assert seed_index.summarize("Gaza hostage protests in Israel", days=7, now=today).lines
    later = today + timedelta(days=30)
    assert seed_index.topics(days=7, now=later) == []
    assert not seed_index.summarize("Gaza hostage protests in Israel", days=7, now=later).lines


@pytest.mark.model
def test_cli_topics_and_eval_summary(tmp_path, capsys, sample_page, real_embedder):
    from tests.conftest import shared_path

    index = str(tmp_path / "ix")
    main(["--index", index, "ingest", str(sample_page)])
    capsys.readouterr()
    assert main(["--index", index, "topics"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. ") and "3 articles, 1 outlet)" in out

    clusters = shared_path("eval", "duc2004", "clusters_dev.jsonl")
    assert main(["eval-summary", str(clusters), "--clusters", "1", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert {"newsdesk", "LexRank", "DPP", "Lead"} <= set(table)
    for scores in table.values():
        assert 0 < scores["rouge2"] < scores["rouge1"] < 100
    # Far above a trivial summary: the lead baseline on this cluster is the floor.
    assert table["newsdesk"]["rouge1"] > table["Lead"]["rouge1"]


def test_summary_of_all_the_news_reads_the_newest_articles_only(hash_index, monkeypatch):
    import index.newsroom as engine_module

    monkeypatch.setattr(engine_module, "WHOLE_SUMMARY_ARTICLES", 3)
    stories = [
        Article(
            title=f"Story {day}",
            text=(
                f"The harbour festival drew record crowds on day {day} of the summer season. "
                f"Organisers said the harbour festival sold out every show on day {day}. "
                "Ferries to the harbour festival ran late into the night."
            ),
            source=f"Outlet {day}",
            published=f"2025-06-{day:02d}",
        )
        for day in range(1, 11)
    ]
    hash_index.ingest_articles(stories)
    summary = hash_index.summarize(None)
    assert summary.articles == 3
    assert {s.published for s in summary.sources} <= {"2025-06-08", "2025-06-09", "2025-06-10"}
    assert summary.lines
