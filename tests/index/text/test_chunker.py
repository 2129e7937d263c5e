"""Passages: whole sentences packed to a token budget, never past the model's limit."""

from __future__ import annotations

from index.text.chunker import chunk_text
from index.text.sentences import split_sentences
from tests.support.embedders import HashEmbedder

COUNT = HashEmbedder().count_tokens  # ~1.3 tokens a word, +2 special tokens


def _paragraph(n: int, words: int = 12) -> str:
    return " ".join(
        f"Sentence {n}-{i} says " + " ".join(["word"] * (words - 3)) + "." for i in range(3)
    )


def test_passages_stay_under_the_target_and_hold_whole_sentences() -> None:
    text = "\n\n".join(_paragraph(n) for n in range(8))
    chunks = chunk_text(text, COUNT, target=60, limit=256)
    assert len(chunks) > 3
    sentences = set(split_sentences(text.replace("\n", " ")))
    for chunk in chunks:
        assert COUNT([chunk.text])[0] <= 60 + 4  # rounding of the fake count
        assert all(s in sentences for s in split_sentences(chunk.text.replace("\n", " ")))


def test_a_sentence_longer_than_the_limit_is_cut_into_pieces_under_it() -> None:
    text = "Start. " + " ".join(["word"] * 400) + ". End."
    chunks = chunk_text(text, COUNT, target=100, limit=128)
    assert max(COUNT([c.text])[0] for c in chunks) <= 128
    assert "".join(c.text for c in chunks).count("word") == 400


def test_a_short_paragraph_is_kept_whole_unless_packing_across_paragraphs() -> None:
    text = "\n\n".join(_paragraph(n) for n in range(4))
    kept = chunk_text(text, COUNT, target=90)
    packed = chunk_text(text, COUNT, target=90, keep_paragraphs=False)
    assert all(c.text.count("Sentence") % 3 == 0 for c in kept)  # paragraphs of 3 sentences
    assert any(c.text.count("Sentence") % 3 for c in packed)
    assert len(packed) <= len(kept)


def test_company_and_title_abbreviations_do_not_end_a_sentence() -> None:
    text = (
        "Warner Bros. Discovery cut 500 jobs. Messrs. Smith and Jones left. "
        "The Rev. Al Sharpton spoke. Sales rose."
    )
    assert split_sentences(text) == [
        "Warner Bros. Discovery cut 500 jobs.",
        "Messrs. Smith and Jones left.",
        "The Rev. Al Sharpton spoke.",
        "Sales rose.",
    ]
