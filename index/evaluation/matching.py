"""The one rule for "this passage answers the question", shared by every tool."""

from __future__ import annotations

from collections.abc import Iterable

from index.text.words import normalized


def answers(passage: str, evidence: Iterable[str]) -> bool:
    """True when the normalised passage contains one of the normalised evidence strings."""
    text = normalized(passage)
    return any(e in text for e in map(normalized, evidence) if e)
