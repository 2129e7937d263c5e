"""Reading an HTML article page with trafilatura (main text plus metadata)."""

from __future__ import annotations

from index.ingest.urls import clean_url
from index.records import Article
from index.text.dates import parse_date


def read_html(html: str, *, url: str = "", origin: str = "") -> list[Article]:
    """Return the page's main article, or [] when no article text can be found."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, favor_precision=True
    )
    if document is None:
        return []
    data = document if isinstance(document, dict) else document.as_dict()
    text = (data.get("text") or "").strip()
    if not text:
        return []
    return [
        Article(
            title=(data.get("title") or "").strip(),
            text=text,
            source=(data.get("sitename") or data.get("hostname") or "").strip(),
            url=clean_url(data.get("url") or "") or clean_url(url),
            published=parse_date(data.get("date") or ""),
            origin=origin,
        )
    ]
