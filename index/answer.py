"""Choosing what to show: the answer sentence inside a passage and whether to abstain."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from index.embedders import Embedder
from index.query import Query, content_terms
from index.records import Hit
from index.sentences import sentence_spans


@dataclass(frozen=True)
class Signals:
    """What the confidence model looks at for the top hit."""

    dense: float  # cosine of question and passage
    sentence: float  # cosine of question and the passage's best sentence
    coverage: float  # IDF-weighted share of the question's words found in the passage
    article_coverage: float  # the same over the passage's whole article

    def vector(self) -> list[float]:
        return [self.dense, self.sentence, self.coverage, self.article_coverage]


@dataclass(frozen=True)
class Confidence:
    """A logistic model over answer Signals; answers are shown at or above `threshold`.

    Coefficients and threshold are fitted on the dev sets by benchmarks/calibrate.py
    (rtqa-gold questions_mixed: 85 answerable, 200 unanswerable; plus 400 rtqa-evidence
    questions at weight 0.1, so short passages are not all withheld).
    """

    bias: float = -6.66
    dense: float = 3.45
    sentence: float = 5.94
    coverage: float = 2.89
    article_coverage: float = -0.36  # ~0 once short passages are in the fit
    threshold: float = 0.17  # P(the shown passage answers); low: most misses are unanswerable

    def probability(self, signals: Signals) -> float:
        weights = [self.dense, self.sentence, self.coverage, self.article_coverage]
        z = self.bias + sum(w * x for w, x in zip(weights, signals.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def idf_weights(query: Query, passages: int, frequencies: Mapping[str, int]) -> dict[str, float]:
    """Inverse document frequency of each query term: rare words count more."""
    return {
        term: math.log(1.0 + passages / (1.0 + frequencies.get(term, 0))) for term in query.terms
    }


def coverage(query: Query, text: str, weights: Mapping[str, float] | None = None) -> float:
    """Weighted share of the question's content words found in `text`.

    A word counts when it occurs, or shares its first five letters with a word of
    the text (a crude stem: "elections" finds "election"). Unweighted without `weights`.
    """
    if not query.terms:
        return 0.0
    words = set(content_terms(text))
    stems = {w[:5] for w in words if len(w) >= 5}
    total = found = 0.0
    for term in query.terms:
        weight = weights.get(term, 1.0) if weights else 1.0
        total += weight
        if term in words or (len(term) >= 5 and term[:5] in stems):
            found += weight
    return found / total if total else 0.0


def best_sentence(
    query_vector: np.ndarray, hit: Hit, embedder: Embedder
) -> tuple[tuple[int, int] | None, float]:
    """Return the span of the passage sentence closest to the question, and its cosine."""
    spans = sentence_spans(hit.passage.text)
    if not spans:
        return None, 0.0
    if len(spans) == 1:
        return spans[0], hit.dense
    vectors = embedder.encode([hit.passage.text[s:e] for s, e in spans])
    sims = vectors @ query_vector
    best = int(np.argmax(sims))
    return spans[best], float(sims[best])
