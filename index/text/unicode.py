"""Text that can be encoded: lone surrogates replaced."""

from __future__ import annotations

import re

_SURROGATES = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """`text` with each lone surrogate (from a JSON escape such as "\\ud800" or an
    undecodable file name) replaced by U+FFFD: such text cannot be encoded, stored or
    tokenized."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text
