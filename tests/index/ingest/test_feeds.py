"""RSS and Atom documents into Articles, without files or HTTP."""

from __future__ import annotations

import pytest

from index.errors import InputError
from index.ingest.feeds import looks_like_feed, read_feed

RSS = """<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Test Wire</title>
<item><title>Dam opens</title><link>https://wire.test/dam</link>
<pubDate>Tue, 10 Jun 2025 08:00:00 GMT</pubDate>
<description>Short teaser.</description>
<content:encoded><![CDATA[<p>The new dam opened on Tuesday.</p><p>It cost &pound;2m.</p>]]>
</content:encoded></item>
<item><title>Only a teaser</title><link>https://wire.test/teaser</link>
<description>&lt;b&gt;Bold&lt;/b&gt; teaser text.</description></item>
<item><title></title><description></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>Rail strike ends</title><link href="https://atom.test/rail"/>
<updated>2025-03-01T12:00:00Z</updated><summary>Workers returned on Monday.</summary></entry>
<entry><title>Headline only</title><link href="https://atom.test/headline"/>
<published>2025-03-02T09:00:00+01:00</published></entry>
</feed>"""


def test_rss_entries_become_articles_with_title_url_and_date() -> None:
    dam, teaser = read_feed(RSS, origin="wire.xml")
    assert (dam.title, dam.url, dam.published, dam.source, dam.origin) == (
        "Dam opens",
        "https://wire.test/dam",
        "2025-06-10",
        "Test Wire",
        "wire.xml",
    )
    # The full content wins over the teaser; HTML becomes text, one line a paragraph.
    assert dam.text == "The new dam opened on Tuesday.\n\nIt cost £2m."
    assert (teaser.title, teaser.text, teaser.published) == (
        "Only a teaser",
        "Bold teaser text.",
        "",
    )


def test_atom_entries_without_a_feed_title_take_the_host_as_source() -> None:
    rail, headline = read_feed(ATOM)
    assert (rail.title, rail.url, rail.published, rail.source) == (
        "Rail strike ends",
        "https://atom.test/rail",
        "2025-03-01",
        "atom.test",
    )
    assert rail.text == "Workers returned on Monday."
    assert headline.text == "Headline only" and headline.published == "2025-03-02"


def test_a_broken_feed_without_entries_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^feed\.xml: not a readable RSS/Atom feed"):
        read_feed("<rss version='2.0'><channel><title>x", origin="feed.xml")


def test_feeds_are_recognised_by_their_start() -> None:
    assert looks_like_feed(RSS) and looks_like_feed(ATOM)
    assert looks_like_feed("  <rdf:RDF xmlns='http://purl.org/rss/1.0/'>")
    assert not looks_like_feed("<!DOCTYPE html><html><body>news</body></html>")
    assert not looks_like_feed("<feed><entry>no namespace</entry></feed>")
