"""Extractive multi-document summaries: whole sentences chosen to cover the shared story.

Concept coverage in the manner of Gillick & Favre (2009): concepts are stemmed
word bigrams (and, at a lower weight, content words) that enough documents
share; a concept's weight is the number of documents using it, each counting
more when it uses the concept early. A sentence repeated word for word in
another wire copy is no new evidence, nor a new candidate. Sentences are then
chosen greedily by new concept weight per word until the word budget is spent,
near-duplicates never both (see `index.summaries.select`); a document's opening
sentence, which in news states the story, gains `lead_boost` more. Nothing
here touches storage: callers pass texts and get sentences back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.summaries.select import select
from index.summaries.text import (
    bigrams,
    clean_sentence,
    drop_weekdays,
    is_dangling,
    is_usable,
    normalize_quotes,
)
from index.text.sentences import split_sentences
from index.text.words import STOPWORDS, content_stems, stem
from index.text.words import words as word_tokens

TextVectors = Callable[[Sequence[str]], np.ndarray]  # texts -> unit vectors
Concept = tuple[str, ...]


@dataclass(frozen=True)
class SummaryDoc:
    """One document to summarize.

    `text` is a string (paragraphs split on blank lines) or a sequence of
    paragraphs (e.g. stored passages, in order); `weight` scales the document's
    say in what matters (e.g. its relevance to a query). `has_lead` is False when
    the text starts after the document's opening (only some of its passages).
    """

    key: int | str
    text: str | tuple[str, ...]
    title: str = ""
    source: str = ""
    url: str = ""
    published: str = ""  # YYYY-MM-DD or ""
    weight: float = 1.0
    has_lead: bool = True

    def paragraphs(self) -> list[str]:
        """The document's non-empty paragraphs, in order."""
        parts = re.split(r"\n\s*\n", self.text) if isinstance(self.text, str) else self.text
        return [p for p in parts if p.strip()]


@dataclass(frozen=True)
class SummarySentence:
    """One sentence of a summary: its document's text with whitespace and quotes tidied
    (and, with `drop_weekdays`, in a summary of several documents, weekdays dropped)."""

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
    """Settings of the selection, fixed on the first 12 DUC 2004 dev clusters only."""

    min_words: int = 8  # shorter sentences are never chosen
    max_sentence_words: int = 50  # longer ones crowd out everything else
    min_df_share: float = 0.3  # with 3+ documents, a concept must be in this share (and >= 2)
    position_weight: float = 1.0  # a document using a concept in sentence p adds 1 + this/(1+p)
    unigram_weight: float = 0.3  # content words are concepts too, at this share of a bigram
    dangling_penalty: float = 1.0  # malus for opening with "He", "But", "This"... (mean weights)
    duplicate_cosine: float = 0.5  # two sentences this similar in content words: never both
    query_boost: float = 2.0  # concepts with a query term weigh (1 + this) times more
    embedding_weight: float = 0.0  # bonus for closeness to the centroid; measured: no gain
    lead_boost: float = 0.5  # a document's opening sentence gains (1 + this) times as much
    # For a topic, each sentence already taken from a document scales that document's
    # next ones by this: a summary of a topic should cite several outlets, not retell one.
    topic_repeat_factor: float = 0.7
    # With several documents, drop "on Friday" (see drop_weekdays). Measured on the tune half:
    # +0.2 / +0.2 before wire copies counted once, -0.2 / +0.05 after; so off.
    drop_weekdays: bool = False
    # With a query, a sentence names the topic or is among its document's first this
    # many: the opening of an article about the topic is about it, a later sentence
    # without its words is often about something else (background, another story).
    topic_lead_sentences: int = 3


DEFAULT_OPTIONS = SummaryOptions()


@dataclass(frozen=True)
class _Candidate:
    doc: int
    paragraph: int
    position: int
    text: str
    words: int
    concepts: frozenset[Concept]
    content: frozenset[str]


@dataclass
class _ConceptStats:
    first: dict[int, int]  # document index -> position of its first sentence using the concept
    sentences: int = 0  # sentences using it, over all documents
    early: float = 0.0  # sum over those sentences of 1 / (1 + position)


def summarize(
    docs: Sequence[SummaryDoc],
    *,
    max_words: int = 110,
    query: str | None = None,
    embeddings: TextVectors | None = None,
    options: SummaryOptions = DEFAULT_OPTIONS,
) -> list[SummarySentence]:
    """Return whole sentences, at most `max_words` words in all, that summarize `docs`.

    Sentences come in reading order: document date, then position in the
    document (leads first), then document order. No two say the same thing;
    questions, fragments and page furniture are never chosen. The list is
    empty, or holds a single sentence, when the documents hold too little
    usable text: the caller should then say so rather than show it.
    `query` steers the choice toward sentences about it.
    `embeddings` (texts -> unit vectors) adds closeness to the centroid of all
    candidate sentences, at `options.embedding_weight`.
    Runs in well under a second for ten news articles.
    """
    candidates, stats = _read(docs, options)
    candidates = [c for c in candidates if c.words <= min(max_words, options.max_sentence_words)]
    if query and (wanted := content_stems(query)):
        candidates = [
            c
            for c in candidates
            if wanted & c.content
            or (docs[c.doc].has_lead and c.position < options.topic_lead_sentences)
        ]
    if not candidates:
        return []
    weights = _concept_weights(candidates, stats, docs, options, query)
    bonus = _sentence_bonus(candidates, weights, options, query, embeddings)
    chosen = select(
        [c.concepts for c in candidates],
        [c.words for c in candidates],
        weights,
        bonus,
        _duplicate_test(candidates, options.duplicate_cosine),
        max_words,
        [
            1 + options.lead_boost if c.position == 0 and docs[c.doc].has_lead else 1.0
            for c in candidates
        ],
        groups=[c.doc for c in candidates],
        repeat_factor=options.topic_repeat_factor if query else 1.0,
    )
    chosen.sort(key=lambda i: _reading_order(candidates[i], docs))
    return [
        SummarySentence(c.text, docs[c.doc].key, c.position, c.paragraph)
        for c in (candidates[i] for i in chosen)
    ]


def _read(
    docs: Sequence[SummaryDoc], options: SummaryOptions
) -> tuple[list[_Candidate], dict[Concept, _ConceptStats]]:
    """Usable candidate sentences, and where every concept occurs (over all sentences)."""
    candidates: list[_Candidate] = []
    stats: dict[Concept, _ConceptStats] = {}
    seen: set[str] = set()
    weekdays = options.drop_weekdays and len(docs) > 1
    for d, doc in enumerate(docs):
        position = 0
        for p, paragraph in enumerate(doc.paragraphs()):
            for raw in split_sentences(normalize_quotes(paragraph)):
                text = clean_sentence(raw)
                if weekdays:
                    text = drop_weekdays(text)
                words = word_tokens(text)
                tokens = [stem(w) for w in words]
                concepts: set[Concept] = set(bigrams(tokens, words))
                if options.unigram_weight:
                    concepts |= {
                        (t,) for t, w in zip(tokens, words, strict=True) if w not in STOPWORDS
                    }
                # The same sentence in two wire copies (or twice in one page) counts once:
                # as evidence of what the story is about, and as a candidate.
                key = " ".join(tokens)
                if key in seen:
                    position += 1
                    continue
                seen.add(key)
                for concept in concepts:
                    entry = stats.setdefault(concept, _ConceptStats({}))
                    entry.first.setdefault(d, position)
                    entry.sentences += 1
                    entry.early += 1 / (1 + position)
                if is_usable(text, options.min_words):
                    candidates.append(
                        _Candidate(
                            d,
                            p,
                            position,
                            text,
                            len(text.split()),
                            frozenset(concepts),
                            frozenset(content_stems(text)),
                        )
                    )
                position += 1
    return candidates, stats


def _concept_weights(
    candidates: list[_Candidate],
    stats: dict[Concept, _ConceptStats],
    docs: Sequence[SummaryDoc],
    options: SummaryOptions,
    query: str | None,
) -> dict[Concept, float]:
    """Weight of every concept that some candidate holds and that is shared enough."""
    used = set().union(*(c.concepts for c in candidates))
    n_docs = len({c.doc for c in candidates})
    score: dict[Concept, float] = {}
    if n_docs >= 3:
        min_df = max(2, math.ceil(options.min_df_share * n_docs))
        for concept in used:
            first = stats[concept].first
            if len(first) >= min_df:
                score[concept] = sum(
                    docs[d].weight * (1 + options.position_weight / (1 + p))
                    for d, p in first.items()
                )
    else:  # one or two documents: sentences, not documents, show what recurs
        floor = 2 if any(stats[c].sentences >= 2 for c in used) else 1
        for concept in used:
            entry = stats[concept]
            if entry.sentences >= floor:
                score[concept] = entry.sentences + options.position_weight * entry.early
    for concept in score:
        if len(concept) == 1:
            score[concept] *= options.unigram_weight
    if query and (wanted := content_stems(query)):
        on_topic = [c.concepts for c in candidates if wanted & c.content]
        if on_topic:  # only what sentences about the query say counts
            allowed = set().union(*on_topic)
            score = {c: w for c, w in score.items() if c in allowed}
        for concept in score:
            if wanted.intersection(concept):
                score[concept] *= 1 + options.query_boost
    return score


def _sentence_bonus(
    candidates: list[_Candidate],
    weights: dict[Concept, float],
    options: SummaryOptions,
    query: str | None,
    embeddings: TextVectors | None,
) -> list[float]:
    """Per-sentence additions to the objective, in units of the mean concept weight."""
    bonus = np.zeros(len(candidates))
    for i, candidate in enumerate(candidates):
        if is_dangling(candidate.text):
            bonus[i] -= options.dangling_penalty
    if query and (wanted := content_stems(query)):
        for i, candidate in enumerate(candidates):
            bonus[i] += options.query_boost * len(wanted & candidate.content) / len(wanted)
    if embeddings is not None and options.embedding_weight:
        vectors = np.asarray(embeddings([c.text for c in candidates]), dtype=np.float32)
        centroid = vectors.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        bonus += options.embedding_weight * (vectors @ centroid)
    unit = float(np.mean(list(weights.values()))) if weights else 1.0
    return [float(b) * unit for b in bonus]


def _duplicate_test(candidates: list[_Candidate], threshold: float) -> Callable[[int, int], bool]:
    """Whether two candidates' content words overlap at cosine >= `threshold`."""

    def duplicate(i: int, j: int) -> bool:
        a, b = candidates[i].content, candidates[j].content
        return bool(a and b) and len(a & b) >= threshold * math.sqrt(len(a) * len(b))

    return duplicate


def _reading_order(candidate: _Candidate, docs: Sequence[SummaryDoc]) -> tuple[str, int, int]:
    # Leads first: with undated or same-day documents, each one's opening
    # sentences state the news, later ones the background.
    return (docs[candidate.doc].published, candidate.position, candidate.doc)
