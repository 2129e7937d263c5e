"""The one rule for "this passage answers the question", shared by every tool."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalized(text: str) -> str:
    """NFKC, lower case, every run of characters other than a-z0-9 one space, stripped."""
    return _NON_ALNUM.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def answers(passage: str, evidence: Iterable[str]) -> bool:
    """True when the normalised passage contains one of the normalised evidence strings."""
    text = normalized(passage)
    return any(e in text for e in map(normalized, evidence) if e)
