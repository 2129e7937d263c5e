"""Page furniture: the lines of a news page that belong to the site, not to the story.

Bylines and contact lines, newsletter and app promos, "follow / sign up / click"
lines, photo captions with their credits, teaser and related-story headlines,
"text or WhatsApp us" lines, editor's notes, bare datelines, consent notices.
They are removed at ingest, for every reader, before an article is chunked: an
answer, a passage or a summary never shows them.

A line (a paragraph) is judged on its own, and a related-links header takes the
short headline lines under it with it. The rules look at the shape of a line (a
credit at its end, a colon glued to a headline, a 2nd-person call to act), not at
one outlet's wording; measured on hand-labelled lines of real pages by
`benchmarks/furniture.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Agencies and outlets that appear as a credit or stand alone on a line.
_AGENCIES = (
    r"AP|AFP|Reuters|REUTERS|Getty Images|Getty|EPA(?:-EFE)?|Shutterstock|Bloomberg|PA|"
    r"Associated Press|USA TODAY|USA Today|CNN|Xinhua|TASS|Sputnik|Sipa USA|Alamy|ZUMA Press|"
    r"Anadolu Agency|Anadolu|SOPA Images|LightRocket|NurPhoto|Pool|Handout|Imagn|"
    r"The Washington Post|The New York Times|UPI|dpa|Kyodo|Yonhap|IMAGN"
)
_NAME = r"[A-Z][\w.'’-]*(?: (?:[A-Z][\w.'’-]*|de|da|van|von|del|la|le|bin|al))*"

# A whole line that is only an outlet, an agency, a rule or a dateline: "CNN —",
# "New York CNN Business —", "USA TODAY", "___", "Read More".
_BARE = re.compile(
    r"^(?:(?:" + _AGENCIES + r"|24/7 Wall Street|The Associated Press)\.?"
    r"|[_\-—–*=~•·]{2,}|read more|more|advertisement|related|related coverage|"
    r"related content|related stories|related articles|more from \S.*|trending|"
    r"(?:" + _NAME + r" )?(?:CNN|CNN Business|CNN Politics|CNN Sports|\(AP\)|\(Reuters\))"
    r"\s*[—–-]+)$",
    re.IGNORECASE,
)
# Bylines: "By Jane Doe, USA TODAY", "By Jane Doe and John Roe", "Jane Doe | USA TODAY".
_BYLINE = re.compile(
    r"^(?:By|BY|Written by|Story by|Words by)\s+" + _NAME + r"(?:(?:,| and| &) " + _NAME + r")*"
    r"(?:\s*[,|]\s*[A-Z][\w.&'’-]*(?: (?:[A-Z&][\w.&'’-]*|of|the|and))*)?\.?$"
    r"|^" + _NAME + r"(?: and " + _NAME + r")?\s+\|\s+[\w .&'’-]{2,40}$"
)
# Photo captions that end with their credit ("... in Kyiv. Jane Doe/AP"), credits alone
# ("Jane Doe/Getty Images"), and captions marked as such ("(Photo: ...)").
_CREDIT_END = re.compile(
    r"(?:^|[.!?'\"’”)]\s+|\s)(?:" + _NAME + r"(?:/" + _NAME + r")*/(?:" + _NAME + r")"
    r"(?: " + _NAME + r")*|(?:" + _AGENCIES + r"))\s*\)?$"
)
_PHOTO_MARK = re.compile(
    r"\((?:photo|image|picture|credit|video)s?(?: by)?\s*:|"
    r"^(?:photo|image|picture|credit)s?(?: by)?\s*:|\bphoto(?:graph)?s? (?:by|courtesy of)\b|"
    r"\((?:photo|image)s? (?:by|courtesy)",
    re.IGNORECASE,
)
# Agency credit first, glued to the caption: "PA/AP The couple poses ..."
_CREDIT_START = re.compile(r"^(?:[A-Z]{2,}|" + _NAME + r")/(?:" + _AGENCIES + r")\b")
# A teaser linking to another story: "More:Headline", "Omicron in the US:Headline",
# "READ MORE: Headline", "Roe's midterms impact: Headline".
_GLUED_TEASER = re.compile(r"^[^:.!?\n]{2,80}:[\"'‘“A-Z]")
_SPACED_TEASER = re.compile(r"^[\"'‘“]?[A-Za-z][^:.!?\n]{2,60}: [\"'‘“A-Z]")
_TEASER_LABEL = re.compile(
    r"^(?:more|related|read more|read|also read|see also|watch|listen|video|photos?|"
    r"gallery|opinion|analysis|reviewed|live updates?|latest|exclusive|previously|"
    r"more from [\w .'’]+|don['’]t miss|recommended|trending|top stories|"
    r"what we['’]re reading|sponsored|ad|from the archives)\s*[:>|]",
    re.IGNORECASE,
)
_HEADER_OF_LINKS = re.compile(
    r"^(?:related|more|read more|more from [\w .'’]+|see also|also read|recommended|"
    r"top stories|trending|latest news|related coverage|related stories|related content|"
    r"you may also like|more stories|more on this story|"
    r"read more (?:on|about) [\w .'’-]+)\s*[:.]?$",
    re.IGNORECASE,
)
# Someone to contact or follow: "Contact X at x@y.com", "Follow X on Twitter: @x",
# "X can be reached at ...", "email her at ...".
_CONTACT = re.compile(
    r"\b(?:contact|reach|email|e-mail|call|follow|dm|message)\b[^.!?]{0,80}"
    r"(?:@\w|\bat \S+@|twitter|facebook|instagram|tiktok|\S+@\S+\.\w)|"
    r"\bcan be reached\b|\bis on twitter\b|^\W*follow (?:us|him|her|them|" + _NAME + r")\b|"
    r"\b(?:news ?tip|story tip|have a tip)\b|\S+@\S+\.(?:com|org|net)\b",
    re.IGNORECASE,
)
# A call to act addressed to the reader: sign up, subscribe, download, text us.
_PROMO = re.compile(
    r"\b(?:sign(?:ing)? up|subscribe\b|newsletters?|news quiz|check out our|detailed here|"
    r"in your inbox|to your inbox|"
    r"download (?:the|our)|our app|the app|app store|google play|podcast|"
    r"(?:text|whatsapp|dm|message|send) (?:us|your|or whatsapp)|whatsapp your|"
    r"click (?:here|the|below)|tap here|(?:here|link) (?:>+|to read|to sign|to get|to watch)|"
    r"\bhere\s*>+|(?:read|watch|listen|find|see|check|learn|get|browse|shop)\b[^.!?]{0,60}"
    r"\bhere\s*[.)]*\s*$|thank you for (?:reading|supporting)|support (?:our|local) journalism|"
    r"become a (?:member|subscriber)|cookies?|privacy (?:policy|notice)|terms of (?:use|service)|"
    r"tick here|opt out|unsubscribe)",
    re.IGNORECASE,
)
# Notes about the page itself, whoever they address.
_NOTE = re.compile(
    r"all rights reserved|copyright \d|©|"
    r"this (?:story|article|page|post) (?:has been|was|is) (?:updated|originally|published|"
    r"recaps|being updated)|contributed to this report|^contributing:|^correction:|"
    r"^additional reporting|"
    r"^(?:reporting|editing|writing) by|^editor['’]?s['’]? note|^\W*(?:updated|published|posted)\b"
    r"[^.!?]{0,40}\d|prices were accurate at the time|may earn (?:us )?a commission|"
    r"purchases you make through|"
    r"^video ad feedback|\bsource: cnn$|^just watched\b|\breplay more videos\b|^must watch\b|"
    r"^(?:turn|tune|head|stay tuned) (?:in )?to \w+(?: \w+)? for (?:live |more |full |the latest )?"
    r"(?:coverage|updates)",
    re.IGNORECASE,
)
# A reporter signing off an entry of a live blog: "-- Jane Doe", "— Jane Doe, Outlet".
_SIGN_OFF = re.compile(
    r"^[-–—]{1,2}\s*" + _NAME + r"(?: and " + _NAME + r")?(?:, [\w .&'’-]{2,40})?$"
)
_YOU = re.compile(r"\b(?:you|your|yours|you['’]\w+)\b", re.IGNORECASE)
# Words a reader is told to do; with "you" or a link word, a promo rather than news.
_IMPERATIVE = re.compile(
    r"(?:^|[.!?]\s+)\W*(?:take|sign|subscribe|get|download|follow|read|watch|listen|join|click|tap|find|"
    r"check|see|learn|shop|browse|text|send|share|like|download|try|explore|discover)\b",
    re.IGNORECASE,
)
# "See the flooding that shut down Yellowstone": a link's text, told to the reader.
_CALL_HEADLINE = re.compile(
    r"^\W*(?:see|watch|read|listen(?: to)?|shop|buy|get|download|explore|discover|view|"
    r"take a look)\b",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"""[.!?]['"’”)\]]*$""")
_WORD = re.compile(r"\w+")

MAX_FURNITURE_WORDS = 60  # longer paragraphs are reporting, whatever words they use
# ... and so are longer lines, in characters: this bound also keeps the unanchored
# searches linear on hostile input (a 100,000-letter "word" made them quadratic).
MAX_FURNITURE_CHARS = 600


def is_furniture(line: str) -> bool:
    """True when `line` (one paragraph, stripped) belongs to the page, not the story."""
    line = line.strip()
    if not line or len(line) > MAX_FURNITURE_CHARS:
        return False
    words = len(_WORD.findall(line))
    if words > MAX_FURNITURE_WORDS:
        return False
    if _BARE.match(line) or _BYLINE.match(line) or _SIGN_OFF.match(line):
        return True
    if _CREDIT_START.match(line):
        return True
    if _PHOTO_MARK.search(line) or _TEASER_LABEL.match(line):
        return True
    if _GLUED_TEASER.match(line):
        return True
    if _is_spaced_teaser(line, words):
        return True
    if _CALL_HEADLINE.match(line) and words <= 15 and not _ends_as_sentence(line):
        return True
    if _CREDIT_END.search(line) and not _ends_as_sentence(line):
        return True
    if _CONTACT.search(line) and words <= 45:
        return True
    if _NOTE.search(line):
        return True
    # "subscribers", "the app" or "newsletter" in reporting are news when nobody is
    # addressed: a promo speaks to the reader, or tells them what to do.
    return bool(_PROMO.search(line) and (_YOU.search(line) or _IMPERATIVE.search(line)))


def furniture_flags(lines: Sequence[str]) -> list[bool]:
    """Whether each line of `lines` (paragraphs, in page order) is furniture.

    Besides each line's own verdict, the short headline-like lines that follow a
    related-links header ("Related", "More from CNN") are furniture, up to the first
    line that reads as a sentence.
    """
    flags = [is_furniture(line) for line in lines]
    in_links = False
    for i, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        if _HEADER_OF_LINKS.match(text):
            flags[i], in_links = True, True
        elif in_links and _is_headline(text):
            flags[i] = True
        else:
            in_links = False
    return flags


def strip_furniture(text: str) -> str:
    """`text` without its furniture lines; the other lines and blank lines kept in order."""
    lines = text.split("\n")
    flags = furniture_flags(lines)
    kept = [line for line, flag in zip(lines, flags, strict=True) if not flag]
    out: list[str] = []
    for line in kept:  # no run of blank lines where a removed line stood between two
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def _ends_as_sentence(line: str) -> bool:
    return bool(_TERMINAL.search(line))


def _is_headline(line: str) -> bool:
    return len(_WORD.findall(line)) <= 20 and not _ends_as_sentence(line)


def _is_spaced_teaser(line: str, words: int) -> bool:
    """ "Roe's midterms impact: What the ruling means" (another story's headline), but not
    "Date: June 17", "1967: Six-Day War" or a quote and who said it."""
    if not _SPACED_TEASER.match(line) or words > 25 or _ends_as_sentence(line):
        return False
    label, _, rest = line.partition(":")
    return len(label.split()) >= 3 and len(rest.split()) >= 4 and ". " not in rest
