"""Reading a question: clipped once, its terms, its time words."""

from __future__ import annotations

from index.search.query import MAX_QUESTION_CHARS, MAX_TERMS, clip_question, parse_query


def test_whitespace_collapses_and_a_long_question_is_cut_at_the_limit() -> None:
    assert clip_question("  Who   won\n\tthe vote?  ") == "Who won the vote?"
    long = "Gaza hostages protest " * 800
    clipped = clip_question(long)
    assert len(clipped) == MAX_QUESTION_CHARS
    assert long.startswith(clipped)
    assert clip_question(clipped) == clipped  # clipping again changes nothing


def test_the_query_holds_the_clipped_text() -> None:
    question = "  What   happened " + "x" * 5000
    query = parse_query(question)
    assert query.text == clip_question(question)
    assert len(query.text) == MAX_QUESTION_CHARS


def test_terms_are_the_meaningful_words_in_order_without_repeats() -> None:
    query = parse_query("What's the latest news about the Gaza ceasefire? Gaza talks in 2024!")
    assert query.terms == ("gaza", "ceasefire", "talks", "2024")


def test_terms_are_capped() -> None:
    question = " ".join(f"word{i}" for i in range(100))
    terms = parse_query(question).terms
    assert len(terms) == MAX_TERMS
    assert terms[:2] == ("word0", "word1")


def test_a_question_of_filler_only_has_no_terms() -> None:
    assert parse_query("What is the latest news today?").terms == ()
    assert parse_query("   ").text == ""


def test_time_words_are_detected() -> None:
    for question in (
        "What is the latest on the strike?",
        "Who won the election this week?",
        "What happened YESTERDAY in Paris?",
        "Is the port open right now?",
        "Any breaking news on the floods?",
    ):
        assert parse_query(question).time_sensitive, question
    for question in ("Who won the 1990 election?", "Why did the bridge close?", "The weekly news"):
        assert not parse_query(question).time_sensitive, question
