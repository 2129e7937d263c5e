"""The story reads of `Store` (the mixin `StoryRows`): candidate leads for grouping,
an article's story, and the articles of stories for listings and digests."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np

from index.storage.vector_rows import decode_vector

# The day an article counts from: published, else the day it was read.
_DAY = "COALESCE(NULLIF(a.published, ''), substr(a.ingested_at, 1, 10))"
# Published only: NULL for an undated article, which no window comparison then admits.
_DATED = "NULLIF(a.published, '')"
_CHUNK = 500  # ids per IN (...) list, under SQLite's variable limit


@dataclass(frozen=True)
class LeadRow:
    """A stored article as grouping sees it: its story and its lead passage."""

    article_id: int
    story_id: int
    title: str
    day: str
    lead: str
    vector: np.ndarray = field(compare=False, repr=False)


@dataclass(frozen=True)
class MemberRow:
    """One article of a story, as a listing shows it."""

    story_id: int
    article_id: int
    title: str
    source: str
    url: str
    published: str
    day: str


class StoryRows:
    """Reads of `articles.story_id` (see schema migration 5: never NULL)."""

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # Store's read connection

    def lead_rows(self, passage_ids: Sequence[int]) -> dict[int, LeadRow]:
        """The article of each of these passages, with its lead passage (position 0) and
        that passage's vector; passages gone are left out. Passages of one article share
        one row."""
        found: dict[int, LeadRow] = {}
        out: dict[int, LeadRow] = {}
        ids = list(dict.fromkeys(passage_ids))
        with self._read() as db:
            for start in range(0, len(ids), _CHUNK):
                part = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    f"SELECT p.id, a.id, a.story_id, a.title, {_DAY}, l.text, l.vector"
                    " FROM passages p JOIN articles a ON a.id = p.article_id"
                    " JOIN passages l ON l.article_id = a.id AND l.position = 0"
                    f" WHERE p.id IN ({marks})",
                    part,
                ).fetchall()
                for pid, article_id, story_id, title, day, lead, vector in rows:
                    if article_id not in found:
                        found[article_id] = LeadRow(
                            article_id=article_id,
                            story_id=story_id,
                            title=title,
                            day=day,
                            lead=lead,
                            vector=decode_vector(vector),
                        )
                    out[pid] = found[article_id]
        return out

    def story_of(self, article_id: int) -> int | None:
        """The story of an article (None when the article is gone)."""
        with self._read() as db:
            row = db.execute("SELECT story_id FROM articles WHERE id = ?", (article_id,)).fetchone()
        return int(row[0]) if row else None

    def stories_of(self, article_ids: Sequence[int]) -> dict[int, int]:
        """The story of each of these articles (those gone are left out)."""
        out: dict[int, int] = {}
        ids = list(article_ids)
        with self._read() as db:
            for start in range(0, len(ids), _CHUNK):
                part = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(part))
                for article_id, story_id in db.execute(
                    f"SELECT id, story_id FROM articles WHERE id IN ({marks})", part
                ):
                    out[article_id] = story_id
        return out

    def newest_stories(self, count: int, *, since: str = "", until: str = "") -> list[int]:
        """The `count` stories with the newest articles dated within [since, until]
        ("" leaves a side open), newest first (then the latest read)."""
        with self._read() as db:
            rows = db.execute(
                f"SELECT a.story_id AS story, MAX({_DAY}) AS newest,"
                " MAX(a.id) AS latest FROM articles a"
                f" WHERE {_DAY} >= ? AND (? = '' OR {_DAY} <= ?)"
                " GROUP BY story ORDER BY newest DESC, latest DESC LIMIT ?",
                (since, until, until, int(count)),
            ).fetchall()
        return [int(row[0]) for row in rows]

    def story_members(
        self,
        story_ids: Sequence[int],
        *,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
    ) -> list[MemberRow]:
        """The articles of these stories dated within [since, until], by id; with
        `dated_only`, undated articles are left out (else they count from the day read)."""
        out: list[MemberRow] = []
        ids = list(dict.fromkeys(story_ids))
        day = _DATED if dated_only else _DAY
        with self._read() as db:
            for start in range(0, len(ids), _CHUNK):
                part = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    "SELECT a.story_id, a.id, a.title, a.source, a.url,"
                    f" a.published, {day} FROM articles a"
                    f" WHERE a.story_id IN ({marks})"
                    f" AND {day} >= ? AND (? = '' OR {day} <= ?) ORDER BY a.id",
                    (*part, since, until, until),
                ).fetchall()
                out.extend(MemberRow(*row) for row in rows)
        return out

    def largest_stories(
        self,
        count: int,
        *,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
        among: Collection[int] | None = None,
    ) -> list[int]:
        """The `count` stories with the most articles dated within [since, until] ("" leaves
        a side open), largest first, then by distinct outlets, newest day, lowest id;
        `dated_only` as in `story_members`; only stories in `among` when given."""
        day = _DATED if dated_only else _DAY
        if among is not None and not among:
            return []
        ids = sorted(among or ())[:_CHUNK]  # a topic's stories: a search's worth at most
        only = f" AND a.story_id IN ({','.join('?' * len(ids))})" if among is not None else ""
        with self._read() as db:
            rows = db.execute(
                "SELECT a.story_id AS story, COUNT(*) AS articles,"
                " COUNT(DISTINCT NULLIF(LOWER(TRIM(a.source)), '')) AS outlets,"
                f" MAX({day}) AS newest FROM articles a"
                f" WHERE {day} >= ? AND (? = '' OR {day} <= ?){only} GROUP BY story"
                " ORDER BY articles DESC, outlets DESC, newest DESC, story LIMIT ?",
                (since, until, until, *ids, int(count)),
            ).fetchall()
        return [int(row[0]) for row in rows]

    def newest_published(self, until: str) -> str:
        """The latest publication day (ISO) on or before `until`; "" when none is."""
        with self._read() as db:
            row = db.execute(
                "SELECT published FROM articles WHERE published <= ? AND published GLOB"
                " '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' ORDER BY published DESC LIMIT 1",
                (until,),
            ).fetchone()
        return str(row[0]) if row else ""
