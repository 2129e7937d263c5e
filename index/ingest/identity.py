"""What makes two inputs the same article: its canonical URL, or its content."""

from __future__ import annotations

import hashlib
import re

from index.records import Article

# Query parameters that only say where a reader came from (campaign tags, ad and social
# click ids, newsletter ids); the others can name the article itself ("news.php?id=123"),
# so they stay in its identity.
_TRACKING = re.compile(
    r"utm_\w*|fbclid|gclid|gclsrc|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|ocid|cmpid"
    r"|smid|_ga|_gl|mkt_tok|wt\.mc_id|wt\.mc_ev",
    re.IGNORECASE,
)


def without_tracking(url: str) -> str:
    """`url` with its tracking query parameters removed (the "?" too when none is left);
    the other parameters keep their order and the fragment stays."""
    base, hash_mark, fragment = url.partition("#")
    path, question, query = base.partition("?")
    if not question:
        return url
    kept = [p for p in query.split("&") if p and not _TRACKING.fullmatch(p.split("=")[0])]
    return path + ("?" + "&".join(kept) if kept else "") + hash_mark + fragment


def article_key(article: Article) -> str:
    """A stable identity: the canonical URL when known, else a hash of title and text.

    The canonical URL has no scheme, "www.", fragment, trailing slash or tracking
    parameters, and is lower-cased.
    """
    if article.url:
        url = without_tracking(article.url.strip().partition("#")[0])
        base, question, query = url.partition("?")
        url = base.rstrip("/") + question + query
        return "url:" + re.sub(r"^https?://(www\.)?", "", url.lower())
    return "sha:" + content_hash(article)


def content_hash(article: Article) -> str:
    """Hash of what the article says, whitespace-insensitive."""
    body = " ".join(f"{article.title}\n{article.text}".split())
    return hashlib.sha256(body.encode()).hexdigest()[:32]
