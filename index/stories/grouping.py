"""Which story a new article belongs to: pure decisions over lead vectors and terms.

An article's *lead* is its first passage: the event it reports is there, while the
rest of the text drifts to background that other stories share. Two articles report
the same story when their leads are close in meaning (cosine of the lead vectors),
share enough named words (stemmed content words of headline and lead) and were
published within a few days of each other. Nothing here touches storage or a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from index.text.words import content_stems


@dataclass(frozen=True)
class StorySettings:
    """When two articles are one story; fitted per model (see `index.profiles`)."""

    # Chosen on the first 12 DUC 2004 clusters with all-mpnet-base-v2
    # (benchmarks/stories.py; figures in benchmarks/results.md).
    min_cosine: float = 0.6
    min_overlap: float = 0.2
    window_days: int = 3  # published at most this many days apart
    candidates: int = 32  # passages asked of the vector index per new article


@dataclass(frozen=True)
class Lead:
    """What grouping knows of one article."""

    vector: np.ndarray = field(compare=False, repr=False)  # unit vector of the lead passage
    terms: frozenset[str]  # of the headline and lead
    day: date | None  # published, else the day it was read; None: unknown
    headline: frozenset[str] = frozenset()  # of the headline alone (empty: none)


@dataclass(frozen=True)
class Candidate:
    """A stored article that may report the same story, and the story it is in."""

    lead: Lead
    story_id: int


@dataclass(frozen=True)
class Join:
    """Where a new article goes: a stored story, or the story of an earlier article of
    the same batch (not stored yet, so it has no story id before the commit)."""

    story_id: int | None = None
    batch_index: int | None = None


def lead_terms(title: str, lead: str) -> frozenset[str]:
    """The stemmed content words of a headline and lead passage."""
    return frozenset(content_stems(f"{title}\n{lead}"))


def headline_terms(title: str) -> frozenset[str]:
    """The stemmed content words of a headline."""
    return frozenset(content_stems(title))


def term_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared terms over the terms of the shorter text (0 when either has none)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def same_story_score(a: Lead, b: Lead, settings: StorySettings) -> float | None:
    """The cosine of the two leads when they report one story by `settings`, else None."""
    apart = abs((a.day - b.day).days) if a.day is not None and b.day is not None else 0
    if apart > settings.window_days:
        return None
    cosine = float(np.dot(a.vector, b.vector))
    if cosine < settings.min_cosine:
        return None
    if term_overlap(a.terms, b.terms) < settings.min_overlap:
        return None
    # Two headlines with no word in common are two stories, however alike the leads:
    # pages whose "lead" is the site's boilerplate (a sign-up notice) have equal leads.
    if a.headline and b.headline and not a.headline & b.headline:
        return None
    return cosine


def assign_stories(
    batch: Sequence[Lead], stored: Sequence[Sequence[Candidate]], settings: StorySettings
) -> list[Join | None]:
    """For each article of `batch` (in order), the story it joins, or None for a new one.

    `stored[i]` are the stored candidates of `batch[i]`; every earlier article of the
    batch is a candidate too. The closest lead that passes wins; on a tie, the stored
    story (it was there first).
    """
    if len(batch) != len(stored):
        raise ValueError(f"{len(batch)} articles but {len(stored)} candidate lists")
    joins: list[Join | None] = []
    for i, lead in enumerate(batch):
        best: tuple[float, Join] | None = None
        for candidate in stored[i]:
            score = same_story_score(lead, candidate.lead, settings)
            if score is not None and (best is None or score > best[0]):
                best = (score, Join(story_id=candidate.story_id))
        for j in range(i):
            score = same_story_score(lead, batch[j], settings)
            if score is not None and (best is None or score > best[0]):
                best = (score, Join(batch_index=j))
        joins.append(best[1] if best else None)
    return joins
