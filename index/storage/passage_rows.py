"""Reads of stored passages with their article's title, outlet, link and dates (the
mixin `PassageRows` of `Store`): by id, the opening passage of articles, all passages of
articles, a window of publication days, an article's whole text."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager

import numpy as np

from index.records import Passage
from index.storage.vector_rows import decode_vectors

# (article id, position, published, day read): what ranking needs of a passage.
RankingRow = tuple[int, int, str, str]

PASSAGE_SELECT = """
    SELECT p.id, p.article_id, p.position, p.text, a.title, a.source, a.url, a.published,
           substr(a.ingested_at, 1, 10)
    FROM passages p JOIN articles a ON a.id = p.article_id
"""


class PassageRows:
    """Reads of passages joined to their articles."""

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # Store's read connection

    def passages(self, ids: Iterable[int]) -> dict[int, Passage]:
        """Return the passages with these ids (missing ids are left out)."""
        ids = list(ids)
        out: dict[int, Passage] = {}
        with self._read() as db:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                for row in db.execute(f"{PASSAGE_SELECT} WHERE p.id IN ({marks})", part):
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
        rows, blobs = self._ranking_rows(ids, with_vectors=True)
        found = [pid for pid in ids if pid in blobs]
        matrix = decode_vectors([blobs[pid] for pid in found])
        return rows, np.array(found, dtype=np.int64), matrix

    def _ranking_rows(
        self, ids: Iterable[int], *, with_vectors: bool
    ) -> tuple[dict[int, RankingRow], dict[int, bytes]]:
        ids = list(ids)
        rows: dict[int, RankingRow] = {}
        blobs: dict[int, bytes] = {}
        vector = ", p.vector" if with_vectors else ""
        with self._read() as db:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                sql = (
                    "SELECT p.id, p.article_id, p.position, a.published,"
                    f" substr(a.ingested_at, 1, 10){vector} FROM passages p"
                    f" JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})"
                )
                for row in db.execute(sql, part):
                    rows[row[0]] = row[1:5]
                    if with_vectors:
                        blobs[row[0]] = row[5]
        return rows, blobs

    def lead_passages(self, article_ids: Iterable[int]) -> dict[int, Passage]:
        """The opening passage (position 0) of each of these articles, by article id."""
        ids = list(article_ids)
        out: dict[int, Passage] = {}
        with self._read() as db:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                sql = f"{PASSAGE_SELECT} WHERE p.article_id IN ({marks}) AND p.position = 0"
                for row in db.execute(sql, part):
                    out[row[1]] = Passage(*row)
        return out

    def article_passages(self, article_ids: Iterable[int]) -> dict[int, list[Passage]]:
        """Every passage of each of these articles, in order, by article id (articles
        gone are left out)."""
        ids = list(article_ids)
        out: dict[int, list[Passage]] = {}
        with self._read() as db:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                sql = f"{PASSAGE_SELECT} WHERE p.article_id IN ({marks}) ORDER BY p.position"
                for row in db.execute(sql, part):
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
