"""FTS5 expressions built from plain terms: user text never reaches FTS5 as syntax."""

from __future__ import annotations

from collections.abc import Iterable


def fts_phrase(term: str) -> str:
    """`term` as an FTS5 phrase: its syntax characters are then just text ("" when empty)."""
    bare = term.replace('"', "")
    return f'"{bare}"' if bare else ""


def match_any(terms: Iterable[str]) -> str:
    """An FTS5 expression matching any of `terms` ("" when none is usable)."""
    return " OR ".join(phrase for phrase in map(fts_phrase, terms) if phrase)
