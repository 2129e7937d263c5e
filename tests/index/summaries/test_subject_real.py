"""A topic summary reads only articles about the topic: real model, real pages' traps
(another storm, a reporter who shares the name, a passing mention)."""

from __future__ import annotations

from datetime import date

import pytest

from index.config import IndexConfig
from index.engine import NewsIndex
from index.records import Article

pytestmark = pytest.mark.model

IAN = [
    (
        "Hurricane Ian makes landfall in Florida as a Category 4 storm",
        "Hurricane Ian made landfall near Cayo Costa in southwest Florida on Wednesday as a "
        "Category 4 storm with winds of 150 mph, the National Hurricane Center said.\n\n"
        "Storm surge flooded streets in Fort Myers and Naples, and rescuers pulled residents "
        "from flooded homes overnight.\n\n"
        "Governor Ron DeSantis said the storm would be one of the worst to hit the state.",
    ),
    (
        "Millions without power after Hurricane Ian",
        "Hurricane Ian knocked out power to more than 2.6 million homes and businesses in "
        "Florida on Thursday, utilities said.\n\n"
        "Crews from other states arrived to help restore power, which could take weeks in "
        "the hardest-hit counties of Lee and Charlotte.\n\n"
        "Officials urged residents to stay off flooded roads while the storm moved north.",
    ),
    (
        "Hurricane Ian death toll rises as Florida searches for survivors",
        "The death toll from Hurricane Ian rose to at least 80 in Florida on Saturday as "
        "search teams went door to door in the flooded barrier islands.\n\n"
        "Sanibel Island was cut off after the storm washed away part of its causeway.\n\n"
        "President Biden approved a major disaster declaration for nine Florida counties.",
    ),
]
TRAPS = [
    (
        "Hurricane Ida slams Louisiana on anniversary of Katrina",
        "Hurricane Ida made landfall in Louisiana on Sunday as a Category 4 storm, knocking "
        "out power to all of New Orleans, officials said.\n\n"
        "Storm surge flooded towns south of the city and rescuers reached stranded residents "
        "by boat.",
    ),
    (
        "Bengals rally past Dolphins on Thursday night",
        "The Cincinnati Bengals beat the Miami Dolphins 27-15 on Thursday night, with Joe "
        "Burrow throwing two touchdown passes in the second half.\n\n"
        "Miami quarterback Tua Tagovailoa left the game with a head injury in the second "
        "quarter.\n\n"
        "Ian Smith covers the NFL for the paper and can be reached by email.",
    ),
]


@pytest.fixture(scope="module")
def storm_index(real_embedder, tmp_path_factory):
    path = tmp_path_factory.mktemp("storms")
    index = NewsIndex.open(path, IndexConfig(path=str(path)), real_embedder)
    days = ["2022-09-28", "2022-09-29", "2022-10-01", "2021-08-29", "2022-09-29"]
    articles = [
        Article(
            title=t,
            text=x,
            source=f"outlet{i}.test",
            url=f"https://outlet{i}.test/{i}",
            published=day,
        )
        for i, ((t, x), day) in enumerate(zip(IAN + TRAPS, days, strict=True))
    ]
    index.ingest_articles(articles)
    yield index
    index.close()


def test_a_topic_summary_cites_only_articles_about_the_topic(storm_index) -> None:
    summary = storm_index.summarize("Hurricane Ian", now=date(2022, 12, 31))
    titles = {s.title for s in summary.sources}
    assert summary.lines and titles <= {t for t, _ in IAN}
    assert "Louisiana" not in summary.text and "Bengals" not in summary.text


def test_a_topic_the_news_does_not_cover_says_too_little(storm_index) -> None:
    summary = storm_index.summarize("Hurricane Nicole", now=date(2022, 12, 31))
    assert summary.lines == () and summary.sources == ()


def test_latest_about_a_topic_lists_only_its_stories(storm_index) -> None:
    lines = storm_index.latest(10, topic="Hurricane Ian", now=date(2022, 12, 31))
    assert lines and {line.headline for line in lines} <= {t for t, _ in IAN}
