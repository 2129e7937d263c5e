"""The answer sentence (index.search.highlight) and its measure, bold_has_evidence."""

from __future__ import annotations

import time
from datetime import date

import pytest

from index.evaluation.matching import bold_has_evidence
from index.evaluation.metrics import Outcome, score_outcomes
from index.search.highlight import (
    DATE,
    NAME,
    NUMBER,
    PERSON,
    PLACE,
    HighlightWeights,
    asked_kind,
    best_sentence,
    holds_kind,
    most_covered,
)
from index.search.query import parse_query

PLAIN = HighlightWeights(kind=0.0, name=0.0, neighbour=0.0, rare=0.0, position=0.0)


def bold(question: str, text: str, **kwargs) -> str:
    span = best_sentence(parse_query(question), text, **kwargs)
    assert span is not None
    return text[span[0] : span[1]]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people did the storm kill?", NUMBER),
        ("How much did the bidder pay for the lunch?", NUMBER),
        ("What percentage of adults disapprove of the ruling?", NUMBER),
        ("What was the magnitude of the quake?", NUMBER),
        ("When will the plant close?", DATE),
        ("In what year did the band split?", DATE),
        ("Where did Trump and Putin hold their summit?", PLACE),
        ("Which country elected its first leftist leader?", PLACE),
        ("Who runs the aid distribution points in Gaza?", PERSON),
        ("Which airline announced a deal to buy Spirit Airlines?", NAME),
        ("This artist topped the chart in four decades.", NAME),
        ("Why did cities cancel their fireworks?", None),
        ("What did Rubio say would happen without a deal?", None),
    ],
)
def test_asked_kind_reads_the_question(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


def test_a_number_or_date_counts_only_when_the_question_lacks_it() -> None:
    words = {"2022", "storm", "1", "000"}
    assert holds_kind(NUMBER, "It killed 12 people.", words)
    assert not holds_kind(NUMBER, "The 2022 storm killed more than 1,000.", words)
    assert holds_kind(NUMBER, "Dozens were hurt.", words)
    assert holds_kind(DATE, "It hit on March 3.", words)
    assert not holds_kind(DATE, "The 2022 storm was bad.", words)
    assert holds_kind(PLACE, "Crews flew in from Texas.", set())
    assert not holds_kind(PLACE, "Texas sent crews.", set())  # a first word is no name alone
    assert holds_kind(PERSON, "The decision was made by Jane Doe.", {"decision"})
    assert not holds_kind(PERSON, "Then the talks ended.", set())
    assert not holds_kind(None, "Anything 12 at all.", set())


def test_the_sentence_with_the_number_beats_the_one_that_only_repeats_the_question() -> None:
    # Equal coverage: coverage alone takes the first; the asked-for number decides.
    text = (
        "Officials in Florida counted the people the storm killed. "
        "The storm killed 12 people in Florida."
    )
    question = "How many people did the storm kill in Florida?"
    assert bold(question, text, fit=PLAIN).startswith("Officials")
    assert bold(question, text) == "The storm killed 12 people in Florida."


def test_the_price_in_the_sentence_after_the_question_words_is_bold() -> None:
    text = (
        "An anonymous bidder won the charity auction for a lunch with the investor. "
        "The anonymous bidder paid $19 million at the auction, the charity said."
    )
    question = "How much did the anonymous bidder pay at the charity auction?"
    assert bold(question, text, fit=PLAIN).startswith("An anonymous bidder won")
    assert (
        bold(question, text)
        == "The anonymous bidder paid $19 million at the auction, the charity said."
    )
    # At the fitted weights the type and the neighbour decide close calls only: with the
    # price sentence two question words short, coverage still wins.
    sparse = text.replace("at the auction, the charity said", "last week")
    assert bold(question, sparse).startswith("An anonymous bidder won")


def test_a_date_question_bolds_the_sentence_with_a_new_date() -> None:
    text = (
        "The carmaker will close its Ohio plant, the carmaker said. "
        "The carmaker will close the Ohio plant on March 3, 2025, the union said."
    )
    assert bold("When will the carmaker close its Ohio plant?", text).endswith("union said.")
    # Asked for a reason, the sentence covering the question stays.
    assert bold("Why will the carmaker close its Ohio plant?", text).endswith("carmaker said.")


def test_who_bolds_the_sentence_naming_someone_new() -> None:
    text = (
        "The aid distribution points in Gaza opened in May. "
        "The aid distribution points in Gaza are run by the Gaza Humanitarian Foundation."
    )
    assert bold("Who runs the aid distribution points in Gaza?", text).endswith("Foundation.")


def test_ties_go_to_the_first_sentence_and_one_sentence_is_its_own_answer() -> None:
    text = "The council met. The council met again."
    assert bold("When did the council meet?", text) == "The council met."
    assert bold("How many ferries sailed?", "Ferries sailed.") == "Ferries sailed."


def test_empty_and_blank_text_have_no_sentence() -> None:
    query = parse_query("How many ferries sailed?")
    assert best_sentence(query, "") is None
    assert best_sentence(query, " \n\n \t") is None
    assert most_covered(query, "") is None


@pytest.mark.parametrize(
    "text",
    [
        "A" * 20_000,
        "1." * 5_000,
        "Mr. " * 3_000 + "Smith paid $5.",
        ("Who What Where When " * 1_000).strip(),
        "\u202e\u0000\ud800 spoof \U0001f600 12 \n\n" * 500,
        "$" + "9," * 5_000 + "9 paid.",
    ],
)
def test_hostile_text_gives_a_span_inside_it_quickly(text: str) -> None:
    query = parse_query("How much did Smith pay, and who paid when and where?")
    start = time.perf_counter()
    span = best_sentence(query, text, {"smith": 3.0, "pay": 1.0})
    assert time.perf_counter() - start < 2.0  # linear: no regex backtracking on any of these
    assert span is not None
    assert 0 <= span[0] < span[1] <= len(text)


def test_a_passage_is_chosen_in_well_under_a_millisecond() -> None:
    text = " ".join(
        f"Sentence {i} says the council in Springfield spent money on {i} roads." for i in range(8)
    )
    query = parse_query("How much did the Springfield council spend on roads in 2022?")
    best_sentence(query, text)
    start = time.perf_counter()
    for _ in range(50):
        best_sentence(query, text, {"springfield": 5.0, "council": 2.0})
    assert (time.perf_counter() - start) / 50 < 0.005  # ~0.3 ms here; slack for loaded CI


# --- the measure ----------------------------------------------------------------------

PASSAGE = (
    "An anonymous bidder won the auction on Friday. "
    "The bidder paid $19 million for the lunch. "
    "The money goes to a charity in San Francisco."
)


def _span(sentence: str) -> tuple[int, int]:
    start = PASSAGE.index(sentence)
    return start, start + len(sentence)


def test_bold_has_evidence_when_the_sentence_holds_it_after_normalising() -> None:
    span = _span("The bidder paid $19 million for the lunch.")
    assert bold_has_evidence(PASSAGE, span, ["paid $19 MILLION"])
    assert bold_has_evidence(PASSAGE, span, ["nothing like it", "paid 19 million"])
    assert not bold_has_evidence(
        PASSAGE, _span("An anonymous bidder won the auction on Friday."), ["paid $19 million"]
    )
    assert not bold_has_evidence(PASSAGE, span, ["a charity in San Francisco"])
    assert not bold_has_evidence(PASSAGE, None, ["paid $19 million"])
    assert not bold_has_evidence(PASSAGE, span, [])


def test_evidence_over_two_sentences_counts_for_the_sentence_holding_half_of_it() -> None:
    evidence = ["won the auction on Friday. The bidder paid $19 million for the lunch"]
    # 12 words: 5 in the first sentence, 7 in the second.
    assert bold_has_evidence(PASSAGE, _span("The bidder paid $19 million for the lunch."), evidence)
    assert not bold_has_evidence(
        PASSAGE, _span("An anonymous bidder won the auction on Friday."), evidence
    )


def test_score_outcomes_reads_bold_has_evidence_over_answered_questions_only() -> None:
    def outcome(rank: int | None, bold_ok: bool, answerable: bool = True) -> Outcome:
        return Outcome(answerable, rank, False, rank == 1, 100, 1.0, bold_ok)

    figures = score_outcomes(
        [outcome(1, True), outcome(1, False), outcome(2, False), outcome(None, True, False)]
    )
    assert figures["bold_has_evidence"] == 0.5  # of the two whose rank-1 passage answers
    assert score_outcomes([outcome(None, False)])["bold_has_evidence"] == 0.0


@pytest.mark.model
def test_the_engine_bolds_the_sentence_with_the_count(tmp_path, real_embedder) -> None:
    from index.config import IndexConfig
    from index.engine import NewsIndex
    from index.records import Article

    text = (
        "Heavy rain flooded the valley towns of Eastbrook and Millford on Tuesday.\n\n"
        "Rescue crews in Eastbrook searched flooded homes for missing residents overnight. "
        "Officials said 37 residents of Eastbrook were rescued from flooded homes by boat.\n\n"
        "The council approved a new budget for road repairs in the spring."
    )
    with NewsIndex.open(tmp_path, IndexConfig(path=str(tmp_path)), real_embedder) as index:
        index.ingest_articles(
            [Article(title="Floods", text=text, published="2024-05-07", source="example.com")]
        )
        answer = index.answer(
            "How many residents were rescued from flooded homes in Eastbrook?",
            now=date(2024, 5, 8),
        )
    assert answer.hit is not None and answer.highlight is not None
    passage = answer.hit.passage.text
    start, end = answer.highlight
    assert passage[start:end].startswith("Officials said 37 residents")
    assert bold_has_evidence(passage, answer.highlight, ["37 residents of Eastbrook"])
