"""Words: the one tokenizer, stopword list and stemmer of the engine.

Two tokenizations on purpose, each where it was measured:
- `words` (lower-case ASCII letters and digits) for concepts of summaries and the
  test embedder: DUC newswire is ASCII and its concept weights were fitted on it;
- `question_tokens` (any Unicode letter, "don't" kept whole, possessive "'s"
  dropped) for what a question asks: questions name people and places with accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Function words: alone they say nothing about what a text is about.
FUNCTION_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say told one two s t""".split()
)
# Stopwords of article text (summaries, topic keywords): titles are no evidence of a story.
STOPWORDS = FUNCTION_WORDS | {"mr", "mrs", "ms"}
# Stopwords of a question: contractions (kept whole by `question_tokens`) and the words
# with which people ask about the news ("what's the latest news this week") without
# naming what they ask about. Titles stay: "Mr Starmer" asks about him.
QUESTION_STOPWORDS = FUNCTION_WORDS | frozenset(
    """aren't can't didn't doesn't don't isn't it's let's that's ought according news latest
    recent recently today tonight yesterday week month year new know happened happen going get
    got tell""".split()
)

_WORD = re.compile(r"[a-z0-9]+")
_QUESTION_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-cased ASCII word tokens of `text`, unstemmed."""
    return _WORD.findall(text.lower())


def question_tokens(text: str) -> list[str]:
    """Lower-case Unicode word tokens, possessive "'s" dropped."""
    return [t.removesuffix("'s") for t in _QUESTION_TOKEN.findall(text.lower().replace("’", "'"))]


_CONTRACTED = frozenset(("ll", "re", "ve", "d", "m"))


def question_stopword(token: str) -> bool:
    """Whether a `question_tokens` token says nothing about what is asked: a stopword,
    or a contraction of function words ("won't", "we're", "who've", "i'm").

    Such a token is also a phrase of two tokens to FTS5 ("won t"), and "t" or "re" is in
    a large share of all passages: at 1M passages a question holding "won't" was scored
    by FTS5 itself, 100-170 ms against ~20.
    """
    if token in QUESTION_STOPWORDS:
        return True
    head, apostrophe, tail = token.partition("'")
    if not apostrophe:
        return False
    return (tail == "t" and head.endswith("n")) or (tail in _CONTRACTED and head in FUNCTION_WORDS)


def question_terms(text: str) -> list[str]:
    """The words of `text` that carry meaning in a question, in order, without repeats."""
    seen: dict[str, None] = {}
    for token in question_tokens(text):
        if not question_stopword(token) and (len(token) > 1 or token.isdigit()):
            seen.setdefault(token, None)
    return list(seen)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stripper: enough to match "talks"/"talk", "agreed"/"agree"."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ings", ""),
        ("ing", ""),
        ("edly", ""),
        ("ed", ""),
        ("es", "e"),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            base = word[: len(word) - len(suffix)] + keep
            if suffix in ("ing", "ings", "ed", "edly") and len(base) > 3 and base[-1] == base[-2]:
                base = base[:-1]  # "stopped" -> "stop"
            return base
    return word


def content_stems(text: str) -> set[str]:
    """The stemmed tokens of `text` that are not stopwords."""
    return {stem(w) for w in words(text) if w not in STOPWORDS}


def normalized(text: str) -> str:
    """NFKC, lower case, every run of characters other than a-z0-9 one space, stripped."""
    return _NON_ALNUM.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def _is_term(token: str) -> bool:
    """Whether a question token is one of `question_terms`' words."""
    return token not in QUESTION_STOPWORDS and (len(token) > 1 or token.isdigit())


class TermLookup:
    """Which of a few words a text holds as `question_terms` would read it, without
    tokenizing all of it: each word is looked for where it occurs as a substring, and
    only the run of letters, digits and apostrophes around it is tokenized (runs are
    read apart from each other, so the tokens are those of the whole text). A median
    article of 8 KB took 1.0 ms to tokenize whole; a question's terms are found in it
    in a few tens of microseconds."""

    def __init__(self, text: str) -> None:
        self._text = text.lower().replace("’", "'")
        self._runs: dict[int, tuple[int, list[str]]] = {}  # run start -> (end, terms)

    def holds(self, word: str) -> bool:
        """Whether `word` is one of the text's `question_terms`."""
        return _is_term(word) and self._find(word, lambda terms: word in terms)

    def holds_prefix(self, prefix: str) -> bool:
        """Whether one of the text's `question_terms` of five letters or more starts
        with `prefix` (of up to five letters)."""
        return self._find(
            prefix, lambda terms: any(len(t) >= 5 and t.startswith(prefix) for t in terms)
        )

    def _find(self, needle: str, match: Callable[[list[str]], bool]) -> bool:
        text = self._text
        at = text.find(needle) if needle else -1
        while at != -1:
            end, terms = self._run(at)
            if match(terms):
                return True
            at = text.find(needle, max(end, at + 1))  # a needle may hold other characters
        return False

    def _run(self, at: int) -> tuple[int, list[str]]:
        """The end of the run holding position `at`, and the terms of that run."""
        text = self._text
        start = at
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "'"):
            start -= 1
        known = self._runs.get(start)
        if known is not None:
            return known
        end = at
        while end < len(text) and (text[end].isalnum() or text[end] == "'"):
            end += 1
        tokens = (t.removesuffix("'s") for t in _QUESTION_TOKEN.findall(text, start, end))
        found = (end, [t for t in tokens if _is_term(t)])
        self._runs[start] = found
        return found
