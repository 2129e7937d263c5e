"""The digest (`NewsIndex.digest`): main stories largest first, one usable lead sentence
each, the window with and without `days` (fake embedder, real SQLite and FAISS)."""

from datetime import date

import pytest

from index.errors import InputError
from index.records import Article, DigestStory
from index.stories.digest import lead_sentence

NOW = date(2025, 3, 6)
FLOOD = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the old dam overflowed following record rainfall."
)
FLOOD_B = FLOOD.replace("record", "heavy")
FLOOD_C = FLOOD.replace("record", "days of")
RATES = (
    "The central bank raised interest rates by half a point on Wednesday, citing "
    "persistent inflation in services and rising wages across the economy."
)
RATES_B = RATES.replace("half a point", "fifty basis points")
ELECTION = (
    "Voters in Eastland elected a new parliament on Sunday, with turnout at a record "
    "high and the opposition coalition winning a narrow majority of seats."
)
ELECTION_B = ELECTION.replace("narrow", "slim")
FIRE = (
    "A wildfire burned across the hills above Port Sable overnight, destroying forty "
    "homes and closing the coastal highway for most of the morning."
)
STRIKE = (
    "Dock workers at the port of Greyhaven walked off the job at dawn, halting container "
    "traffic in a dispute over pay and the automation of cranes."
)


def article(
    text: str, source: str, url: str, published: str = "2025-03-04", title: str | None = None
) -> Article:
    return Article(
        title=text.split(",")[0][:60] if title is None else title,
        text=text,
        source=source,
        url=url,
        published=published,
    )


def story_ids(index, *urls: str) -> list[int]:
    store = index._store
    ids = [store.find_article("url:" + u.split("://")[1])[0] for u in urls]
    found = store.stories_of(ids)
    return [found[i] for i in ids]


def test_largest_stories_first_then_outlets_then_newest(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FIRE, "Wire E", "https://e.test/fire", "2025-03-05"),
            article(RATES, "Wire A", "https://a.test/rates"),
            article(RATES_B, "Wire A", "https://a.test/rates-2"),
            article(ELECTION, "Wire B", "https://b.test/vote"),
            article(ELECTION_B, "Wire D", "https://d.test/vote"),
            article(FLOOD, "Wire A", "https://a.test/flood"),
            article(FLOOD_B, "Wire B", "https://b.test/flood", "2025-03-05"),
            article(FLOOD_C, "Wire C", "https://c.test/flood", "2025-03-05"),
            article(STRIKE, "Wire F", "https://f.test/strike", "2025-03-03"),
        ]
    )
    fire, rates, rates_2, vote, vote_2, flood, flood_2, flood_3, strike = story_ids(
        hash_index,
        "https://e.test/fire",
        "https://a.test/rates",
        "https://a.test/rates-2",
        "https://b.test/vote",
        "https://d.test/vote",
        "https://a.test/flood",
        "https://b.test/flood",
        "https://c.test/flood",
        "https://f.test/strike",
    )
    assert rates == rates_2 and vote == vote_2 and flood == flood_2 == flood_3  # precondition

    digest = hash_index.digest(now=NOW)
    # 3 articles; 2 articles from 2 outlets; 2 from 1; then 1 each, newest day first.
    assert [s.story_id for s in digest.stories] == [flood, vote, rates, fire, strike]
    assert [s.articles for s in digest.stories] == [3, 2, 2, 1, 1]
    assert hash_index.digest(now=NOW) == digest  # deterministic
    assert [s.story_id for s in hash_index.digest(now=NOW, count=2).stories] == [flood, vote]


def test_equal_stories_are_ordered_by_story_id(hash_index) -> None:
    hash_index.ingest_articles([article(STRIKE, "Wire F", "https://f.test/strike")])
    hash_index.ingest_articles([article(FIRE, "Wire E", "https://e.test/fire")])
    strike, fire = story_ids(hash_index, "https://f.test/strike", "https://e.test/fire")
    assert strike < fire
    assert [s.story_id for s in hash_index.digest(now=NOW).stories] == [strike, fire]


def test_each_story_has_one_sentence_from_its_newest_article_with_also_reported_by(
    hash_index,
) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood", "2025-03-04", "Marlow floods: exodus"),
            article(FLOOD_B, "Wire B", "https://b.test/flood", "2025-03-05", "Marlow floods: dam"),
            article(FLOOD_C, "Wire A", "https://a.test/flood-2", "2025-03-03", "Marlow floods"),
        ]
    )
    (story,) = hash_index.digest(now=NOW).stories
    assert story == DigestStory(
        story_id=story.story_id,
        headline="Marlow floods: dam",
        sentence=FLOOD_B,
        url="https://b.test/flood",
        outlet="Wire B",
        published="2025-03-05",
        also_reported_by=("Wire A",),
        articles=3,
    )


def test_a_lead_opening_with_but_he_said_gives_its_next_usable_sentence(hash_index) -> None:
    text = "But he said the water would not go down for several more days. " + FLOOD
    hash_index.ingest_articles([article(text, "Wire A", "https://a.test/flood", title="Floods")])
    (story,) = hash_index.digest(now=NOW).stories
    assert story.sentence == FLOOD
    assert story.headline == "Floods"


def test_a_dateline_is_removed_from_the_sentence(hash_index) -> None:
    text = "MARLOW, England (AP) — " + FLOOD
    hash_index.ingest_articles([article(text, "AP", "https://ap.test/flood", title="Floods")])
    (story,) = hash_index.digest(now=NOW).stories
    assert story.sentence == FLOOD


def test_an_older_article_gives_the_sentence_when_the_newest_has_none(hash_index) -> None:
    # Neither sentence stands alone: one leans on an unnamed "he", one has no full stop.
    junk = (
        "He said the old dam in Marlow overflowed after record rainfall on Tuesday. Two "
        "thousand residents forced from their homes in the river town of Marlow"
    )
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood", "2025-03-04", "Marlow floods"),
            article(junk, "Wire B", "https://b.test/live", "2025-03-05", "Live: floods"),
        ]
    )
    first, second = story_ids(hash_index, "https://a.test/flood", "https://b.test/live")
    assert first == second  # precondition
    (story,) = hash_index.digest(now=NOW).stories
    assert (story.sentence, story.headline, story.url) == (
        FLOOD,
        "Marlow floods",
        "https://a.test/flood",
    )
    assert story.also_reported_by == ("Wire B",)


def test_a_story_without_a_usable_sentence_shows_its_headline_or_nothing(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article("Storm live updates as they come in", "Wire A", "https://a.test/storm"),
            article("minutes ago the crowd cheered", "Wire B", "https://b.test/x", title=""),
        ]
    )
    stories = hash_index.digest(now=NOW).stories
    assert [(s.headline, s.sentence, s.outlet) for s in stories] == [
        ("Storm live updates as they come in", "", "Wire A")
    ]


def test_without_days_the_window_is_the_week_ending_at_the_newest_article(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood", "2024-11-20"),
            article(RATES, "Wire C", "https://c.test/rates", "2024-11-14"),
            article(ELECTION, "Wire B", "https://b.test/vote", "2024-11-13"),  # 8 days before
            article(FIRE, "Wire E", "https://e.test/fire", ""),  # undated: read today
            article(STRIKE, "Wire F", "https://f.test/strike", "2099-01-01"),  # not yet news
        ]
    )
    digest = hash_index.digest(now=NOW)
    assert (digest.since, digest.until) == ("2024-11-14", "2024-11-20")
    assert [s.outlet for s in digest.stories] == ["Wire A", "Wire C"]


def test_without_days_undated_articles_count_only_in_an_index_without_dates(hash_index) -> None:
    today = date.today().isoformat()
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood", today),
            article(FIRE, "Wire E", "https://e.test/fire", ""),  # read today, in the window
        ]
    )
    digest = hash_index.digest()
    assert digest.until == today
    assert [s.outlet for s in digest.stories] == ["Wire A"]


def test_an_index_of_undated_articles_shows_them_all(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood", ""),
            article(RATES, "Wire C", "https://c.test/rates", ""),
            article(STRIKE, "Wire F", "https://f.test/strike", "2099-01-01"),  # not yet news
        ]
    )
    digest = hash_index.digest()  # undated articles count from the day read: today
    assert (digest.since, digest.until) == ("", "")
    assert sorted(s.outlet for s in digest.stories) == ["Wire A", "Wire C"]
    # Read after a `now` in the past: not yet news then.
    assert hash_index.digest(now=NOW).stories == ()


def test_with_days_the_window_is_the_days_before_now(hash_index) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood", "2025-03-05"),
            article(RATES, "Wire C", "https://c.test/rates", "2025-03-01"),
            article(FIRE, "Wire E", "https://e.test/fire", ""),  # undated: read today
        ]
    )
    digest = hash_index.digest(days=2, now=NOW)
    assert (digest.since, digest.until) == ("2025-03-04", "2025-03-07")
    assert [s.outlet for s in digest.stories] == ["Wire A"]
    today = hash_index.digest(days=2)  # the undated article was read today
    assert [s.outlet for s in today.stories] == ["Wire E"]
    assert [s.outlet for s in hash_index.digest(days=7, now=NOW).stories] == ["Wire A", "Wire C"]


def test_an_empty_window_has_no_stories(hash_index) -> None:
    assert hash_index.digest(now=NOW).stories == ()
    hash_index.ingest_articles([article(FLOOD, "Wire A", "https://a.test/flood", "2025-01-01")])
    assert hash_index.digest(days=7, now=NOW).stories == ()


def test_count_and_days_must_be_positive(hash_index) -> None:
    with pytest.raises(InputError):
        hash_index.digest(count=0)
    with pytest.raises(InputError):
        hash_index.digest(days=0)


def test_reads_only_the_ranked_stories_articles(hash_index, monkeypatch) -> None:
    hash_index.ingest_articles(
        [
            article(FLOOD, "Wire A", "https://a.test/flood"),
            article(FLOOD_B, "Wire B", "https://b.test/flood"),
            article(RATES, "Wire C", "https://c.test/rates"),
            article(FIRE, "Wire E", "https://e.test/fire"),
            article(ELECTION, "Wire B", "https://b.test/vote", "2025-01-01"),  # outside
        ]
    )
    store = hash_index._store
    read: list[int] = []
    leads = store.lead_passages
    monkeypatch.setattr(store, "lead_passages", lambda ids: read.extend(ids) or leads(ids))
    (story,) = hash_index.digest(days=7, now=NOW, count=1).stories
    (flood,) = story_ids(hash_index, "https://a.test/flood")
    assert story.story_id == flood
    # Leads of the flood story's articles only: none of the other stories'.
    assert read and set(store.stories_of(read).values()) == {flood}


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        (f"But he said the dam was safe and would hold for now. {FLOOD}", FLOOD),
        (f"“It is over,” she said. {FLOOD}", FLOOD),
        (f"Marlow floods\n{FLOOD}", FLOOD),  # a headline line has no full stop
        (f"Floods hit Marlow. {FLOOD}", FLOOD),  # too short to stand alone
        (f"What happens next? {FLOOD}", FLOOD),
        ("They said it would rain for days on end in the valley.", ""),
        ("", ""),
    ],
)
def test_lead_sentence_is_the_first_that_stands_alone(passage: str, expected: str) -> None:
    assert lead_sentence(passage) == expected


def test_a_roundup_of_the_days_news_is_not_a_story(hash_index) -> None:
    roundup = (
        "Floods, rates, fire: the day's news in brief. Dock workers walked off the job at "
        "dawn and voters went to the polls in a close election across the country."
    )
    hash_index.ingest_articles(
        [
            article(FIRE, "Coast News", "https://c.test/fire", title="Wildfire hits Port Sable"),
            article(roundup, "Daily", "https://d.test/brief", title="5 things to know for March 4"),
            article(
                roundup.replace("brief", "short"),
                "Other",
                "https://o.test/list",
                title="The Short List: floods, rates, fire, dock strike",
            ),
        ]
    )
    digest = hash_index.digest(now=NOW)
    assert [s.headline for s in digest.stories] == ["Wildfire hits Port Sable"]


@pytest.mark.parametrize(
    ("title", "roundup"),
    [
        ("5 things to know for Nov. 30: Rail strike, Jan. 6", True),
        ("Hurricane Ian, Joe Manchin, European Union, Medicare: Daily Briefing", True),
        ("The Short List: Hakeem Jeffries, tornadoes, severe weather, freight", True),
        ("Biden signs the bill: what it means for you", False),
        ("Respect for Marriage Act passes Senate: final vote tally, more", False),
    ],
)
def test_roundup_titles(title: str, roundup: bool) -> None:
    from index.summaries.subject import is_roundup

    assert is_roundup(title) is roundup
