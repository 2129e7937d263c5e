"""The eval README's metric rules, on hand-made rankings."""

from __future__ import annotations

import pytest

from index.evaluation.harness import Question, _outcome, first_answering_rank
from index.evaluation.matching import answers, normalized
from index.evaluation.metrics import METRIC_KEYS, Outcome, score_outcomes
from index.records import Hit, Passage


def _hit(text: str) -> Hit:
    return Hit(
        passage=Passage(1, 1, 0, text, "", "", "", ""),
        score=0.0,
    )


def test_normalized_folds_unicode_case_and_punctuation() -> None:
    assert normalized("  “Squid Game” — Season\u00a02!  ") == "squid game season 2"
    assert normalized("ﬁve Ｕ.S. troops") == "five u s troops"


def test_answers_matches_after_normalising_both_sides() -> None:
    passage = "Netflix said: “Squid Game” was the BIGGEST-ever series at launch."
    assert answers(passage, ['"squid game" was the biggest ever series'])
    assert not answers(passage, ["squid game was the smallest"])
    assert not answers(passage, [])
    assert not answers(passage, ["   "])  # an empty evidence string answers nothing


def test_first_answering_rank_looks_at_the_top_ten_only() -> None:
    hits = [_hit(f"filler {i}") for i in range(12)]
    hits[3] = _hit("the answer is here")
    assert first_answering_rank(hits, ["answer is here"]) == 4
    hits = [_hit("filler")] * 10 + [_hit("the answer is here")]
    assert first_answering_rank(hits, ["answer is here"]) is None


def _o(rank, abstained=False, answerable=True, correct=None, chars=100, ms=1.0) -> Outcome:
    return Outcome(
        answerable=answerable,
        rank=rank,
        abstained=abstained,
        shown_correct=(rank == 1) if correct is None else correct,
        passage_chars=chars,
        latency_ms=ms,
    )


def test_recall_and_mrr_come_from_the_ranking_even_when_the_bot_abstains() -> None:
    outcomes = [_o(1), _o(2, abstained=True), _o(5), _o(None), _o(None, answerable=False)]
    m = score_outcomes(outcomes)
    assert m["answerable"] == 4 and m["unanswerable"] == 1
    assert m["recall@1"] == pytest.approx(1 / 4)
    assert m["recall@5"] == pytest.approx(3 / 4)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 2 + 1 / 5) / 4)


def test_abstention_shares_and_precision_of_what_was_shown() -> None:
    outcomes = [
        _o(1),  # shown, right
        _o(1, abstained=True),  # withheld although right
        _o(3),  # shown, wrong passage
        _o(None, answerable=False),  # shown for an unanswerable question: wrong
        _o(None, answerable=False, abstained=True),
        _o(None, answerable=False, abstained=True),
    ]
    m = score_outcomes(outcomes)
    assert m["answered_correctly"] == pytest.approx(1 / 3)
    assert m["withheld_answerable"] == pytest.approx(1 / 3)
    assert m["abstained_unanswerable"] == pytest.approx(2 / 3)
    assert m["precision_shown"] == pytest.approx(1 / 3)


def test_an_unanswerable_passage_that_happens_to_match_is_still_wrong() -> None:
    m = score_outcomes([_o(None, answerable=False, correct=True)])
    assert m["precision_shown"] == 0.0


def test_passage_lengths_and_latency_percentiles() -> None:
    m = score_outcomes([_o(1, chars=100, ms=10), _o(1, chars=300, ms=20), _o(1, chars=None, ms=30)])
    assert m["passage_chars_mean"] == pytest.approx(200)
    assert m["passage_chars_max"] == 300
    assert m["latency_ms_p50"] == pytest.approx(20)
    assert set(m) == set(METRIC_KEYS)


def test_outcome_of_an_empty_ranking_is_an_abstention() -> None:
    question = Question("q", "anything?", ("something",), None)
    outcome = _outcome(question, [], abstained=False, ms=1.0)
    assert outcome.abstained and outcome.rank is None and outcome.passage_chars is None
