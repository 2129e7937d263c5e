"""One article under several URLs is stored once: tracking parameters and the page's
canonical link, followed only within the site it was fetched from."""

import pytest

from index.ingest.canonical import host_name, same_site, trusted_canonical
from index.ingest.html import read_html
from index.ingest.identity import article_key, without_tracking
from index.records import Article

BODY = "".join(
    f"<p>Paragraph {i} about the harbour bridge reopening to traffic this week.</p>"
    for i in range(8)
)


def page(head: str = "", site: str = "") -> str:
    site_name = f'<meta property="og:site_name" content="{site}">' if site else ""
    return (
        f"<!DOCTYPE html><html><head><title>Bridge reopens</title>{site_name}{head}</head>"
        f"<body><article><h1>Bridge reopens</h1>{BODY}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.test/a?utm_source=rss&utm_medium=feed", "https://x.test/a"),
        ("https://x.test/a?id=3&fbclid=IwAR0&gclid=xyz", "https://x.test/a?id=3"),
        ("https://x.test/a?UTM_Campaign=1&page=2#comments", "https://x.test/a?page=2#comments"),
        ("https://x.test/a?msclkid=1&WT.mc_id=2&mc_cid=3&_ga=4", "https://x.test/a"),
        ("https://x.test/a?ref=home", "https://x.test/a?ref=home"),  # may name the article
        ("https://x.test/news.php?id=123", "https://x.test/news.php?id=123"),
        ("https://x.test/a", "https://x.test/a"),
    ],
)
def test_tracking_parameters_are_dropped_and_the_others_kept(url, expected) -> None:
    assert without_tracking(url) == expected


def test_one_article_under_tracking_links_has_one_key() -> None:
    urls = [
        "https://www.x.test/news/bridge/",
        "http://x.test/news/bridge?utm_source=twitter",
        "https://x.test/news/bridge?fbclid=abc#top",
    ]
    assert len({article_key(Article("t", "x", url=u)) for u in urls}) == 1
    other = Article("t", "x", url="https://x.test/news/bridge?id=2")
    assert article_key(other) != article_key(Article("t", "x", url=urls[0]))


@pytest.mark.parametrize(
    ("claimed", "fetched", "kept"),
    [
        # The outlet's own copies: AMP, mobile and tracking links name the canonical page.
        ("https://www.dailynews.com/a", "https://amp.dailynews.com/a?utm_source=x", "claimed"),
        ("https://www.bbc.co.uk/news/1", "https://m.bbc.co.uk/news/1", "claimed"),
        # Another site, even under one public suffix, cannot claim the article.
        ("https://www.bbc.co.uk/news/1", "https://evil.co.uk/x", "fetched"),
        ("https://a.github.io/post", "https://b.github.io/post", "fetched"),
        ("https://victim-news.com/a", "https://attacker-news.net/a", "fetched"),
        # Hosts with no registrable domain: one host and port.
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", "claimed"),
        ("http://127.0.0.1:9000/a", "http://127.0.0.1:8000/b", "fetched"),
        ("http://localhost/a", "http://127.0.0.1/b", "fetched"),
        # Unusable claims.
        ("javascript:alert(1)", "https://x.test/b", "fetched"),
        ("https://user:pw@x.test/a", "https://x.test/b", "fetched"),
        ("", "https://x.test/b", "fetched"),
    ],
)
def test_a_canonical_claim_is_followed_only_within_the_fetched_site(claimed, fetched, kept) -> None:
    result = trusted_canonical(claimed, fetched)
    assert result == (claimed if kept == "claimed" else fetched)


def test_without_a_fetched_url_the_claim_stands() -> None:
    """A local file: the user chose it, as they choose --url."""
    assert trusted_canonical("https://x.test/a", "") == "https://x.test/a"
    assert trusted_canonical("ftp://x.test/a", "") == ""


def test_same_site_and_host_name() -> None:
    assert same_site("https://a.dailynews.com/x", "https://dailynews.com/y")
    assert not same_site("https://co.uk/x", "https://bbc.co.uk/y")
    assert host_name("https://www.bbc.co.uk/news") == "bbc.co.uk"
    assert host_name("http://127.0.0.1:8000/a") == "127.0.0.1"


def test_html_follows_a_canonical_link_on_its_own_site() -> None:
    html = page('<link rel="canonical" href="https://www.dailynews.com/bridge">')
    [article] = read_html(html, url="https://amp.dailynews.com/bridge?utm_source=x")
    assert article.url == "https://www.dailynews.com/bridge"


def test_html_follows_og_url_on_its_own_site() -> None:
    html = page('<meta property="og:url" content="https://dailynews.com/bridge-reopens">')
    [article] = read_html(html, url="https://dailynews.com/feed-item/991")
    assert article.url == "https://dailynews.com/bridge-reopens"


def test_a_page_claiming_another_outlets_url_keeps_its_own_url_and_name() -> None:
    html = page(
        '<link rel="canonical" href="https://www.victim-news.com/real-story">'
        '<meta property="og:url" content="https://www.victim-news.com/real-story">'
    )
    [article] = read_html(html, url="https://www.attacker-news.net/copy")
    assert article.url == "https://www.attacker-news.net/copy"
    assert article.source == "attacker-news.net"  # not the claimed outlet's host


def test_a_relative_canonical_is_resolved_on_the_page_site() -> None:
    html = page('<link rel="canonical" href="/bridge">')
    [article] = read_html(html, url="https://dailynews.com/feed/1")
    assert article.url in ("https://dailynews.com/bridge", "https://dailynews.com/feed/1")


def test_a_local_file_keeps_its_canonical_link() -> None:
    html = page('<link rel="canonical" href="https://dailynews.com/bridge">')
    [article] = read_html(html, origin="saved.html")
    assert article.url == "https://dailynews.com/bridge"


def test_one_article_under_two_urls_is_stored_once(hash_index) -> None:
    """Fetched twice, via a tracking link and via its AMP copy: one article."""
    canonical = '<link rel="canonical" href="https://www.dailynews.com/bridge">'
    first = read_html(page(canonical), url="https://www.dailynews.com/bridge?utm_source=rss")
    second = read_html(page(canonical), url="https://amp.dailynews.com/bridge")
    report = hash_index.ingest_articles(first + second)
    assert (report.articles_added, report.articles_skipped) == (1, 1)
    third = [Article("Bridge reopens", first[0].text, url="https://dailynews.com/bridge?fbclid=1")]
    assert hash_index.ingest_articles(third).articles_skipped == 1
    assert hash_index.stats().articles == 1


def test_the_stored_link_has_no_tracking_parameters(hash_index) -> None:
    hash_index.ingest_articles(
        [
            Article(
                "Bridge", "The harbour bridge reopened.", url="https://x.test/b?utm_source=a&id=4"
            )
        ]
    )
    hit = hash_index.search("harbour bridge")[0]
    assert hit.passage.url == "https://x.test/b?id=4"
