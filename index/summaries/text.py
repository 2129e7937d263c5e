"""Sentences for summaries: wire typography, junk filtering, context-dependent openings,
concept bigrams."""

from __future__ import annotations

import re

from index.text.words import STOPWORDS

# Lines and sentences that belong to the page around an article, not to the news.
_JUNK = re.compile(
    r"advertisement|getty images|try our ai features|click here|sign up|subscribe|"
    r"newsletter|all rights reserved|copyright|©|\bphoto(?:graph)?s?\s*(?:by|:|credit)|"
    r"\bimage\s*(?:by|:|credit)|read more|related articles|no comments yet|follow us|"
    r"cookie|privacy policy|terms of (?:use|service)|share this|seconds? ago|minutes? ago|"
    r"hours? ago|^\W*(?:updated|published)\b|reporting by|editing by|contributed to this report|"
    r"explore what|for you:|\bthis story has been\b|\bwatch:|^\W*video\b",
    re.IGNORECASE,
)
# "JERUSALEM (AP) — ", "BRUSSELS, Belgium (AP) _ " or "WASHINGTON -- " opening a wire story.
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,30}(?:,\s*[A-Z][A-Za-z .]{1,25})?\s*(?:\([A-Za-z ]{2,20}\))?"
    r"\s*(?:—|–|--|-|_)\s*(?=[A-Z\"“])"
)
# Sentences that lean on the one before them read badly out of context.
_DANGLING = re.compile(
    r"^(?:but|and|or|so|yet|however|also|still|meanwhile|instead|moreover|then|this|that|"
    r"these|those|it|he|she|they|his|her|their|its|there|"
    # openings that point back to what was said or dated before: "Days later, his wife..."
    r"(?:(?:a|one|two|three|a few|several|\w+) )?(?:minutes?|hours?|days?|weeks?|months?|"
    r"years?) (?:later|after(?:ward)?|earlier|before)|later|earlier|afterward|"
    r"(?:the|that|the following|the next|the same) (?:day|night|morning|week|month|year)|"
    r"at the time|since then|after that|by then|until then|in (?:response|addition|turn)|"
    r"additionally|furthermore|nonetheless|nevertheless|even so|as a result|otherwise|"
    r"similarly|likewise|both|neither|either|such|another|others|the other|the two|"
    r"the former|the latter|the same|here|now|thus|hence|therefore)\b",
    re.IGNORECASE,
)
# A sentence about not reaching someone says nothing about the news.
_NO_COMMENT = re.compile(
    r"\b(?:(?:not|n['’]t) (?:be |been )?(?:able to )?reach(?:ed)?|did not (?:immediately )?respond|"
    r"(?:didn['’]t|has not|have not|hasn['’]t|haven['’]t) (?:immediately )?respond(?:ed)?|"
    r"declined to comment|(?:request|requests) for comment|could not be reached)\b",
    re.IGNORECASE,
)
_UNNAMED = re.compile(r"\b(?:he|she|they) (?:said|says|added|told)\b|\bsaid (?:he|she)\b")
# Single quotation marks, told apart from apostrophes: "He's", "parents' homes".
_OPEN_SINGLE = re.compile(r"(?:^|(?<=[\s(\[—-]))['‘](?=\w)")
_CLOSE_SINGLE = re.compile(r"(?<=[\w.,!?])(?<!s)['’](?=[\s,.;:!?)\]—-]|$)|(?<=s)['’](?! [a-z])")
# A photo caption that lost its credit: a short sentence whose subject does, in the
# present tense, what the picture shows ("Lee plays a shot on the 17th hole.", "Lava
# fissures flow down the north flank of the volcano on December 5."). News prose
# reports in the past tense; captions describe the picture in the present.
_CAPTION_VERBS = (
    r"plays?|poses?|stands?|walks?|waves?|holds?|arrives?|attends?|celebrates?|reacts?|"
    r"flows?|sits?|watches|watch|gestures?|greets?|carries|carry|prays?|mourns?|hugs?|"
    r"smiles?|kneels?|rides?|kicks?|shoots?|dives?|performs?|inspects?|salutes?|gathers?|"
    r"marches|march|speaks?|listens?|leaves|leave|waits?|wades?|surveys?|sifts?"
)
_CAPTION = re.compile(r"^(?:[\w'’.,-]+\s){1,6}?(?:" + _CAPTION_VERBS + r")\b[^\"“”]*$")
_PAST_OR_REPORTED = re.compile(
    r"\b(?:said|says|told|was|were|had|has|have|will|would|could|is|are|been|did|\w{3,}ed|"
    r"drew|ran|made|took|went|came|saw|gave|got|found|won|lost|began|fell|rose|sold|paid|"
    r"led|met|spent|sent|built|kept|brought|bought|wrote|spoke|broke|chose|flew|grew|knew|"
    r"threw|stood|became|struck|fled|swept|left|held)\b",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"""[.!]['"’”)\]]*$""")


# "London (CNN) Boris Johnson..." or "New York (CNN Business) For months...": a web
# page's dateline, in mixed case, before its agency in brackets.
_BRACKET_DATELINE = re.compile(
    r"^(?:[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){0,3}\s+)?"
    r"\((?:CNN|CNN ?Business|CNN Politics|CNN Sport|AP|Reuters|AFP)\)\s*(?:[—–-]+\s*)?(?=[A-Z\"“])"
)


def normalize_quotes(text: str) -> str:
    """Return `text` with newswire ``TeX-style'' quotation marks made plain double quotes.

    Done before sentence splitting too: a sentence opening with ``, unlike one
    opening with ", is not seen as a new sentence by the splitter.
    """
    return text.replace("``", '"').replace("''", '"')


def clean_sentence(text: str) -> str:
    """Return `text` with wire-service typography normalised and a dateline removed."""
    text = normalize_quotes(text)
    text = _BRACKET_DATELINE.sub("", _DATELINE.sub("", text.strip()))
    text = re.sub(r"\s+_\s+", "—", text)  # DUC newswire writes a dash as " _ "
    return " ".join(text.split())


# A weekday, with the preposition or time of day that goes with it: "on Friday", "late
# Sunday night", "said Monday". Not "Friday's", "Good Friday" or "The Sunday Times".
_WEEKDAY = re.compile(
    r"(?P<pre>\b(?:[Oo]n|early|late|last|this)\s+)?\b(?:Monday|Tuesday|Wednesday|Thursday|"
    r"Friday|Saturday|Sunday)\b(?:\s+(?:morning|afternoon|evening|night))?(?![\w'’-])"
)


def drop_weekdays(text: str) -> str:
    """Return `text` without the weekdays that date its events: "Hun Sen on Friday
    rejected..." -> "Hun Sen rejected...".

    A weekday means something only beside its own article's date; a summary of
    several articles shows neither, so there it would mislead (and it takes room).
    Names such as "Good Friday" or "The Sunday Times" are kept.
    """
    parts, last = [], 0
    for match in _WEEKDAY.finditer(text):
        before = text[: match.start()].split()
        after = text[match.end() :].split()
        if not match.group("pre") and (
            not before or not before[-1][0].islower() or before[-1].endswith(",")
        ):
            continue  # "Good Friday", "The Sunday Times", a list of days
        if after and after[0][0].isupper():
            continue  # "on Sunday Times"
        parts.append(text[last : match.start()])
        last = match.end()
    if not parts:
        return text
    parts.append(text[last:])
    text = "".join(parts)
    text = re.sub(r",\s*,", " ", text)  # "Milosevic, on Sunday, met" -> "Milosevic met"
    text = re.sub(r"^\s*,\s*", "", text)  # "On Friday, the king..." -> "the king..."
    text = re.sub(r"\s+([,.;:!])", r"\1", text)
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def is_usable(text: str, min_words: int) -> bool:
    """True when `text` is a whole declarative news sentence fit for a summary."""
    words = text.split()
    if len(words) < min_words:
        return False
    if "?" in text or _JUNK.search(text) or _NO_COMMENT.search(text):
        return False
    if is_caption(text):
        return False
    if not text[0].isupper() and text[0] not in "\"'“‘":
        return False  # a fragment, or a line starting mid-sentence
    if not _TERMINAL.search(text):
        return False  # headlines, captions, menu items
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return False  # part of a quotation that spans sentences
    if len(_OPEN_SINGLE.findall(text)) != len(_CLOSE_SINGLE.findall(text)):
        return False  # the same, quoted 'like this'
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.islower() for c in letters) > 0.5 * len(letters)


def is_caption(text: str) -> bool:
    """True when `text` reads as a photo caption: at most 25 words, its verb an action
    in the present tense within the first few words, no reporting or past verb."""
    return (
        len(text.split()) <= 25
        and bool(_CAPTION.match(text))
        and not _PAST_OR_REPORTED.search(text)
    )


def is_dangling(text: str) -> bool:
    """True when `text` leans on what came before it: it opens with a quotation, a
    pronoun or a connective, or quotes an unnamed "he" or "she"."""
    return text[0] in "\"'“‘" or bool(_DANGLING.match(text)) or bool(_UNNAMED.search(text))


def bigrams(tokens: list[str], raw: list[str]) -> set[tuple[str, str]]:
    """Stemmed adjacent pairs, skipping pairs made only of function words."""
    return {
        (tokens[i], tokens[i + 1])
        for i in range(len(tokens) - 1)
        if not (raw[i] in STOPWORDS and raw[i + 1] in STOPWORDS)
    }
