"""Answering a question: the top passage, the sentence in it that answers, and whether
the news covers the question at all."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from index.records import Answer
from index.search.confidence import Confidence, Signals, coverage
from index.search.query import Query
from index.search.retrieve import Retriever, collapse_duplicates
from index.text.sentences import sentence_spans

ANSWER_HITS = 10  # hits kept with an answer (for evaluation and "also reported by")


def answer_question(
    retriever: Retriever, confidence: Confidence, query: Query, now: date
) -> tuple[Answer, Signals | None]:
    """The answer to `query` and the signals its confidence came from (None when nothing
    was found)."""
    vector = retriever.query_vector(query.text)
    hits = retriever.search(query, k=ANSWER_HITS, now=now, vector=vector)
    hits = collapse_duplicates(hits)[:ANSWER_HITS]
    if not hits:
        return Answer(question=query.text, abstained=True, confidence=0.0, hit=None), None
    top = hits[0]
    weights = retriever.term_weights(query)
    article = retriever.article_text(top.passage.article_id)
    signals = Signals(
        dense=top.dense,
        coverage=coverage(query, f"{top.passage.title}\n{top.passage.text}", weights),
        article_coverage=coverage(query, article, weights),
    )
    probability = confidence.probability(signals)
    answer = Answer(
        question=query.text,
        abstained=probability < confidence.threshold,
        confidence=probability,
        hit=top,
        highlight=best_sentence(query, top.passage.text, weights),
        hits=tuple(hits),
    )
    return answer, signals


def best_sentence(
    query: Query, text: str, weights: Mapping[str, float] | None = None
) -> tuple[int, int] | None:
    """The span of the sentence of `text` that covers most of the question (the first on ties).

    Lexical on purpose: embedding every sentence of the shown passage cost more
    than the rest of answering, and did not help the confidence model.
    """
    spans = sentence_spans(text)
    if not spans:
        return None
    scores = [coverage(query, text[start:end], weights) for start, end in spans]
    return spans[max(range(len(spans)), key=lambda i: (scores[i], -i))]
