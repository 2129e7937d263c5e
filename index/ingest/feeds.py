"""Reading RSS and Atom feeds with feedparser: one article per entry."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from index.errors import InputError
from index.ingest.urls import clean_url
from index.records import Article
from index.text.dates import parse_date

_TAGS = re.compile(r"<[^>]+>")


def _plain(html: str) -> str:
    """Feed bodies are HTML fragments: keep their text, one paragraph per block."""
    import html as html_lib

    text = re.sub(r"(?i)</?(?:p|br|div|li|h\d)[^>]*>", "\n", html)
    return html_lib.unescape(_TAGS.sub("", text)).strip()


def looks_like_feed(text: str) -> bool:
    """True when the text starts like an RSS or Atom document."""
    head = text.lstrip()[:1000].lower()
    return "<rss" in head or ("<feed" in head and "atom" in head) or "<rdf:rdf" in head


def read_feed(text: str, *, origin: str = "") -> list[Article]:
    """Return the feed's entries as articles; raise InputError for a broken feed."""
    import feedparser

    parsed = feedparser.parse(text)
    if parsed.bozo and not parsed.entries:
        raise InputError(f"{origin}: not a readable RSS/Atom feed ({parsed.bozo_exception})")
    outlet = (parsed.feed.get("title") or "").strip()
    articles = []
    for entry in parsed.entries:
        body = ""
        if entry.get("content"):
            body = " \n".join(_plain(part.get("value", "")) for part in entry.content)
        body = body or _plain(entry.get("summary", ""))
        title = _plain(entry.get("title", ""))
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
    return articles
