"""Does a new story match a follow: hand-made passages and vectors, then the real model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.alerts.matching import DEFAULT_FOLLOW, FollowSettings, match_article, match_articles
from index.config import IndexConfig
from index.engine import NewsIndex
from index.records import Article, Passage
from index.search.query import parse_query
from index.summaries.subject import DEFAULT_SUBJECT, judge, score

TOPIC = parse_query("Hurricane Ian landfall")
# Rarity as the index gives it: the name is rare, "hurricane" is common.
WEIGHTS = {"hurricane": 1.0, "ian": 6.0, "landfall": 2.0}
TOPIC_VECTOR = np.array([1.0, 0.0, 0.0], dtype=np.float32)


def _vector(cosine: float) -> np.ndarray:
    """A unit vector at this cosine to the topic's."""
    return np.array([cosine, math.sqrt(1.0 - cosine**2), 0.0], dtype=np.float32)


def _article(
    article_id: int, texts: list[str], cosines: list[float], title: str = ""
) -> tuple[list[Passage], dict[int, np.ndarray]]:
    passages = [
        Passage(article_id * 100 + n, article_id, n, text, title, "x.test", f"u{article_id}", "")
        for n, text in enumerate(texts)
    ]
    return passages, {p.id: _vector(c) for p, c in zip(passages, cosines, strict=True)}


def test_an_article_whose_later_passage_is_about_the_topic_matches() -> None:
    passages, vectors = _article(
        1,
        [
            "Residents of the Gulf coast spent the weekend buying water and plywood.",
            "Schools closed on Monday and the county opened three shelters.",
            "Hurricane Ian made landfall near Cayo Costa on Wednesday as a Category 4 storm.",
        ],
        [0.2, 0.15, 0.75],
    )
    found = match_article(TOPIC, WEIGHTS, TOPIC_VECTOR, passages, vectors)
    assert found is not None and found.matched
    assert found.sentence.startswith("Hurricane Ian made landfall")
    # The opening alone, as the topic summary's subject test reads it, would miss it.
    (lead,) = judge(TOPIC, WEIGHTS, TOPIC_VECTOR, passages[:1], vectors)
    assert score(lead, DEFAULT_SUBJECT) < DEFAULT_SUBJECT.min_score


def test_an_article_sharing_only_common_words_does_not_match() -> None:
    passages, vectors = _article(
        2,
        [
            "Hurricane Ida made landfall in Louisiana on Sunday as a Category 4 storm.",
            "Storm surge flooded towns south of New Orleans.",
        ],
        [0.4, 0.3],
    )
    found = match_article(TOPIC, WEIGHTS, TOPIC_VECTOR, passages, vectors)
    assert found is not None and not found.matched
    assert found.score < DEFAULT_FOLLOW.min_score


def test_a_roundup_never_matches_however_high_it_scores() -> None:
    texts = ["Hurricane Ian made landfall in Florida.", "Also: the Fed raised rates."]
    title = "Five things to know today: Hurricane Ian, the Fed, Medicare"
    passages, vectors = _article(3, texts, [0.8, 0.1], title=title)
    found = match_article(TOPIC, WEIGHTS, TOPIC_VECTOR, passages, vectors)
    assert found is not None and found.score >= DEFAULT_FOLLOW.min_score
    assert not found.matched


def test_the_sentence_is_the_one_naming_the_topic() -> None:
    passages, vectors = _article(
        4,
        [
            "The storm strengthened over warm water. Forecasters said the hurricane "
            "would bring surge. Ian made landfall near Fort Myers, and Hurricane Ian "
            "then crossed the state. Officials counted the damage.",
        ],
        [0.7],
    )
    found = match_article(TOPIC, WEIGHTS, TOPIC_VECTOR, passages, vectors)
    assert found is not None
    assert found.sentence == (
        "Ian made landfall near Fort Myers, and Hurricane Ian then crossed the state."
    )


def test_no_sentence_carries_the_topic_gives_an_empty_sentence() -> None:
    passages, vectors = _article(5, ["Markets rose on Friday."], [0.1])
    found = match_article(TOPIC, WEIGHTS, TOPIC_VECTOR, passages, vectors)
    assert found is not None and found.sentence == "" and not found.matched


def test_order_kept_and_articles_without_vectors_left_out() -> None:
    first, first_vectors = _article(6, ["Hurricane Ian made landfall."], [0.8])
    gone, _ = _article(7, ["Hurricane Ian made landfall."], [0.8])
    last, last_vectors = _article(8, ["Markets rose."], [0.1])
    found = match_articles(
        TOPIC, WEIGHTS, TOPIC_VECTOR, [last, gone, first], {**first_vectors, **last_vectors}
    )
    assert [f.article_id for f in found] == [8, 6]


def test_the_bar_is_the_settings_one() -> None:
    passages, vectors = _article(9, ["Hurricane Ian made landfall."], [0.5])
    found = match_article(TOPIC, WEIGHTS, TOPIC_VECTOR, passages, vectors)
    assert found is not None
    strict = FollowSettings(min_score=found.score + 0.01)
    again = match_article(TOPIC, WEIGHTS, TOPIC_VECTOR, passages, vectors, strict)
    assert found.matched and again is not None and not again.matched


ON_TOPIC = Article(
    title="Hurricane Ian makes landfall in Florida as a Category 4 storm",
    text="Hurricane Ian made landfall near Cayo Costa in southwest Florida on Wednesday as a "
    "Category 4 storm with winds of 150 mph, the National Hurricane Center said.\n\n"
    "Storm surge flooded streets in Fort Myers and Naples, and rescuers pulled residents "
    "from flooded homes overnight.",
    url="https://news.test/ian",
)
OFF_TOPIC = Article(
    title="Bengals rally past Dolphins on Thursday night",
    text="The Cincinnati Bengals beat the Miami Dolphins 27-15 on Thursday night, with Joe "
    "Burrow throwing two touchdown passes in the second half.\n\n"
    "Miami quarterback Tua Tagovailoa left the game with a head injury in the second quarter.",
    url="https://news.test/bengals",
)


@pytest.mark.model
def test_real_model_matches_the_story_about_the_topic(tmp_path, real_embedder) -> None:
    with NewsIndex.open(tmp_path, IndexConfig(path=str(tmp_path)), real_embedder) as index:
        index.ingest_articles([ON_TOPIC, OFF_TOPIC])
        ids = {p.url: p.article_id for p in index.all_passages()}
        order = [ids[OFF_TOPIC.url], ids[ON_TOPIC.url]]
        found = index.follow_matches("Hurricane Ian in Florida", order)
    assert [f.article_id for f in found] == order
    off, on = found
    assert on.matched and not off.matched
    assert "Hurricane Ian" in on.sentence
