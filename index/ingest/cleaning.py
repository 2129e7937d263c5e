"""Removing inline noise from scraped article text: ads, photo captions, credits."""

from __future__ import annotations

import re
import unicodedata

_ADVERTISEMENT = re.compile(r"\s*\bAdvertisement\b\s*")  # applied line by line

# Photo credits that end a caption. A caption in a scraped gallery reads
# "<photo count> <Caption sentence.> <Credit>", e.g. "4 Ukrainian troops ... years. Getty Images".
_CREDIT = (
    r"(?:[A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*){0,3}(?: via | for |/))?"
    r"(?:Getty Images|AFP|AP Photo|AP|Reuters|REUTERS|EPA(?:-EFE)?|Shutterstock|Bloomberg"
    r"|CNN|NBC News|ABC News|CBS News|Fox News|NY Post|New York Post|Sipa USA|Alamy|Pool"
    r"|Handout|Xinhua|TASS|Sputnik|ZUMA Press|Anadolu|SOPA Images|LightRocket|Zuma)"
)
_CAPTION = re.compile(
    r"(?:(?<=^)|(?<=[.!?'\"’”)] ))"  # only at a sentence start
    r"\d{1,2} (?=[A-Z])"  # the gallery's photo count
    r"(?:(?! \d{1,2} [A-Z]).){8,400}?[.!?]['\"’”]?"  # the caption itself
    r" " + _CREDIT + r"(?=\s|$)"
)
_SPACES = re.compile(r"[ \t\u00a0]+")


def normalize_whitespace(text: str) -> str:
    """Collapse runs of spaces and tabs, strip each line, drop empty-line runs beyond one."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def clean_body(text: str) -> str:
    """Return `text` without "Advertisement" markers and photo captions with credits."""
    text = unicodedata.normalize("NFC", text)
    lines = []
    for line in text.splitlines():
        if "Advertisement" in line:
            line = _ADVERTISEMENT.sub(" ", line)
            if not line.strip():
                continue  # an ad line goes whole: the paragraphs around it stay apart
        line = _SPACES.sub(" ", line).strip()
        for _ in range(50):  # consecutive captions uncover one another
            stripped = _SPACES.sub(" ", _CAPTION.sub("", line)).strip()
            if stripped == line:
                break
            line = stripped
        lines.append(line)
    return normalize_whitespace("\n".join(lines))
