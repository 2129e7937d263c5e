"""Reading an HTML article page with trafilatura (main text plus metadata)."""

from __future__ import annotations

from index.errors import InputError
from index.ingest.canonical import host_name, trusted_canonical
from index.ingest.urls import clean_url
from index.records import Article
from index.text.dates import parse_date

# trafilatura's time grows about with the square of a page's elements (30,000 paragraphs
# take ~3 s, 60,000 ~10 s, 120,000 ~30 s, a 20 MB page many minutes): a larger page is
# refused, not read. A news article page has a few thousand elements.
MAX_HTML_ELEMENTS = 50_000


def read_html(html: str, *, url: str = "", origin: str = "") -> list[Article]:
    """Return the page's main article, or [] when no article text can be found.

    Its URL is the canonical one the page claims (`<link rel=canonical>`, `og:url`)
    when that is on the site of `url`, the address it was fetched from (see
    `canonical.trusted_canonical`); else `url`.

    Raises InputError for a page of more than MAX_HTML_ELEMENTS elements, or one that
    trafilatura fails on.
    """
    import trafilatura
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
        if tree is None:
            return []
        elements = sum(1 for _ in tree.iter())
        if elements > MAX_HTML_ELEMENTS:
            raise InputError(
                f"{origin}: an HTML page of {elements:,} elements, over the "
                f"{MAX_HTML_ELEMENTS:,} an article page can have"
            )
        document = trafilatura.bare_extraction(
            tree, url=url or None, with_metadata=True, include_comments=False, favor_precision=True
        )
    except InputError:
        raise
    except Exception as exc:
        # Hostile markup trips bugs in trafilatura and the libraries under it (an
        # AssertionError from lxml for "<body><html><svg><foreignObject>"): one page
        # is refused, never the whole ingest.
        raise InputError(
            f"{origin}: cannot read this HTML page ({type(exc).__name__} in trafilatura)"
        ) from None
    if document is None:
        return []
    data = document if isinstance(document, dict) else document.as_dict()
    text = (data.get("text") or "").strip()
    if not text:
        return []
    claimed = clean_url(data.get("url") or "")
    page_url = trusted_canonical(claimed, url)
    sitename = (data.get("sitename") or "").strip()
    if claimed and page_url != claimed and sitename.casefold() == host_name(claimed):
        sitename = ""  # trafilatura's stand-in for a missing name: the refused claim's host
    hostname = host_name(page_url) if page_url else (data.get("hostname") or "")
    return [
        Article(
            title=(data.get("title") or "").strip(),
            text=text,
            source=sitename or hostname.strip(),
            url=page_url,
            published=parse_date(data.get("date") or ""),
            origin=origin,
        )
    ]
