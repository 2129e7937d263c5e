"""Reading RSS and Atom feeds with feedparser: one article per entry."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlparse

from index.errors import InputError
from index.ingest.urls import clean_url
from index.records import Article
from index.text.dates import parse_date
from index.text.unicode import replace_surrogates

_TAGS = re.compile(r"<[^>]+>")


def _plain(html: str) -> str:
    """Feed bodies are HTML fragments: keep their text, one paragraph per block."""
    import html as html_lib

    text = re.sub(r"(?i)</?(?:p|br|div|li|h\d)[^>]*>", "\n", html)
    return html_lib.unescape(_TAGS.sub("", text)).strip()


# A numeric character reference: feedparser's loose parser encodes chr(n) of whatever it
# names, and fails on a surrogate (&#xD800;), a number past U+10FFFF or one of 5,000 digits.
_CHARREF = re.compile(r"&#([xX][0-9a-fA-F]+|[0-9]+)")


def _valid_charref(match: re.Match[str]) -> str:
    digits = match.group(1)
    if len(digits) > 12:
        return "&#xFFFD"
    number = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
    return match.group(0) if number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF else "&#xFFFD"


def looks_like_feed(text: str) -> bool:
    """True when the text starts like an RSS or Atom document."""
    head = text.lstrip()[:1000].lower()
    return "<rss" in head or ("<feed" in head and "atom" in head) or "<rdf:rdf" in head


def parse_feed(text: str, *, origin: str = "") -> Any:
    """feedparser's reading of `text` (`.feed`, `.entries`, `.bozo`); InputError when
    its parser fails on hostile markup."""
    import feedparser

    # As bytes in a stream: given a str, feedparser fetches it when it reads like a URL
    # and opens it when it names a file (what it would do with a str is this encoding).
    data = _CHARREF.sub(_valid_charref, replace_surrogates(text)).encode("utf-8")
    try:
        return feedparser.parse(io.BytesIO(data))
    except (ValueError, RecursionError) as exc:  # its loose parser on hostile markup
        raise InputError(f"{origin}: not a readable RSS/Atom feed ({exc})") from None


def entry_text(entry: Any) -> tuple[str, str, str]:
    """A feed entry's title, full content (content:encoded, Atom content; "" when
    absent) and summary (description), as plain text."""
    content = ""
    if entry.get("content"):
        content = " \n".join(_plain(part.get("value", "")) for part in entry.content)
    return _plain(entry.get("title", "")), content, _plain(entry.get("summary", ""))


def read_feed(text: str, *, origin: str = "") -> list[Article]:
    """Return the feed's entries as articles; raise InputError, naming why, when none can
    be read (a broken feed, or one without entries); a feed cut off after whole entries
    keeps them."""
    parsed = parse_feed(text, origin=origin)
    outlet = (parsed.feed.get("title") or "").strip()
    articles = []
    for entry in parsed.entries:
        title, content, summary = entry_text(entry)
        body = content or summary
        if not body and not title:
            continue
        link = clean_url(entry.get("link") or "")
        published = parse_date(entry.get("published", "") or entry.get("updated", ""))
        articles.append(
            Article(
                title=title,
                text=body or title,
                source=outlet or urlparse(link).hostname or "",
                url=link,
                published=published,
                origin=origin,
            )
        )
    if not articles:  # a cut-off feed may still hold one empty entry
        if parsed.bozo:
            raise InputError(
                f"{origin}: not a readable RSS/Atom feed "
                f"(malformed feed: {_reason(parsed.get('bozo_exception'))})"
            )
        found = len(parsed.entries)
        raise InputError(
            f"{origin}: no article in this feed "
            + (f"({found} entries, none with a title or text)" if found else "(no entries)")
        )
    return articles


def _reason(exc: object) -> str:
    """The first line of feedparser's error, or what it is when it says nothing."""
    lines = str(exc or "").strip().splitlines()
    return lines[0] if lines else type(exc).__name__ if exc is not None else "cut off"
