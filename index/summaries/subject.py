"""Which articles a topic summary may draw from: those whose subject is the topic.

A passage that mentions a topic is not an article about it. An article is on the
topic when its headline (the title, or the opening sentence of an untitled page) and
its opening passage, which in news state what the story is about, carry the topic's
words, weighted by rarity so that names count most ("Ian" in "Hurricane Ian", not
"hurricane"), and its opening is close to the topic in meaning: the three make one
score with one bar. A reporter named Ian, another storm or another person's funeral fail; so
does a news roundup ("Hurricane Ian, Joe Manchin, Medicare: Daily Briefing"), whose
subject is many stories. The search that finds candidates is the engine's; this
module only judges them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Passage
from index.search.confidence import coverage
from index.search.query import Query
from index.text.sentences import split_sentences

# A roundup of the day's news names its format, or lists its stories in the title.
_ROUNDUP = re.compile(
    r"\b(?:\d+|five|ten) things\b|\bbriefing\b|\bwhat to know today\b|\bnews quiz\b|"
    r"\bphotos? (?:of|this) (?:the )?week\b|\bweek in (?:review|pictures)\b|\bnewsletter\b|"
    r"\bthe week in\b|\bmorning (?:report|rundown)\b",
    re.IGNORECASE,
)
ROUNDUP_ITEMS = 4  # a title listing this many comma-separated items is a roundup


@dataclass(frozen=True)
class SubjectSettings:
    """The bar for "this article is about the topic": a weighted sum of how much of the
    topic's words its headline and its opening carry and how close its opening is in
    meaning. Fitted on the odd-numbered half of the labelled dev topics (max recall at
    article precision >= 0.89; `benchmarks/summary_topics.py --sweep`): 0.896 precision,
    0.771 recall there, 0.908 / 0.738 on the held-out half."""

    headline_weight: float = 0.5
    coverage_weight: float = 0.75
    min_score: float = 1.4  # headline_weight * h + coverage_weight * c + cosine


DEFAULT_SUBJECT = SubjectSettings()


@dataclass(frozen=True)
class Subject:
    """How one candidate article stands to the topic."""

    article_id: int
    coverage: float  # of the topic's words in title + opening passage, by rarity
    cosine: float  # of the topic and the opening passage
    headline_coverage: float = 0.0  # in the title (or an untitled page's first sentence)
    roundup: bool = False


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
                coverage(query, headline(lead), term_weights),
                is_roundup(lead.title),
            )
        )
    return out


def headline(lead: Passage) -> str:
    """The article's title, or when it has none the first sentence of its opening."""
    if lead.title.strip():
        return lead.title
    sentences = split_sentences(lead.text[:1000])
    return sentences[0] if sentences else ""


def is_roundup(title: str) -> bool:
    """Whether a title is that of a roundup of several stories."""
    if _ROUNDUP.search(title):
        return True
    # The stories may be listed before a colon ("Ian, Manchin, Medicare: Daily Briefing")
    # or after it ("The Short List: Jeffries, tornadoes, rail strike, kratom").
    return any(
        len([item for item in re.split(r"[,;]", part) if item.strip()]) >= ROUNDUP_ITEMS
        for part in title.split(":")
    )


def on_subject(subjects: Sequence[Subject], settings: SubjectSettings) -> list[Subject]:
    """The articles about the topic, in the given order."""
    return [s for s in subjects if not s.roundup and score(s, settings) >= settings.min_score]


def score(subject: Subject, settings: SubjectSettings) -> float:
    """How much an article is about the topic (see SubjectSettings)."""
    return (
        settings.headline_weight * subject.headline_coverage
        + settings.coverage_weight * subject.coverage
        + subject.cosine
    )
