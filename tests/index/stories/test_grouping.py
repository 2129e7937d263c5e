"""Story decisions over leads: windows, thresholds, joins within a batch."""

from datetime import date, timedelta

import numpy as np
import pytest

from index.stories.grouping import (
    Candidate,
    Join,
    Lead,
    StorySettings,
    assign_stories,
    headline_terms,
    lead_terms,
    same_story_score,
    term_overlap,
)
from tests.support.embedders import HashEmbedder

DAY = date(2025, 3, 4)
FLOOD = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the dam overflowed."
)
FLOOD_AGAIN = (
    "Two thousand Marlow residents fled their homes on Tuesday when the dam overflowed "
    "and floods swept through the river town."
)
RATES = "The central bank raised interest rates by half a point, citing wages and inflation."
SETTINGS = StorySettings(min_cosine=0.5, min_overlap=0.3, window_days=3)


def lead(text: str, title: str = "", day: date | None = DAY) -> Lead:
    vector = HashEmbedder().encode([f"{title}\n{text}"])[0]
    return Lead(vector, lead_terms(title, text), day)


def test_lead_terms_are_stemmed_content_words() -> None:
    assert lead_terms("Dams overflow", "The dam overflowed in Marlow.") == {
        "dam",
        "overflow",
        "marlow",
    }


def test_term_overlap_is_over_the_shorter_side() -> None:
    assert term_overlap(frozenset("ab"), frozenset("abcd")) == 1.0
    assert term_overlap(frozenset("ab"), frozenset("bc")) == 0.5
    assert term_overlap(frozenset(), frozenset("a")) == 0.0


def test_two_wordings_of_one_event_are_one_story() -> None:
    score = same_story_score(lead(FLOOD), lead(FLOOD_AGAIN), SETTINGS)
    assert score is not None and score > 0.5


def test_another_event_is_not() -> None:
    assert same_story_score(lead(FLOOD), lead(RATES), SETTINGS) is None


def test_the_same_lead_far_apart_in_time_is_another_story() -> None:
    later = lead(FLOOD, day=DAY + timedelta(days=4))
    assert same_story_score(lead(FLOOD), later, SETTINGS) is None
    within = lead(FLOOD, day=DAY + timedelta(days=3))
    assert same_story_score(lead(FLOOD), within, SETTINGS) == pytest.approx(1.0)


def test_an_unknown_day_does_not_rule_a_match_out() -> None:
    assert same_story_score(lead(FLOOD, day=None), lead(FLOOD_AGAIN), SETTINGS) is not None


def test_close_vectors_without_shared_words_are_not_one_story() -> None:
    """The term check confirms the vectors: equal vectors, disjoint terms, no story."""
    vector = HashEmbedder().encode([FLOOD])[0]
    a = Lead(vector, frozenset({"marlow", "dam"}), DAY)
    b = Lead(vector, frozenset({"bank", "rate"}), DAY)
    assert same_story_score(a, b, SETTINGS) is None


def test_headlines_with_no_word_in_common_are_two_stories() -> None:
    """Equal leads (a site's sign-up boilerplate) under unrelated headlines."""
    a = Lead(lead(FLOOD).vector, lead(FLOOD).terms, DAY, headline_terms("Quiz of the week"))
    b = Lead(lead(FLOOD).vector, lead(FLOOD).terms, DAY, headline_terms("JFK files kept secret"))
    assert same_story_score(a, b, SETTINGS) is None
    c = Lead(lead(FLOOD).vector, lead(FLOOD).terms, DAY, headline_terms("Secret JFK files out"))
    assert same_story_score(b, c, SETTINGS) is not None
    untitled = Lead(lead(FLOOD).vector, lead(FLOOD).terms, DAY)
    assert same_story_score(a, untitled, SETTINGS) is not None


def test_a_new_article_joins_the_closest_stored_story() -> None:
    stored = [Candidate(lead(RATES), story_id=7), Candidate(lead(FLOOD), story_id=3)]
    assert assign_stories([lead(FLOOD_AGAIN)], [stored], SETTINGS) == [Join(story_id=3)]


def test_articles_of_one_batch_form_a_story_together() -> None:
    batch = [lead(FLOOD), lead(RATES), lead(FLOOD_AGAIN)]
    joins = assign_stories(batch, [[], [], []], SETTINGS)
    assert joins == [None, None, Join(batch_index=0)]


def test_a_stored_story_wins_a_tie_with_the_batch() -> None:
    batch = [lead(FLOOD), lead(FLOOD)]
    stored = [[], [Candidate(lead(FLOOD), story_id=11)]]
    assert assign_stories(batch, stored, SETTINGS)[1] == Join(story_id=11)


def test_nothing_close_starts_a_story() -> None:
    assert assign_stories([lead(RATES)], [[Candidate(lead(FLOOD), 1)]], SETTINGS) == [None]


def test_candidate_lists_must_match_the_batch() -> None:
    with pytest.raises(ValueError, match="1 articles but 2"):
        assign_stories([lead(FLOOD)], [[], []], SETTINGS)


def test_vectors_are_not_compared_as_fields() -> None:
    """Leads are frozen records; their ndarray field stays out of equality."""
    a, b = lead(FLOOD), lead(FLOOD)
    assert a == b and not np.shares_memory(a.vector, b.vector)
