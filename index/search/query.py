"""Reading a question: clipped once, its search terms, its time words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text.unicode import replace_surrogates
from index.text.words import question_terms

# The one limit on a question (and a summary topic), for the CLI and the bot alike:
# no real question is that long, and a longer one only costs embedding time.
MAX_QUESTION_CHARS = 1000
MAX_TERMS = 40

_TIME_WORDS = re.compile(
    r"\b(today|tonight|yesterday|this (?:week|weekend|month|year|morning|evening)|"
    r"last (?:week|weekend|night)|latest|recent(?:ly)?|currently|current|right now|so far|"
    r"newest|breaking|new)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Query:
    """A question ready to search: its clipped text, its meaningful terms, whether it
    asks about "now"."""

    text: str
    terms: tuple[str, ...]
    time_sensitive: bool


def clip_question(question: str) -> str:
    """The question with whitespace collapsed, cut to MAX_QUESTION_CHARS characters, lone
    surrogates (from an undecodable command line, say) replaced by U+FFFD: no tokenizer
    takes them."""
    return replace_surrogates(" ".join(question.split())[:MAX_QUESTION_CHARS])


def parse_query(question: str) -> Query:
    """Clip, normalise and analyse a question."""
    text = clip_question(question)
    terms = tuple(question_terms(text)[:MAX_TERMS])
    return Query(text=text, terms=terms, time_sensitive=bool(_TIME_WORDS.search(text)))
