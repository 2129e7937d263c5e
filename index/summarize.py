"""Extractive multi-document summaries: whole sentences chosen to cover the shared story.

The selection is concept coverage in the manner of Gillick & Favre (2009):
concepts are stemmed word bigrams, weighted by how many documents use them
(and how early), and an integer program picks the sentences that cover the most
concept weight within the word budget. Near-duplicate sentences may not both be
chosen. Nothing here touches storage: callers pass texts and get sentences back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.sentences import split_sentences
from index.summary_select import select
from index.summary_text import (
    bigrams,
    clean_sentence,
    content_terms,
    is_dangling,
    is_usable,
    raw_words,
    stem,
)

Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class SummaryDoc:
    """One document to summarize. `text` is a string (paragraphs split on blank lines)
    or a sequence of paragraphs; `weight` scales its say in what matters (e.g. relevance)."""

    key: int | str
    text: str | tuple[str, ...]
    title: str = ""
    source: str = ""
    url: str = ""
    published: str = ""  # YYYY-MM-DD or ""
    weight: float = 1.0

    def paragraphs(self) -> list[str]:
        """The document's paragraphs, in order."""
        if isinstance(self.text, str):
            return [p for p in re.split(r"\n\s*\n", self.text) if p.strip()]
        return [p for p in self.text if p.strip()]


@dataclass(frozen=True)
class SummarySentence:
    """One sentence of a summary, exactly as in its document but for whitespace and quotes."""

    text: str
    doc_key: int | str
    position: int  # index of the sentence in its document, from 0
    paragraph: int  # index of its paragraph in the document, from 0

    @property
    def words(self) -> int:
        """Length in whitespace-separated words."""
        return len(self.text.split())


@dataclass(frozen=True)
class SummaryOptions:
    """Settings of the selection. Defaults were fixed on the first 12 DUC 2004 dev clusters."""

    min_words: int = 8  # shorter sentences are dropped
    max_sentence_words: int = 50  # longer ones crowd out everything else
    min_df_share: float = 0.3  # a concept must appear in this share of the documents (>= 2)
    position_weight: float = 0.0  # extra concept weight for appearing early in a document
    lead_bonus: float = 0.0  # sentence bonus for being a document's first sentences
    dangling_penalty: float = 0.0  # sentence malus for opening with "He", "But", "This"...
    duplicate_cosine: float = 0.5  # two sentences this similar in content words never both
    query_boost: float = 2.0  # concept weight multiplier for concepts holding a query term
    embedding_weight: float = 0.0  # sentence bonus for closeness to the centroid (if embedded)
    time_limit: float = 0.5  # seconds for the integer program before taking its best so far


DEFAULT_OPTIONS = SummaryOptions()


@dataclass
class _Candidate:
    doc: int
    paragraph: int
    position: int
    text: str
    words: int
    concepts: set = field(default_factory=set)
    content: set = field(default_factory=set)


def summarize(
    docs: Sequence[SummaryDoc],
    *,
    max_words: int = 110,
    query: str | None = None,
    embeddings: Embedder | None = None,
    options: SummaryOptions = DEFAULT_OPTIONS,
) -> list[SummarySentence]:
    """Return whole sentences, at most `max_words` words in all, that summarize `docs`.

    Sentences come in reading order (document date, document order, position);
    no two say the same thing; questions, fragments and page furniture are never
    chosen. The list is empty, or has a single sentence, when the documents hold
    too little usable text: the caller should then say so rather than show it.
    `query`, when given, steers the choice toward sentences about it.
    `embeddings` (texts -> unit vectors) adds closeness to the documents' centroid.
    """
    candidates, concept_docs = _read(docs, options)
    candidates = [c for c in candidates if c.words <= min(max_words, options.max_sentence_words)]
    if not candidates:
        return []
    weights = _concept_weights(candidates, concept_docs, docs, options, query)
    bonus = _sentence_bonus(candidates, weights, options, query, embeddings)
    duplicates = _duplicate_pairs(candidates, options.duplicate_cosine)
    chosen = select(
        [c.concepts for c in candidates],
        [c.words for c in candidates],
        weights,
        bonus,
        duplicates,
        max_words,
        options.time_limit,
    )
    chosen.sort(key=lambda i: _reading_order(candidates[i], docs))
    return [
        SummarySentence(c.text, docs[c.doc].key, c.position, c.paragraph)
        for c in (candidates[i] for i in chosen)
    ]


def _read(
    docs: Sequence[SummaryDoc], options: SummaryOptions
) -> tuple[list[_Candidate], dict[tuple[str, str], dict[int, int]]]:
    """Usable candidate sentences, and for each concept the first position in each doc."""
    candidates: list[_Candidate] = []
    concept_docs: dict[tuple[str, str], dict[int, int]] = {}
    seen: set[str] = set()
    for d, doc in enumerate(docs):
        position = 0
        for p, paragraph in enumerate(doc.paragraphs()):
            for raw in split_sentences(paragraph):
                text = clean_sentence(raw)
                words = raw_words(text)
                tokens = [stem(w) for w in words]
                concepts = bigrams(tokens, words)
                for concept in concepts:
                    concept_docs.setdefault(concept, {}).setdefault(d, position)
                key = " ".join(tokens)
                if is_usable(text, options.min_words) and key not in seen:
                    seen.add(key)
                    candidates.append(
                        _Candidate(d, p, position, text, len(text.split()), concepts,
                                   content_terms(text))
                    )
                position += 1
    return candidates, concept_docs


def _concept_weights(
    candidates: list[_Candidate],
    concept_docs: dict[tuple[str, str], dict[int, int]],
    docs: Sequence[SummaryDoc],
    options: SummaryOptions,
    query: str | None,
) -> dict[tuple[str, str], float]:
    """Weight of every concept that some candidate holds and enough documents share."""
    used = set().union(*(c.concepts for c in candidates))
    n_docs = len({c.doc for c in candidates})
    if n_docs >= 3:
        min_df = max(2, math.ceil(options.min_df_share * n_docs))
        score = {
            concept: sum(
                docs[d].weight * (1 + options.position_weight / (1 + first))
                for d, first in concept_docs[concept].items()
            )
            for concept in used
            if len(concept_docs[concept]) >= min_df
        }
    else:  # one or two documents: count sentences instead of documents
        counts: dict[tuple[str, str], int] = {}
        for candidate in candidates:
            for concept in candidate.concepts:
                counts[concept] = counts.get(concept, 0) + 1
        floor = 2 if any(n >= 2 for n in counts.values()) else 1
        score = {concept: float(n) for concept, n in counts.items() if n >= floor}
    if query:
        wanted = content_terms(query)
        score = {
            concept: w * (1 + options.query_boost) if wanted.intersection(concept) else w
            for concept, w in score.items()
        }
    return score


def _sentence_bonus(
    candidates: list[_Candidate],
    weights: dict[tuple[str, str], float],
    options: SummaryOptions,
    query: str | None,
    embeddings: Embedder | None,
) -> list[float]:
    """Per-sentence additions to the objective, in units of the mean concept weight."""
    unit = float(np.mean(list(weights.values()))) if weights else 1.0
    bonus = np.zeros(len(candidates))
    for i, candidate in enumerate(candidates):
        bonus[i] += options.lead_bonus / (1 + candidate.position)
        if options.dangling_penalty and is_dangling(candidate.text):
            bonus[i] -= options.dangling_penalty
    if query:
        wanted = content_terms(query)
        if wanted:
            for i, candidate in enumerate(candidates):
                bonus[i] += options.query_boost * len(wanted & candidate.content) / len(wanted)
    if embeddings is not None and options.embedding_weight:
        vectors = np.asarray(embeddings([c.text for c in candidates]), dtype=np.float32)
        centroid = vectors.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        bonus += options.embedding_weight * (vectors @ centroid)
    return [float(b) * unit for b in bonus]


def _duplicate_pairs(candidates: list[_Candidate], threshold: float) -> list[tuple[int, int]]:
    """Pairs of candidates whose content words overlap at cosine >= `threshold`."""
    pairs = []
    for i in range(len(candidates)):
        a = candidates[i].content
        if not a:
            continue
        for j in range(i + 1, len(candidates)):
            b = candidates[j].content
            if b and len(a & b) >= threshold * math.sqrt(len(a) * len(b)):
                pairs.append((i, j))
    return pairs


def _reading_order(candidate: _Candidate, docs: Sequence[SummaryDoc]) -> tuple[str, int, int]:
    return (docs[candidate.doc].published, candidate.doc, candidate.position)
