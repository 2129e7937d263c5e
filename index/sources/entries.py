"""A feed's entries as the poller reads them: an identity, a link, the feed's own text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from index.errors import InputError
from index.ingest.feeds import entry_text, parse_feed
from index.ingest.urls import clean_url
from index.text.dates import parse_date

# A feed may list any number of entries (a 10 MiB feed holds tens of thousands): the
# first this many are read, newest first in every feed format's convention. A new
# feed's backlog is then at most this many pages, read once.
MAX_FEED_ENTRIES = 1_000
MAX_ENTRY_ID_CHARS = 300  # longer ids (and links) are remembered by their hash
# The feed carries the whole article when an entry's content (content:encoded, Atom
# <content>) is at least this long. A description or summary is a teaser of one or
# two sentences (100-400 characters in the feeds of news outlets), and so is the
# content of feeds that fill it with the teaser; a whole news article is thousands.
FULL_TEXT_CHARS = 1_000


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed."""

    key: str  # what marks it read: its id (guid), else its link, else its text's hash
    link: str  # "" when the entry has no usable http(s) link
    title: str
    text: str  # the feed's own text for it: content when present, else the summary
    full: bool  # `text` is the whole article: its page need not be fetched
    published: str  # YYYY-MM-DD or ""


@dataclass(frozen=True)
class FeedListing:
    """A feed read: its title and entries (at most MAX_FEED_ENTRIES)."""

    title: str
    entries: tuple[FeedEntry, ...]


def read_listing(text: str, *, origin: str) -> FeedListing:
    """The entries of an RSS 0.9x/1.0/2.0 or Atom feed; InputError (one line) when
    the document is not a feed. A well-formed feed with no entries is not an error."""
    parsed = parse_feed(text, origin=origin)
    if not parsed.get("version") and not parsed.entries:
        if parsed.bozo:
            raise InputError(f"{origin}: not a readable RSS/Atom feed ({_reason(parsed)})")
        raise InputError(f"{origin}: not an RSS or Atom feed")
    entries: list[FeedEntry] = []
    keys: set[str] = set()
    for raw in parsed.entries[:MAX_FEED_ENTRIES]:
        entry = _entry(raw)
        if entry is not None and entry.key not in keys:
            keys.add(entry.key)
            entries.append(entry)
    if parsed.bozo and not entries:
        raise InputError(f"{origin}: not a readable RSS/Atom feed ({_reason(parsed)})")
    return FeedListing(title=(parsed.feed.get("title") or "").strip(), entries=tuple(entries))


def _entry(raw: Any) -> FeedEntry | None:
    title, content, summary = entry_text(raw)
    link = clean_url(raw.get("link") or "")
    body = content or summary
    if not (title or body or link):
        return None
    identity = _bounded_key(str(raw.get("id") or "").strip() or link)
    if not identity:
        digest = hashlib.sha256(f"{title}\n{body}".encode("utf-8", "replace")).hexdigest()
        identity = "sha:" + digest[:32]
    # An entry whose `updated` moves is a new version of its article: read it again
    # (the pipeline replaces the stored one). Feeds without it change nothing here.
    # dict.get: feedparser's own get() answers `published` for a missing `updated`.
    updated = str(dict.get(raw, "updated") or "").strip()
    if updated and updated != str(dict.get(raw, "published") or "").strip():
        identity = _bounded_key(f"{identity}@{updated[:60]}")
    return FeedEntry(
        key=identity,
        link=link,
        title=title,
        text=body,
        full=len(content) >= FULL_TEXT_CHARS,
        published=parse_date(dict.get(raw, "published") or dict.get(raw, "updated") or ""),
    )


def _bounded_key(key: str) -> str:
    key = "".join(c for c in key if c.isprintable())
    if len(key) <= MAX_ENTRY_ID_CHARS:
        return key
    return "sha:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]


def _reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    lines = str(exc or "").strip().splitlines()
    first = lines[0] if lines else type(exc).__name__ if exc is not None else "cut off"
    return "malformed feed: " + first[:160]
