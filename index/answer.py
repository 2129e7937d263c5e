"""Choosing what to show: the answer sentence inside a passage and whether to abstain."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.embedders import Embedder
from index.query import Query, content_terms
from index.records import Hit
from index.sentences import sentence_spans


@dataclass(frozen=True)
class Confidence:
    """A logistic model over answer signals; answers are shown at or above `threshold`.

    Coefficients are fitted on the dev sets by benchmarks/calibrate.py.
    """

    bias: float = -9.0
    dense: float = 9.0  # cosine of question and passage
    sentence: float = 6.0  # cosine of question and the passage's best sentence
    coverage: float = 3.0  # share of the question's content words in the passage
    threshold: float = 0.5

    def probability(self, signals: Signals) -> float:
        z = (
            self.bias
            + self.dense * signals.dense
            + self.sentence * signals.sentence
            + self.coverage * signals.coverage
        )
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Signals:
    """What the confidence model looks at for the top hit."""

    dense: float
    sentence: float
    coverage: float


def coverage(query: Query, text: str) -> float:
    """Share of the question's content words that occur in `text` (prefix match for stems)."""
    if not query.terms:
        return 0.0
    words = set(content_terms(text))
    found = 0
    for term in query.terms:
        stem = term[:5] if len(term) > 5 else term
        if term in words or any(w.startswith(stem) for w in words if len(stem) >= 4):
            found += 1
    return found / len(query.terms)


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
