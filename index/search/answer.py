"""Answering a question: the top passage, the sentence in it that answers, and whether
the news covers the question at all."""

from __future__ import annotations

from datetime import date

from index.records import Answer
from index.search.confidence import Confidence, Signals, coverage
from index.search.entities import names_found, question_names
from index.search.highlight import best_sentence
from index.search.query import Query
from index.search.rerank import rerank
from index.search.retrieve import Retriever, collapse_duplicates

ANSWER_HITS = 10  # hits kept with an answer (for evaluation and "also reported by")


def answer_question(
    retriever: Retriever, confidence: Confidence, query: Query, now: date
) -> tuple[Answer, Signals | None]:
    """The answer to `query` and the signals its confidence came from (None when nothing
    was found)."""
    # The question is embedded inside `search`, beside its bm25 reads.
    hits = retriever.search(query, k=ANSWER_HITS, now=now)
    if retriever.settings.rerank is not None:
        # The passage that says it: of the top hits on the topic, the one with a
        # sentence restating the question (index.search.rerank).
        hits = rerank(query, hits, retriever.settings.rerank)
    hits = collapse_duplicates(hits, keep=ANSWER_HITS)
    if not hits:
        return Answer(question=query.text, abstained=True, confidence=0.0, hit=None), None
    top = hits[0]
    weights = retriever.term_weights(query)
    article = retriever.article_text(top.passage.article_id)
    passage = f"{top.passage.title}\n{top.passage.text}"
    signals = Signals(
        dense=top.dense,
        coverage=coverage(query, passage, weights),
        article_coverage=coverage(query, article, weights),
        names=names_found(question_names(query.text), passage),
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
