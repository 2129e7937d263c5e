"""FTS5: expressions built from plain terms (user text never reaches FTS5 as syntax),
and the bm25 reads of the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager


def fts_phrase(term: str) -> str:
    """`term` as an FTS5 phrase: its syntax characters are then just text ("" when empty)."""
    bare = term.replace('"', "")
    return f'"{bare}"' if bare else ""


def match_any(terms: Iterable[str]) -> str:
    """An FTS5 expression matching any of `terms` ("" when none is usable)."""
    return " OR ".join(phrase for phrase in map(fts_phrase, terms) if phrase)


class LexicalReads:
    """The full-text reads of `Store` (bm25 rankings, term statistics)."""

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # Store's read connection

    def lexical(self, terms: Sequence[str], limit: int = 5000) -> dict[int, float]:
        """bm25 (higher is better) of the `limit` best passages matching any of `terms`.

        One pass over the posting lists: far cheaper than scoring chosen rowids
        (`rowid IN (...)` makes FTS5 evaluate the match once per id). Passages
        beyond `limit` match so weakly that they count as not matching.
        """
        return self._bm25("passages_fts", 0.3, terms, limit)

    def article_lexical(self, terms: Sequence[str]) -> dict[int, float]:
        """bm25 scores (higher is better) of every whole article matching any of `terms`."""
        return self._bm25("articles_fts", 0.5, terms, -1)

    def _bm25(
        self, table: str, title_weight: float, terms: Sequence[str], limit: int
    ) -> dict[int, float]:
        """Row id -> bm25 (negated: higher is better) of the rows of an FTS5 `table` that
        match any of `terms`, best first, at most `limit` (-1: all)."""
        match = match_any(terms)
        if not match:
            return {}
        with self._read() as db:
            rows = db.execute(
                f"SELECT rowid, bm25({table}, 1.0, ?) AS s FROM {table}"
                f" WHERE {table} MATCH ? ORDER BY s LIMIT ?",
                (title_weight, match, limit),
            ).fetchall()
        return {int(r[0]): -float(r[1]) for r in rows}

    def document_frequencies(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """(number of passages, passages matching each term), for IDF weights."""
        out: dict[str, int] = {}
        with self._read() as db:
            total = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
            for term in terms:
                phrase = fts_phrase(term)
                if not phrase:
                    continue
                out[term] = db.execute(
                    "SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH ?", (phrase,)
                ).fetchone()[0]
        return int(total), out
