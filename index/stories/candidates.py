"""The stored candidates of a batch of new articles: what `grouping` decides from.

One vector search per new article (its lead against every stored passage: an
article whose any passage is close is a candidate) and one read for the whole batch
(the candidates' leads and stories). No scan of all rows, so the cost per article
stays that of one search however large the index grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np

from index.storage.story_rows import LeadRow
from index.stories.grouping import (
    Candidate,
    Join,
    Lead,
    StorySettings,
    assign_stories,
    headline_terms,
    lead_terms,
)
from index.text.dates import to_date


@dataclass(frozen=True)
class NewLead:
    """A new article's headline, date and lead passage text (its vector comes apart)."""

    title: str
    published: str
    lead: str


class _Vectors(Protocol):
    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...


class _Leads(Protocol):
    def lead_rows(self, passage_ids: Sequence[int]) -> dict[int, LeadRow]: ...


def find_joins(
    store: _Leads,
    vectors: _Vectors,
    new: Sequence[NewLead],
    lead_vectors: np.ndarray,
    settings: StorySettings,
    today: date,
) -> list[Join | None]:
    """The story each new article joins (None: its own), by `grouping.assign_stories`.

    An undated new article counts as published `today` (the day it is read), as an
    undated stored one counts from the day it was read.
    """
    batch = [
        Lead(
            lead_vectors[i],
            lead_terms(n.title, n.lead),
            to_date(n.published) or today,
            headline_terms(n.title),
        )
        for i, n in enumerate(new)
    ]
    hits = [[pid for pid, _ in vectors.search(lead.vector, settings.candidates)] for lead in batch]
    rows = store.lead_rows([pid for found in hits for pid in found])
    leads: dict[int, Candidate] = {}
    stored: list[list[Candidate]] = []
    for found in hits:
        mine: dict[int, Candidate] = {}
        for pid in found:
            row = rows.get(pid)
            if row is None or row.article_id in mine:
                continue
            if row.article_id not in leads:
                lead = Lead(
                    row.vector,
                    lead_terms(row.title, row.lead),
                    to_date(row.day),
                    headline_terms(row.title),
                )
                leads[row.article_id] = Candidate(lead, row.story_id)
            mine[row.article_id] = leads[row.article_id]
        stored.append(list(mine.values()))
    return assign_stories(batch, stored, settings)
