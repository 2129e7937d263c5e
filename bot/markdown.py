"""Discord markdown from untrusted text: escaping, clipping and the bot's own links.

Article text, titles, outlets and URLs come from anyone on the internet. `escape`
makes such text plain in Discord: no link, mention, ping or formatting can come out
of it; `link` is the only way a link is made, to a `clean_url` address. `clip` cuts
to a length without breaking either apart.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"


# What `clip` never cuts apart: a backslash escape, or one of the bot's own links
# (`link`: escaped text, and a clean URL, which has no parentheses or spaces).
_CLIP_UNIT = re.compile(r"\\.|\[(?:\\.|[^\\\[\]])*\]\([^()\s]*\)|.", re.DOTALL)


def clip(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters, ending in "…" when cut.

    Never splits a backslash escape or one of the bot's own links (a cut link target
    would show as a bare URL), and never leaves a dangling backslash, which would
    escape the ellipsis.
    """
    if len(text) <= limit:
        return text
    budget = max(limit - len(ELLIPSIS), 0)
    kept: list[str] = []
    size = 0
    for unit in _CLIP_UNIT.finditer(text):
        if size + len(unit.group()) > budget:
            break
        kept.append(unit.group())
        size += len(unit.group())
    cut = "".join(kept).rstrip()
    while (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1].rstrip()
    return cut + ELLIPSIS


# Bidi controls and zero-width characters: they can hide or reorder what a reader sees
# (a URL, a file name) and split words that filters look for.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c]")
# Characters that are markdown anywhere in a line (the backslash first); "<" also starts
# every mention, channel, role, command, emoji and timestamp tag (<@1>, <#1>, </c:1>,
# <:e:1>, <t:1>).
_INLINE = "\\*_~`|<>[]()"
# Markers that are markdown only at the start of a line: headings and subtext ("#",
# "-#"), lists ("-", "+", "1."). "*" and ">" are escaped everywhere already.
_LINE_START = re.compile(r"^([ \t]*)(?:([#+-])|(\d+)\.(?=\s|$))", re.MULTILINE)
_PING = re.compile(r"@(?=everyone|here)", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def escape(text: str) -> str:
    """Return untrusted `text` as Discord markdown that shows it literally.

    Removes bidi controls and zero-width characters, backslash-escapes every
    markdown character (`\\ * _ ~ ` | < > [ ] ( )`, and `# - + 1.` at the start of
    a line), breaks auto-linking with a zero-width space after the ":" of "://"
    (any scheme) and breaks @everyone and @here the same way after the "@". An
    escaped "<" is enough for Discord not to render <@123> and the like as a pill:
    its parser reads "\\<" as a literal "<" before any tag rule can match there.
    """
    text = plain(text)
    for char in _INLINE:
        text = text.replace(char, "\\" + char)
    text = _LINE_START.sub(_escape_marker, text)
    text = text.replace("://", ":" + ZERO_WIDTH_SPACE + "//")
    return _PING.sub("@" + ZERO_WIDTH_SPACE, text)


def _escape_marker(match: re.Match[str]) -> str:
    indent, marker, number = match.groups()
    return indent + ("\\" + marker if marker else number + "\\.")


def plain(text: str) -> str:
    """`text` without invisible characters, with "\\n" for every line break."""
    return _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def quote(value: str, limit: int, fallback: str = "") -> str:
    """Untrusted `value` escaped and clipped to `limit` chars, without surrounding space;
    `fallback` when nothing visible is left of it.

    Only what can show is escaped: escaping never shortens text, so `limit` + 1 plain
    characters are enough to know whether to clip.
    """
    text = plain(value).strip()
    escaped = escape(text[: limit + 1])
    return clip(escaped, limit) if escaped.strip() else fallback


def link(text: str, url: str) -> str:
    """The bot's own markdown link: `text` must be escaped, `url` a clean_url result."""
    return f"[{text}]({url})"
