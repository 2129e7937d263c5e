"""Answer signals and the abstention model, with the fake embedder."""

from __future__ import annotations

from datetime import date

from index.records import Article
from index.search.answer import best_sentence
from index.search.confidence import Confidence, Signals, coverage, idf_weights
from index.search.query import parse_query


def test_coverage_counts_words_and_crude_stems() -> None:
    query = parse_query("Which elections did the senator win?")
    assert coverage(query, "Will the senator win the election?") == 1.0  # "elections" ~ "election"
    assert coverage(query, "The senator spoke.") == 1 / 3
    assert coverage(parse_query("the of and"), "anything") == 0.0


def test_rare_words_weigh_more_in_idf_coverage() -> None:
    query = parse_query("Did the glacier collapse in Switzerland?")
    weights = idf_weights(query, 1000, {"glacier": 2, "collapse": 400, "switzerland": 5})
    assert weights["glacier"] > weights["switzerland"] > weights["collapse"]
    rare = coverage(query, "A glacier in Switzerland.", weights)
    common = coverage(query, "A collapse.", weights)
    assert rare > 0.8 > 0.2 > common


def test_confidence_grows_with_the_passage_signals() -> None:
    model = Confidence()
    weak = Signals(dense=0.3, coverage=0.2, article_coverage=0.3, names=0.0)
    assert model.probability(weak) < model.threshold
    for field in ("dense", "coverage"):
        stronger = Signals(**{**weak.__dict__, field: 0.9})
        assert model.probability(stronger) > model.probability(weak), field
    strong = Signals(dense=0.7, coverage=0.8, article_coverage=0.9, names=1.0)
    assert model.probability(strong) > model.threshold


def test_best_sentence_marks_the_sentence_covering_the_question() -> None:
    text = "The council met on Tuesday. Ferry services across the strait resumed on Monday."
    query = parse_query("When did ferry services across the strait resume?")
    start, end = best_sentence(query, text)
    assert text[start:end] == "Ferry services across the strait resumed on Monday."
    assert best_sentence(query, "") is None


def test_engine_abstains_on_an_unrelated_question_and_answers_a_covered_one(hash_index) -> None:
    hash_index.ingest_articles(
        [
            Article(title="Ferries", text="Ferry services across the strait resumed on Monday."),
            Article(title="Budget", text="The council approved the road budget on Tuesday."),
        ]
    )
    now = date(2022, 6, 16)
    covered = hash_index.answer("When did ferry services across the strait resume?", now=now)
    unrelated = hash_index.answer("How tall is Mount Everest?", now=now)
    assert covered.confidence > unrelated.confidence
    assert unrelated.abstained
