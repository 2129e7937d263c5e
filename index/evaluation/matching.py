"""The one rule for "this passage answers the question", shared by every tool."""

from __future__ import annotations

from collections.abc import Iterable

from index.text.words import normalized


def answers(passage: str, evidence: Iterable[str]) -> bool:
    """True when the normalised passage contains one of the normalised evidence strings."""
    text = normalized(passage)
    return any(e in text for e in map(normalized, evidence) if e)


def bold_has_evidence(
    passage: str, span: tuple[int, int] | None, evidence: Iterable[str], share: float = 0.5
) -> bool:
    """True when the sentence `span` of `passage` holds an evidence string found in it.

    Both are normalised as `answers` does. An occurrence of an evidence string in the
    passage counts when at least `share` of its words lie inside the span's words: a
    bold sentence that contains the evidence counts, and so does one that holds the
    larger part of an evidence string running over two sentences.
    """
    if span is None:
        return False
    start, end = span
    words = normalized(passage).split()
    # Word offsets of the span: a span starts and ends at a word boundary, and the
    # normalised prefix has as many words as precede it (NFKC applied to the same text).
    first, last = len(normalized(passage[:start]).split()), len(normalized(passage[:end]).split())
    text = " ".join(words)
    for string in {e for e in map(normalized, evidence) if e}:
        size = len(string.split())
        at = text.find(string)
        while at >= 0:
            # An occurrence may start or end inside a word: that word counts as covered.
            begin = text.count(" ", 0, at)
            stop = text.count(" ", 0, at + len(string)) + 1
            if min(stop, last) - max(begin, first) >= share * size:
                return True
            at = text.find(string, at + 1)
    return False
