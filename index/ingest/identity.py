"""What makes two inputs the same article: its canonical URL, or its content."""

from __future__ import annotations

import hashlib
import re

from index.records import Article

# Query parameters that only say where a reader came from; the others can name the
# article itself ("news.php?id=123"), so they stay in its identity.
_TRACKING = re.compile(r"utm_\w*|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|smid", re.IGNORECASE)


def article_key(article: Article) -> str:
    """A stable identity: the canonical URL when known, else a hash of title and text.

    The canonical URL has no scheme, "www.", fragment, trailing slash or tracking
    parameters, and is lower-cased.
    """
    if article.url:
        base, _, query = article.url.strip().partition("#")[0].partition("?")
        kept = [p for p in query.split("&") if p and not _TRACKING.fullmatch(p.split("=")[0])]
        url = base.rstrip("/") + ("?" + "&".join(kept) if kept else "")
        return "url:" + re.sub(r"^https?://(www\.)?", "", url.lower())
    return "sha:" + content_hash(article)


def content_hash(article: Article) -> str:
    """Hash of what the article says, whitespace-insensitive."""
    body = " ".join(f"{article.title}\n{article.text}".split())
    return hashlib.sha256(body.encode()).hexdigest()[:32]
