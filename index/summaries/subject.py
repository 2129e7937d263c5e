"""Which articles a topic summary may draw from: those whose subject is the topic.

A passage that mentions a topic is not an article about it. An article is on the
topic when its title and opening passage, which in news state what the story is
about, carry the topic's words (weighted by rarity, so names count most: "Ian" in
"Hurricane Ian", not "hurricane") and are close to it in meaning. A reporter named
Ian, another storm or another person's funeral fail the first test; a homonym in
an unrelated story fails the second. The search that finds candidates is the
engine's; this module only judges them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Passage
from index.search.confidence import coverage
from index.search.query import Query


@dataclass(frozen=True)
class SubjectSettings:
    """Bars for "this article is about the topic", fitted on the first half of the
    labelled dev topics (`benchmarks/summary_topics.py`)."""

    min_coverage: float = 0.8  # rarity-weighted share of the topic's words in title + lead
    min_cosine: float = 0.3  # of the topic and the article's opening passage


DEFAULT_SUBJECT = SubjectSettings()


@dataclass(frozen=True)
class Subject:
    """How one candidate article stands to the topic."""

    article_id: int
    coverage: float
    cosine: float


def judge(
    query: Query,
    term_weights: Mapping[str, float],
    topic_vector: np.ndarray,
    leads: Sequence[Passage],
    lead_vectors: Mapping[int, np.ndarray],
) -> list[Subject]:
    """How each article's opening passage (`leads`, one per article, with its title)
    stands to the topic, in the order of `leads`. A lead without a stored vector
    (replaced meanwhile) is left out."""
    out = []
    for lead in leads:
        vector = lead_vectors.get(lead.id)
        if vector is None:
            continue
        text = f"{lead.title}\n{lead.text}"
        out.append(
            Subject(
                lead.article_id,
                coverage(query, text, term_weights),
                float(np.dot(vector, topic_vector)),
            )
        )
    return out


def on_subject(subjects: Sequence[Subject], settings: SubjectSettings) -> list[Subject]:
    """The articles about the topic, in the given order."""
    return [
        s
        for s in subjects
        if s.coverage >= settings.min_coverage and s.cosine >= settings.min_cosine
    ]
