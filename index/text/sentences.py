"""Sentence splitting for English news text, with character offsets."""

from __future__ import annotations

import re

# Words that end with a period without ending the sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen sens rep reps gov gen lt col sgt capt cmdr adm st jr sr
    inc corp co ltd llc vs etc no nos fig approx dept est govt univ ave blvd rd mt ft
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
    u.s u.k u.n e.u d.c i.e e.g al bros messrs rev""".split()
)

# A candidate boundary: terminal punctuation, optional closing quotes/brackets,
# then whitespace and something that can open a sentence.
_BOUNDARY = re.compile(r"""[.!?]+['"’”)\]]*(?=\s+['"‘“(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.\-]*)\.$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at index `dot` belongs to an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text[max(0, dot - 20) : dot + 1])
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    last = word.rsplit("-", 1)[-1]  # "D-Conn." is a party-state tag
    if len(last) == 1:  # an initial: "John F. Kennedy"
        return True
    if word in _ABBREVIATIONS or last in _ABBREVIATIONS:
        return True
    return "." in word and all(len(part) <= 2 for part in word.split("."))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) character spans of the sentences of `text`.

    A line break always ends a sentence; spans exclude surrounding whitespace.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        chunk, base, start = line.group(0), line.start(), 0
        cuts = []
        for boundary in _BOUNDARY.finditer(chunk):
            if boundary.group(0) == "." and _is_abbreviation(chunk, boundary.start()):
                continue
            cuts.append(boundary.end())
        cuts.append(len(chunk))
        for end in cuts:
            piece = chunk[start:end]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((base + start + lead, base + start + lead + len(stripped)))
            start = end
    return spans


def split_sentences(text: str) -> list[str]:
    """Return the sentences of `text` in order."""
    return [text[s:e] for s, e in sentence_spans(text)]
