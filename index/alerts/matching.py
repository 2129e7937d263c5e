"""Whether a new story matches a follow's topic, and the sentence to quote when it does.

A follow's topic is a few words ("Hurricane Ian", "S. Korea says N. Korea may be
producing"); a story matches when it is about them, wherever in the article it says so:
a report whose opening sets the scene and whose third paragraph names the topic
matches, one that only shares the topic's common words does not. Three signals, summed
into one score with one bar:

- the best passage: over all the article's passages, its cosine to the topic plus how
  much of the topic's words (weighted by rarity) it carries: the topic stated in one
  place, in meaning and in words;
- the whole article's coverage of the topic's words, by rarity: names count most;
- the headline's coverage (the title, or an untitled page's first sentence).

A roundup of the day's news ("five things to know") never matches: its subject is many
stories. The search that finds candidates and the reads are the engine's; this module
only judges (no SQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Passage
from index.search.confidence import coverage
from index.search.query import Query
from index.summaries.subject import headline, is_roundup
from index.text.sentences import split_sentences


@dataclass(frozen=True)
class FollowSettings:
    """The bar for "this story matches the follow": best passage (cosine +
    `passage_coverage_weight` * its coverage) + `article_coverage_weight` * the whole
    article's coverage + `headline_weight` * the headline's coverage.

    Fitted for all-mpnet-base-v2 on DUC 2004 (`newsdesk eval-follow
    ../shared/eval/duc2004/clusters_dev.jsonl`: one follow per cluster from the first 8
    words of a reference summary, 250 untitled documents), on the first 12 clusters
    only: the weights (a grid of 0 to 1.5 in steps of 0.25) and then the bar, for the
    highest recall at precision >= 0.95 there: 0.953 precision / 0.508 recall on those
    12, **0.811 / 0.892 on the 13 held out** (the lead-passage subject score: 0.837 /
    0.592). Most wrong matches held out (16 of 27) are stories of a sibling cluster
    that the 8 words fit as well (the space station's launch for "NASA and the Russian
    Space Agency readied the", North Korea's famine for "N. Korea may be producing").
    """

    passage_coverage_weight: float = 0.75
    article_coverage_weight: float = 0.5
    headline_weight: float = 0.5
    min_score: float = 1.064


DEFAULT_FOLLOW = FollowSettings()


@dataclass(frozen=True)
class FollowMatch:
    """How one article stands to a follow's topic."""

    article_id: int
    score: float
    matched: bool  # score >= the bar and not a roundup (see summaries.subject.is_roundup)
    # The article's sentence that best states the topic ('' when none): shown in the post.
    sentence: str


def match_articles(
    query: Query,
    term_weights: Mapping[str, float],
    topic_vector: np.ndarray,
    articles: Sequence[Sequence[Passage]],
    vectors: Mapping[int, np.ndarray],
    settings: FollowSettings = DEFAULT_FOLLOW,
) -> list[FollowMatch]:
    """How each article (its passages, in order) stands to the topic, in the order of
    `articles`. An article none of whose passages has a stored vector (replaced
    meanwhile) is left out."""
    out = []
    for passages in articles:
        found = match_article(query, term_weights, topic_vector, passages, vectors, settings)
        if found is not None:
            out.append(found)
    return out


def match_article(
    query: Query,
    term_weights: Mapping[str, float],
    topic_vector: np.ndarray,
    passages: Sequence[Passage],
    vectors: Mapping[int, np.ndarray],
    settings: FollowSettings = DEFAULT_FOLLOW,
) -> FollowMatch | None:
    """How one article (all its passages, in order) stands to the topic; None when none
    of its passages has a vector."""
    ordered = sorted(passages, key=lambda p: p.position)
    scored = [p for p in ordered if p.id in vectors]
    if not scored:
        return None
    passage_scores = [
        float(np.dot(vectors[p.id], topic_vector))
        + settings.passage_coverage_weight * coverage(query, p.text, term_weights)
        for p in scored
    ]
    lead = ordered[0]
    whole = "\n".join([lead.title, *(p.text for p in ordered)])
    value = (
        max(passage_scores)
        + settings.article_coverage_weight * coverage(query, whole, term_weights)
        + settings.headline_weight * coverage(query, headline(lead), term_weights)
    )
    return FollowMatch(
        article_id=lead.article_id,
        score=value,
        matched=value >= settings.min_score and not is_roundup(lead.title),
        sentence=best_sentence(query, term_weights, scored, passage_scores),
    )


def best_sentence(
    query: Query,
    term_weights: Mapping[str, float],
    passages: Sequence[Passage],
    passage_scores: Sequence[float],
) -> str:
    """The sentence that carries most of the topic's words (by rarity); on a tie the one
    in the passage closest to the topic, then the earliest. '' when no sentence carries
    any of them."""
    best, best_key = "", (0.0, 0.0)
    for passage, passage_score in zip(passages, passage_scores, strict=True):
        for sentence in split_sentences(passage.text):
            key = (coverage(query, sentence, term_weights), passage_score)
            if key[0] > 0.0 and key > best_key:
                best, best_key = sentence.strip(), key
    return best
