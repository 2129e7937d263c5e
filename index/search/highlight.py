"""The answer sentence: which sentence of the shown passage to bold.

Lexical and cheap on purpose (well under a millisecond a passage): embedding every
sentence of the shown passage cost more than the rest of answering. Every signal means
the same on any week's news: how much of the question the sentence covers (rare words
counting more), whether it holds the kind of thing asked (a number for "how many", a
date for "when", a name for "who"), and whether the sentence before it is the one that
repeats the question (news often names the subject in one sentence and gives the
figure in the next).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.search.confidence import coverage
from index.search.query import Query
from index.text.sentences import sentence_spans
from index.text.words import question_tokens

NUMBER, DATE, PERSON, PLACE, NAME = "number", "date", "person", "place", "name"

_MONTHS = (
    r"jan(?:uary|\.)?|feb(?:ruary|\.)?|march|april|may|june|july|aug(?:ust|\.)?|"
    r"sept?(?:ember|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?"
)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_AUX = r"(?:is|was|are|were|will|would|did|does|do|has|have|had|can|could|should|may|might)"
_QUANTITIES = (
    r"percentage|percent|proportion|share|number|amount|price|sum|age|fraction|total|"
    r"figure|rate|temperature|score|cost|magnitude|size|salary|fee|fine|value|toll|speed"
)
_PLACES = (
    r"country|countries|city|cities|state|states|nation|continent|region|town|island|"
    r"capital|county|province|port|place|territory|location|area|village|border"
)

# What a question asks for, from its wording; the first pattern that matches decides.
# A reason, a quote or a yes-or-no asks for no kind (None): coverage alone decides.
_ASKS = (
    (
        NUMBER,
        r"\bhow (?:many|much|old|long|far|big|large|tall|high|fast|often|deep|heavy)\b|"
        rf"\b(?:what|which)\b(?:\s+\w+){{0,4}}?\s+(?:{_QUANTITIES})\b|\bby how much\b",
    ),
    (DATE, r"\bwhen\b|\b(?:what|which|by what) (?:year|date|day|month|time|decade|century)\b"),
    (PLACE, rf"\bwhere\b|\b(?:what|which)\b(?:\s+\w+){{0,2}}?\s+(?:{_PLACES})\b"),
    (PERSON, r"\bwho(?:m|se)?\b|\b(?:this|which|what) (?:person|man|woman|politician)\b"),
    (None, r"\bwhy\b|\bhow\b|\bwhat (?:happened|caused)\b"),
    (NAME, rf"\b(?:which|what)\s+(?!{_AUX}\b)\w+|^(?:this|these)\s+\w+|\bname\b"),
)
_ASK_PATTERNS = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _ASKS)

_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = re.compile(
    r"\b(?:dozens?|hundreds?|thousands?|millions?|billions?|trillions?|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|half|twice|double)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    rf"\b(?:{_MONTHS})(?=\W|$)|\b(?:{_DAYS})\b|\b(?:1[89]|20)\d\d\b|"
    r"\b(?:yesterday|today|tomorrow|tonight|last (?:week|month|year|night)|"
    r"next (?:week|month|year)|earlier this \w+)\b|\b\d{1,2}(?::\d\d)?\s?[ap]\.?m\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
# Capitalised words that open clauses or name days, not things a question asks about.
_NOT_NAMES = frozenset(
    """the a an and but or if in on at of for to by with from as this that these those it
    he she they we i his her their its our my you your there here when where what which who
    why how after before while since during until mr mrs ms dr""".split()
)
_PLACE_BEFORE = re.compile(r"\b(?:in|at|from|to|near|across|into|outside|inside|of)\s+$")


@dataclass(frozen=True)
class HighlightWeights:
    """How much each signal counts toward a sentence's score (coverage counts 1).

    Fitted by `benchmarks/highlight.py --fit` on the early halves of rtqa-gold
    (June-July 2022) and rtqa-evidence (2020-2021) only; plain coverage is all zeros.
    """

    kind: float = 0.1  # holds the number, date, person or place asked for
    name: float = 0.1  # holds a proper name the question lacks, for "which ..." questions
    neighbour: float = 0.2  # x coverage of the sentence before, when that one lacks the kind
    rare: float = 0.25  # share of the question's two rarest words the sentence holds
    position: float = 0.1  # per sentence from the first (news puts the fact early)


# The grid point of benchmarks/highlight.py --fit with the most bold sentences holding
# the evidence on the early halves (80 of the 98 passages there whose sentences differ,
# against 73 by coverage alone); on the unseen late halves 51 of 73 against 48, and on
# the seed page 7 of 7 against 6. Many grid points tie at 80: the first (smallest) is kept.
DEFAULT_WEIGHTS = HighlightWeights()


def asked_kind(question: str) -> str | None:
    """What the question asks for: NUMBER, DATE, PLACE, PERSON, NAME (a proper name),
    or None (a reason, a quote, a yes or no)."""
    for kind, pattern in _ASK_PATTERNS:
        if pattern.search(question):
            return kind
    return None


def _names(sentence: str, question_words: set[str]) -> list[int]:
    """Offsets of the capitalised words of `sentence` the question does not hold. The
    sentence's first word counts only when it looks like a name anyway (a capital inside
    it, or a capitalised word after it): "Then" opens sentences, "JetBlue Airways" names."""
    words = list(_WORD.finditer(sentence))
    out = []
    for n, match in enumerate(words):
        word = match.group(0)
        if not word[0].isupper() or word.lower() in _NOT_NAMES or _DATE.fullmatch(word):
            continue
        if any(part in question_words for part in re.split(r"['’.-]", word.lower())):
            continue
        if n == 0 and not (
            any(c.isupper() for c in word[1:])
            or (len(words) > 1 and words[1].group(0)[0].isupper())
        ):
            continue
        out.append(match.start())
    return out


def name_words(sentence: str) -> list[str]:
    """The capitalised words of `sentence` that name something, as the answer sentence
    finds them (not "The", not "Monday"; the first word only when it looks like a name)."""
    starts = set(_names(sentence, set()))
    return [m.group(0) for m in _WORD.finditer(sentence) if m.start() in starts]


def holds_kind(kind: str | None, sentence: str, question_words: set[str]) -> bool:
    """Whether `sentence` holds what a question of `kind` asks for, new to the question
    (the year a question names is no answer to it)."""
    if kind is None:
        return False
    if kind == NUMBER:
        return any(
            not set(re.findall(r"\d+", m.group(0))) <= question_words
            for m in _DIGITS.finditer(sentence)
        ) or any(m.group(0).lower() not in question_words for m in _NUMBER_WORDS.finditer(sentence))
    if kind == DATE:
        return any(m.group(0).lower() not in question_words for m in _DATE.finditer(sentence))
    names = _names(sentence, question_words)
    if kind == PLACE:
        return any(_PLACE_BEFORE.search(sentence[max(0, at - 40) : at]) for at in names)
    return bool(names)


def _rare_terms(query: Query, weights: Mapping[str, float] | None, count: int = 2) -> Query:
    """The question reduced to its `count` rarest words (all of it without weights)."""
    if not weights or len(query.terms) <= count:
        return query
    rare = sorted(query.terms, key=lambda t: (-weights.get(t, 1.0), query.terms.index(t)))
    return Query(text=query.text, terms=tuple(rare[:count]), time_sensitive=False)


@dataclass(frozen=True)
class SentenceSignals:
    """What the chooser knows of one sentence, before any weight (for fitting them)."""

    covered: float  # IDF-weighted share of the question's words in the sentence
    rare: float  # the same over the question's two rarest words
    has_kind: bool  # holds what the question asks for, new to the question
    name_only: bool  # ... and that is only "a proper name" (a "which ..." question)
    before: float  # coverage of the sentence before, when that one lacks the kind; else 0


def sentence_signals(
    query: Query, sentences: Sequence[str], weights: Mapping[str, float] | None = None
) -> list[SentenceSignals]:
    """The signals of every sentence of a passage for `query`."""
    kind = asked_kind(query.text)
    question_words = set(question_tokens(query.text))
    covered = [coverage(query, s, weights) for s in sentences]
    has_kind = [holds_kind(kind, s, question_words) for s in sentences]
    rare = _rare_terms(query, weights)
    return [
        SentenceSignals(
            covered=covered[i],
            rare=coverage(rare, sentence, weights),
            has_kind=has_kind[i],
            name_only=kind == NAME,
            before=covered[i - 1] if i and not has_kind[i - 1] else 0.0,
        )
        for i, sentence in enumerate(sentences)
    ]


def sentence_scores(
    signals: Sequence[SentenceSignals], fit: HighlightWeights = DEFAULT_WEIGHTS
) -> list[float]:
    """The score of each sentence as the answer (higher is better)."""
    scores = []
    for i, s in enumerate(signals):
        score = s.covered + fit.rare * s.rare - fit.position * i
        if s.has_kind:
            score += fit.name if s.name_only else fit.kind
            # The subject named in one sentence, the figure in the next: "An anonymous
            # bidder won the auction. The winning bid was $19 million."
            score += fit.neighbour * s.before
        scores.append(score)
    return scores


def best_sentence(
    query: Query,
    text: str,
    weights: Mapping[str, float] | None = None,
    fit: HighlightWeights = DEFAULT_WEIGHTS,
) -> tuple[int, int] | None:
    """The span of the sentence of `text` that answers `query` (the first on ties), or
    None when `text` has no sentence."""
    spans = sentence_spans(text)
    if not spans:
        return None
    scores = sentence_scores(sentence_signals(query, [text[s:e] for s, e in spans], weights), fit)
    return spans[top(scores)]


def top(scores: Sequence[float]) -> int:
    """The index of the highest score, the first of equal ones (the earlier sentence)."""
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def most_covered(
    query: Query, text: str, weights: Mapping[str, float] | None = None
) -> tuple[int, int] | None:
    """The sentence covering most of the question's words (the first on ties): the
    chooser before answer types, kept to measure against."""
    spans = sentence_spans(text)
    if not spans:
        return None
    scores = [coverage(query, text[s:e], weights) for s, e in spans]
    return spans[max(range(len(spans)), key=lambda i: (scores[i], -i))]
