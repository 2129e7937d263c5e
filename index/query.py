"""Reading a question: its search terms, its FTS5 expression, its time words."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUESTION_CHARS = 2000  # longer questions are cut: no real question is that long
MAX_TERMS = 40

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't could did didn't do does doesn't doing
    don't down during each few for from further had has have having he her here hers herself
    him himself his how i if in into is isn't it it's its itself just let's me more most my
    myself no nor not now of off on once only or other ought our ours ourselves out over own
    same she should so some such than that that's the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t said says say
    tell told according news latest recent recently today tonight yesterday week month year
    new also did does know happened happen going get got one two""".split()
)
_TIME_WORDS = re.compile(
    r"\b(today|tonight|yesterday|this (?:week|weekend|month|year|morning|evening)|"
    r"last (?:week|weekend|night)|latest|recent(?:ly)?|currently|current|right now|so far|"
    r"newest|breaking|new)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Query:
    """A question ready to search."""

    text: str
    terms: tuple[str, ...]
    match: str
    time_sensitive: bool


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, possessive "'s" dropped."""
    return [t.removesuffix("'s") for t in _TOKEN.findall(text.lower().replace("’", "'"))]


def content_terms(text: str) -> list[str]:
    """The question's words that carry meaning, in order, without repeats."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        if token not in STOPWORDS and (len(token) > 1 or token.isdigit()):
            seen.setdefault(token, None)
    return list(seen)


def fts_phrase(term: str) -> str:
    """`term` as an FTS5 phrase: its syntax characters are then just text ("" when empty)."""
    bare = term.replace('"', "")
    return f'"{bare}"' if bare else ""


def parse_query(question: str) -> Query:
    """Clip, normalise and analyse a question."""
    text = " ".join(question.split())[:MAX_QUESTION_CHARS]
    terms = tuple(content_terms(text)[:MAX_TERMS])
    match = " OR ".join(phrase for phrase in map(fts_phrase, terms) if phrase)
    return Query(text=text, terms=terms, match=match, time_sensitive=bool(_TIME_WORDS.search(text)))
