"""Reads of stored passages with their article's title, outlet, link and dates (the
mixin `PassageRows` of `Store`): by id, the opening passage of articles, all passages of
articles, a window of publication days, an article's whole text."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager

import numpy as np

from index.records import Passage
from index.storage.readers import rows_for
from index.storage.vector_rows import packed_passages, positions_in

# (article id, position, published, day read): what ranking needs of a passage.
RankingRow = tuple[int, int, str, str]

DATES_KEPT = 500_000  # articles whose dates `_article_dates` keeps (~100 B each)

PASSAGE_SELECT = """
    SELECT p.id, p.article_id, p.position, p.text, a.title, a.source, a.url, a.published,
           substr(a.ingested_at, 1, 10)
    FROM passages p JOIN articles a ON a.id = p.article_id
"""


class PassageRows:
    """Reads of passages joined to their articles."""

    _dates: dict[int, tuple[str, str]]  # article id -> (published, day read): Store's

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # Store's read connection

    def passages(self, ids: Iterable[int]) -> dict[int, Passage]:
        """Return the passages with these ids (missing ids are left out)."""
        ids = list(ids)
        out: dict[int, Passage] = {}
        with self._read() as db:
            for row in rows_for(db, f"{PASSAGE_SELECT} WHERE p.id IN (?)", ids):
                out[row[0]] = Passage(*row)
        return out

    def ranking_rows(self, ids: Iterable[int]) -> dict[int, RankingRow]:
        """(article id, position, published, day read) of the passages with these ids:
        what ranking needs, without their text (missing ids are left out)."""
        return self._ranking_rows(ids, with_vectors=False)[0]

    def ranking_rows_and_vectors(
        self, ids: Iterable[int]
    ) -> tuple[dict[int, RankingRow], np.ndarray, np.ndarray]:
        """`ranking_rows` of these passages and, in one read, (their ids in the order of
        `ids`, their stored vectors as one matrix)."""
        ids = list(ids)
        rows, found, matrix = self._ranking_rows(ids, with_vectors=True)
        order = positions_in(found, ids, keep=rows)
        return rows, found[order], matrix[order]

    def _ranking_rows(
        self, ids: Iterable[int], *, with_vectors: bool
    ) -> tuple[dict[int, RankingRow], np.ndarray, np.ndarray]:
        with self._read() as db:
            found, table, matrix = packed_passages(
                db, ("article_id", "position"), list(ids), vectors=with_vectors
            )
            articles = table[:, 0].tolist()
            dates = self._article_dates(db, set(articles))
        rows = {
            pid: (article, position, *dates[article])
            for pid, article, position in zip(
                found.tolist(), articles, table[:, 1].tolist(), strict=True
            )
            if article in dates  # gone between the two reads: as if the passage were
        }
        return rows, found, matrix

    def _article_dates(
        self, db: sqlite3.Connection, article_ids: set[int]
    ) -> dict[int, tuple[str, str]]:
        """(published, day read) of these articles (those still stored).

        An article's dates never change (an updated article is stored anew, under a new
        id: ids are AUTOINCREMENT, never reused), so what committed reads found is kept
        (`DATES_KEPT` articles at most): joining each passage to its article cost 0.7 ms
        of the ~1.7 ms read of a question's 300 candidate rows at 100k passages. A
        write transaction's own reads are not kept (it may roll back, freeing the id).
        """
        known = self._dates
        out: dict[int, tuple[str, str]] = {}
        missing: list[int] = []
        for article in article_ids:
            dates = known.get(article)  # get: another thread may clear it meanwhile
            if dates is None:
                missing.append(article)
            else:
                out[article] = dates
        sql = "SELECT id, published, substr(ingested_at, 1, 10) FROM articles WHERE id IN (?)"
        for article, published, day in rows_for(db, sql, missing):
            out[article] = (published, day)
        if missing and not db.in_transaction:
            if len(known) + len(missing) > DATES_KEPT:
                known.clear()
            known.update((a, out[a]) for a in missing if a in out)
        return out

    def lead_passages(self, article_ids: Iterable[int]) -> dict[int, Passage]:
        """The opening passage (position 0) of each of these articles, by article id."""
        ids = list(article_ids)
        out: dict[int, Passage] = {}
        with self._read() as db:
            sql = f"{PASSAGE_SELECT} WHERE p.article_id IN (?) AND p.position = 0"
            for row in rows_for(db, sql, ids):
                out[row[1]] = Passage(*row)
        return out

    def article_passages(self, article_ids: Iterable[int]) -> dict[int, list[Passage]]:
        """Every passage of each of these articles, in order, by article id (articles
        gone are left out)."""
        ids = list(article_ids)
        out: dict[int, list[Passage]] = {}
        with self._read() as db:
            sql = f"{PASSAGE_SELECT} WHERE p.article_id IN (?) ORDER BY p.position"
            for row in rows_for(db, sql, ids):
                out.setdefault(row[1], []).append(Passage(*row))
        return out

    def passages_since(
        self, since: str, *, until: str = "", newest_articles: int | None = None
    ) -> list[Passage]:
        """Every passage of articles published on or after `since` ("" means all) and,
        with `until`, on or before it (articles dated later are not yet written).

        An undated article counts from the day it was ingested. With
        `newest_articles`, only the passages of that many newest such articles.
        """
        day = "COALESCE(NULLIF(published, ''), substr(ingested_at, 1, 10))"
        articles = f"SELECT id FROM articles WHERE {day} >= ? AND (? = '' OR {day} <= ?)"
        if newest_articles is not None:
            articles += f" ORDER BY {day} DESC, id DESC LIMIT {int(newest_articles)}"
        with self._read() as db:
            rows = db.execute(
                f"{PASSAGE_SELECT} WHERE p.article_id IN ({articles}) ORDER BY p.id",
                (since, until, until),
            ).fetchall()
        return [Passage(*row) for row in rows]

    def article_text(self, article_id: int) -> str:
        """The whole text of an article, title first ("" when it is gone)."""
        with self._read() as db:
            row = db.execute(
                "SELECT title, text FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
        return f"{row[0]}\n{row[1]}" if row else ""
