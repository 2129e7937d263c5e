"""Entity coverage: whether the names, numbers and quoted words of a question occur in a
text at all.

A question about news the index has not read usually names someone or something no
article it finds mentions ("Emma Raducanu", "Kabul"); the cosine and the share of
question words found can still be high, because the topic is familiar. Whether a name
occurs means the same on any week's news, unlike cosines, which drift with the topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.search.highlight import name_words
from index.text.sentences import sentence_spans
from index.text.words import normalized, question_stopword, question_tokens

_QUOTED = re.compile(r"[\"“”]([^\"“”]{2,80})[\"“”]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}")  # "U.S.", "U.K.": a question writes "US"


@dataclass(frozen=True)
class QuestionNames:
    """What a question names: lower-cased tokens of its capitalised words (not at a
    sentence start unless they look like names), its numbers, its quoted phrases."""

    words: tuple[str, ...]
    numbers: tuple[str, ...] = ()
    quoted: tuple[str, ...] = ()  # normalised (index.text.words.normalized)


def question_names(question: str) -> QuestionNames:
    """The names, numbers and quoted phrases of `question`, each once, in order."""
    words: list[str] = []
    for start, end in sentence_spans(question) or [(0, len(question))]:
        for word in name_words(question[start:end]):
            words.extend(t for t in question_tokens(word) if not question_stopword(t))
    quoted = (normalized(m.group(1)) for m in _QUOTED.finditer(question))
    return QuestionNames(
        words=tuple(dict.fromkeys(words)),
        numbers=tuple(dict.fromkeys(m.group(0) for m in _NUMBER.finditer(question))),
        quoted=tuple(dict.fromkeys(q for q in quoted if q)),
    )


def missing_names(names: QuestionNames, text: str, *, numbers: bool = True) -> int:
    """How many of `names` do not occur in `text` (words as whole tokens, any case;
    numbers and quoted phrases as whole normalised phrases)."""
    tokens = set(question_tokens(text))
    tokens.update(m.group(0).replace(".", "").lower() for m in _DOTTED.finditer(text))
    missing = sum(word not in tokens for word in names.words)
    phrases = [*names.quoted, *(normalized(n) for n in names.numbers if numbers)]
    if phrases:
        padded = f" {normalized(text)} "
        missing += sum(f" {phrase} " not in padded for phrase in phrases)
    return missing


def names_found(names: QuestionNames, text: str, allowed_missing: int = 1) -> float:
    """1.0 when at most `allowed_missing` of the question's names are missing from `text`
    (always when it names nothing), else 0.0."""
    return float(missing_names(names, text) <= allowed_missing)
