"""Stories through the engine (fake embedder, real SQLite and FAISS): grouping at
ingest, `also_reported_by`, `latest`, topics counting stories."""

from datetime import date

import pytest

from index.errors import InputError
from index.records import Article

NOW = date(2025, 3, 6)
FLOOD = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the old dam overflowed following record rainfall."
)
FLOOD_B = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the old dam overflowed following heavy rainfall."
)
RATES = (
    "The central bank raised interest rates by half a point on Wednesday, citing "
    "persistent inflation in services and rising wages across the economy."
)
ELECTION = (
    "Voters in Eastland elected a new parliament on Sunday, with turnout at a record "
    "high and the opposition coalition winning a narrow majority of seats."
)


def article(text: str, source: str, url: str, published: str = "2025-03-04", title: str = ""):
    return Article(
        title=title or text.split(",")[0][:60],
        text=text,
        source=source,
        url=url,
        published=published,
    )


def stories(index, *urls: str) -> list[int]:
    store = index._store
    ids = [store.find_article("url:" + u.split("://")[1])[0] for u in urls]
    found = store.stories_of(ids)
    return [found[i] for i in ids]


def test_two_outlets_in_one_batch_are_one_story(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood"),
            article(RATES, "Wire C", "https://c.test/rates"),
            article(FLOOD_B, "Wire B", "https://b.test/marlow", published="2025-03-05"),
        ]
    )
    a, c, b = stories(
        hash_index, "https://a.test/flood", "https://c.test/rates", "https://b.test/marlow"
    )
    assert a == b != c


def test_a_later_ingest_joins_the_stored_story_and_is_also_reported_by(hash_index) -> None:
    hash_index.ingest_articles([article(FLOOD, "Wire A", "https://a.test/flood")])
    hash_index.ingest_articles([article(RATES, "Wire C", "https://c.test/rates")])
    hash_index.ingest_articles([article(FLOOD_B, "Wire B", "https://b.test/marlow")])
    a, c, b = stories(
        hash_index, "https://a.test/flood", "https://c.test/rates", "https://b.test/marlow"
    )
    assert a == b != c

    answer = hash_index.answer("How many Marlow residents left their homes?", now=NOW)
    assert answer.hit is not None
    own = answer.hit.passage.source
    assert own in ("Wire A", "Wire B")
    assert answer.also_reported_by == (("Wire B",) if own == "Wire A" else ("Wire A",))

    rates = hash_index.answer("Why did the central bank raise interest rates?", now=NOW)
    assert rates.hit is not None and rates.hit.passage.source == "Wire C"
    assert rates.also_reported_by == ()


def test_different_events_are_different_stories(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/1"),
            article(RATES, "Wire A", "https://a.test/2"),
            article(ELECTION, "Wire B", "https://b.test/3"),
        ]
    )
    assert (
        len(set(stories(hash_index, "https://a.test/1", "https://a.test/2", "https://b.test/3")))
        == 3
    )


def test_the_same_report_weeks_apart_is_another_story(hash_index) -> None:
    hash_index.ingest_articles([article(FLOOD, "Wire A", "https://a.test/1", "2025-01-01")])
    hash_index.ingest_articles([article(FLOOD_B, "Wire B", "https://b.test/2", "2025-03-04")])
    first, second = stories(hash_index, "https://a.test/1", "https://b.test/2")
    assert first != second


def test_an_article_updated_in_place_keeps_its_story(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood"),
            article(FLOOD_B, "Wire B", "https://b.test/marlow"),
        ]
    )
    (before,) = stories(hash_index, "https://a.test/flood")
    # Updated: new text under the same URL, now about something else entirely.
    report = hash_index.ingest_articles([article(RATES, "Wire A", "https://a.test/flood")])
    assert report.articles_updated == 1
    after, other = stories(hash_index, "https://a.test/flood", "https://b.test/marlow")
    assert after == before == other


def test_latest_lists_one_line_per_story_newest_first(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood", "2025-03-04", "Marlow floods"),
            article(FLOOD_B, "Wire B", "https://b.test/marlow", "2025-03-05", "Marlow flees"),
            article(
                RATES, "Wire C", "https://c.test/rates", "2025-03-03", "Central bank lifts rates"
            ),
            article(ELECTION, "Wire D", "https://d.test/vote", "2025-02-01", "Eastland votes"),
        ]
    )
    latest = hash_index.latest(now=NOW)
    assert [s.headline for s in latest] == [
        "Marlow flees",
        "Central bank lifts rates",
        "Eastland votes",
    ]
    flood = latest[0]
    assert (flood.outlet, flood.url, flood.published) == (
        "Wire B",
        "https://b.test/marlow",
        "2025-03-05",
    )
    assert flood.also_reported_by == ("Wire A",) and flood.articles == 2
    assert [s.headline for s in hash_index.latest(1, now=NOW)] == ["Marlow flees"]
    assert [s.headline for s in hash_index.latest(days=7, now=NOW)] == [
        "Marlow flees",
        "Central bank lifts rates",
    ]
    # Not yet written on 2025-03-02: the flood and the rate rise are left out.
    assert [s.headline for s in hash_index.latest(now=date(2025, 2, 20))] == ["Eastland votes"]
    about = hash_index.latest(topic="central bank interest rates", now=NOW)
    assert [s.headline for s in about] == ["Central bank lifts rates"]
    with pytest.raises(InputError):
        hash_index.latest(0)


def test_topics_count_stories_not_copies(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood"),
            article(FLOOD_B, "Wire B", "https://b.test/marlow"),
            article(FLOOD, "Wire C", "https://c.test/copy"),
            article(RATES, "Wire C", "https://c.test/rates"),
        ]
    )
    topics = hash_index.topics(now=NOW)
    flood = next(t for t in topics if t.articles == 3)
    assert flood.stories == 1 and flood.outlets == 3
    assert all(t.stories == 1 for t in topics)


def test_hostile_titles_and_sources_are_stored_and_listed_as_given(hash_index) -> None:
    title = "<@everyone> Marlow [x](javascript:alert(1)) \u202e" + "Z" * 5000
    hash_index.ingest_articles(
        [
            article(FLOOD, "<@&1> Wire", "https://a.test/1", title=title),
            article(
                FLOOD_B, "' OR 1=1 --", "https://b.test/2", title="; DROP TABLE articles -- Marlow"
            ),
        ]
    )
    (story,) = hash_index.latest(now=NOW)
    assert story.articles == 2
    assert set(story.also_reported_by) | {story.outlet} == {"<@&1> Wire", "' OR 1=1 --"}
