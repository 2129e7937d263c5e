"""Feeds and article pages the sources tests serve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

RSS = "application/rss+xml"
ATOM = "application/atom+xml"
RDF = "application/rdf+xml"


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    summary: str = ""
    guid: str = ""
    content: str = ""  # content:encoded / Atom content
    published: str = "Mon, 02 Jun 2025 09:00:00 GMT"
    updated: str = ""  # Atom only


def rss2(title: str, items: Sequence[Item]) -> bytes:
    parts = []
    for item in items:
        guid = f"<guid>{escape(item.guid)}</guid>" if item.guid else ""
        content = (
            f"<content:encoded><![CDATA[{item.content}]]></content:encoded>" if item.content else ""
        )
        summary = f"<description>{escape(item.summary)}</description>" if item.summary else ""
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f"{guid}<pubDate>{item.published}</pubDate>{summary}{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>http://127.0.0.1/</link>"
        f"<description>news</description>{''.join(parts)}</channel></rss>"
    ).encode()


def rss1(title: str, items: Sequence[Item]) -> bytes:
    refs = "".join(f'<rdf:li rdf:resource="{escape(i.link)}"/>' for i in items)
    parts = "".join(
        f'<item rdf:about="{escape(i.link)}"><title>{escape(i.title)}</title>'
        f"<link>{escape(i.link)}</link><description>{escape(i.summary)}</description>"
        f"<dc:date>2025-06-02T09:00:00Z</dc:date></item>"
        for i in items
    )
    return (
        '<?xml version="1.0"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="http://127.0.0.1/"><title>{escape(title)}</title>'
        f"<link>http://127.0.0.1/</link><description>news</description>"
        f"<items><rdf:Seq>{refs}</rdf:Seq></items></channel>{parts}</rdf:RDF>"
    ).encode()


def atom(title: str, items: Sequence[Item]) -> bytes:
    parts = []
    for item in items:
        content = f'<content type="html">{escape(item.content)}</content>' if item.content else ""
        summary = f"<summary>{escape(item.summary)}</summary>" if item.summary else ""
        parts.append(
            f"<entry><title>{escape(item.title)}</title>"
            f'<link href="{escape(item.link)}"/><id>{escape(item.guid or item.link)}</id>'
            f"<published>2025-06-02T09:00:00Z</published>"
            f"<updated>{item.updated or '2025-06-02T09:00:00Z'}</updated>"
            f"{summary}{content}</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test</id>"
        f"<updated>2025-06-02T09:00:00Z</updated>{''.join(parts)}</feed>"
    ).encode()


def page(title: str, paragraphs: Sequence[str], *, site: str = "Loop Gazette") -> bytes:
    """An article page trafilatura reads: a headline, a site name, paragraphs."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head>"
        f"<title>{escape(title)}</title>"
        f'<meta property="og:site_name" content="{escape(site)}">'
        '<meta property="article:published_time" content="2025-06-02">'
        f"</head><body><nav>Home | World | Sport</nav><article><h1>{escape(title)}</h1>"
        f"{body}</article><footer>Copyright</footer></body></html>"
    ).encode()


def story(topic: str, n: int = 5) -> list[str]:
    """`n` paragraphs of plain news prose about `topic`."""
    return [
        f"Officials said on Monday that the {topic} would go ahead as planned, paragraph {i}. "
        f"Residents gathered near the site to watch the {topic} while crews worked nearby."
        for i in range(n)
    ]
