"""index.ingest.urls.clean_url: article links that are safe to store, link and show."""

from __future__ import annotations

import json
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.ingest.feeds import read_feed
from index.ingest.html import read_html
from index.ingest.jsonl import read_jsonl
from index.ingest.readers import read_inputs
from index.ingest.urls import MAX_URL_LENGTH, clean_url
from index.records import Article

BREAKOUT = "https://times.example/a)[phish](http://evil.example"
BREAKOUT_CLEAN = "https://times.example/a%29%5Bphish%5D%28http://evil.example"

# What a clean URL may contain: RFC 3986 unreserved and sub-delims minus ( ) ' *, the
# gen-delims that structure it, and % (only as %XX). [ ] only around an IPv6 host.
ALLOWED = set(string.ascii_letters + string.digits + "-._~" + "!$&+,;=" + ":/?#@%")
CLEAN = re.compile(
    r"https?://(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?"
    r"(?:[/?#](?:[A-Za-z0-9\-._~!$&+,;=:@/?#]|%[0-9A-Fa-f]{2})*)?"
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (BREAKOUT, BREAKOUT_CLEAN),
        ("https://example.com/news/story-1", "https://example.com/news/story-1"),
        ("https://example.com", "https://example.com"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("HTTPS://Example.COM:443/Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag"),
        ("http://example.com:80/", "http://example.com/"),
        ("http://example.com:443/", "http://example.com:443/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com:/x", "https://example.com/x"),
        ("https://example.com./x", "https://example.com/x"),
        ("https://127.0.0.1/x", "https://127.0.0.1/x"),
        ("https://[::1]:8443/x", "https://[::1]:8443/x"),
        ("https://[2001:DB8:0:0::1]/", "https://[2001:db8::1]/"),
        ("https://bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/100%/ok%2Fyes%2f", "https://example.com/100%25/ok%2Fyes%2f"),
        ("https://example.com/%zz%4", "https://example.com/%25zz%254"),
        ("https://example.com/?q=a&b=c;d#x#y", "https://example.com/?q=a&b=c;d#x%23y"),
        ("https://example.com/p?a=/b?c#/d?e", "https://example.com/p?a=/b?c#/d?e"),
        ("https://example.com/~user/!$&+,;=:@", "https://example.com/~user/!$&+,;=:@"),
    ],
)
def test_clean_url_examples(url: str, expected: str) -> None:
    assert clean_url(url) == expected


@pytest.mark.parametrize("char", list("()[]<>\"'* \\|^`{}"))
def test_markdown_and_unsafe_characters_are_percent_encoded(char: str) -> None:
    for part in ("/a{}b", "/?q={}x", "/#{}x"):
        url = "https://example.com" + part.format(char)
        assert clean_url(url) == url.replace(char, f"%{ord(char):02X}")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "example.com/a",
        "//evil.example/a",
        "javascript:alert(1)",
        "data:text/html,<script>",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "https:evil.example",
        "https:/evil.example",
        "https:\\\\evil.example",
        "https://",
        "https:///path",
        "https://user:pass@evil.example/",
        "https://good.example@evil.example/",
        "https://good.example\\@evil.example/",
        "https://evil.example /x",
        "https://evil.example/a\nb",
        "https://evil.example/a\tb",
        "https://evil.example/a\x00b",
        "https://evil.example/a\x7fb",
        "https://evil.example/a\u00a0b",
        "https://evil.example/a\u202eb",
        "https://evil.example/a\u200bb",
        "https://evil\u200b.example/",
        "https://evil.example/\ud800",
        "https://ex ample.com/",
        "https://exa_mple.com/",
        "https://-bad.example/",
        "https://bad-.example/",
        "https://a..b.example/",
        "https://" + "a" * 64 + ".example/",
        "https://%65vil.example/",
        "https://evil.example:99999/",
        "https://evil.example:8o/",
        "https://evil.example:-1/",
        "https://999.1.1.1/",
        "https://1.2.3/",
        "https://0x7f.1/",
        "https://[not-an-ip]/",
        "https://[::1/",
        "https://[fe80::1%25eth0]/",
        "https://example.com/" + "a" * MAX_URL_LENGTH,
    ],
)
def test_unusable_urls_are_empty(url: str) -> None:
    assert clean_url(url) == ""


def test_length_is_bounded_after_encoding() -> None:
    base = "https://example.com/"
    fits = base + "a" * (MAX_URL_LENGTH - len(base))
    assert clean_url(fits) == fits
    assert clean_url(fits + "a") == ""
    # Each "(" grows to three characters: the bound applies to what is stored.
    assert clean_url(base + "(" * (MAX_URL_LENGTH // 3)) == ""


URL_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTPS://",
        "javascript:",
        "example.com",
        "Times.Example",
        "[::1]",
        "127.0.0.1",
        ":443",
        ":80",
        ":8080",
        "@",
        "user:pass@",
        "/",
        "?",
        "#",
        "%",
        "%4",
        "%41",
        "%zz",
        "(",
        ")",
        "[",
        "]",
        "](",
        "[phish](http://evil.example)",
        "<",
        ">",
        '"',
        "'",
        "*",
        "\\",
        "|",
        "^",
        "`",
        "{",
        "}",
        " ",
        "\n",
        "\u200b",
        "\u202e",
        "é",
        "Ω",
        "😀",
        "<@123>",
        "@everyone",
    ]
)
URLS = st.one_of(
    st.text(max_size=60),
    st.lists(URL_PIECES | st.text(max_size=4), max_size=25).map("".join),
    st.tuples(
        st.sampled_from(["http://", "https://", "HTTP://"]),
        st.sampled_from(["example.com", "EXAMPLE.com", "127.0.0.1", "[::1]", "bücher.example"]),
        st.lists(URL_PIECES | st.text(max_size=4), max_size=25).map("".join),
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(URLS)
def test_clean_urls_hold_only_allowed_characters_and_are_idempotent(url: str) -> None:
    cleaned = clean_url(url)
    assert clean_url(cleaned) == cleaned
    if not cleaned:
        return
    assert len(cleaned) <= MAX_URL_LENGTH
    assert CLEAN.fullmatch(cleaned), cleaned
    host_end = cleaned.find("/", len("https://"))
    rest = cleaned[host_end:] if host_end >= 0 else ""
    assert set(rest) <= ALLOWED, rest
    assert not re.search(r"%(?![0-9A-Fa-f]{2})", cleaned)
    assert cleaned.count("#") <= 1


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["http", "https"]), st.text(max_size=40))
def test_any_path_of_a_good_host_is_kept_encoded(scheme: str, path: str) -> None:
    url = f"{scheme}://example.com/{path}"
    cleaned = clean_url(url)
    if cleaned:  # only whitespace and control characters make it unusable
        assert cleaned.startswith(f"{scheme}://example.com/")
    else:
        assert any((c.isspace() and c != " ") or not c.isprintable() for c in path)


def test_jsonl_article_with_a_breaking_out_url_is_stored_clean() -> None:
    line = json.dumps({"title": "T", "text": "Body.", "url": BREAKOUT})
    [article] = list(read_jsonl(iter([line]), origin="c.jsonl"))
    assert isinstance(article, Article)
    assert article.url == BREAKOUT_CLEAN
    assert not set("()[]<> ") & set(article.url)


def test_jsonl_article_with_an_unusable_url_is_still_stored_without_it() -> None:
    line = json.dumps({"title": "T", "text": "Body.", "url": "javascript:alert(1)"})
    [article] = list(read_jsonl(iter([line]), origin="c.jsonl"))
    assert isinstance(article, Article)
    assert (article.url, article.text) == ("", "Body.")


def test_feed_entry_links_are_cleaned() -> None:
    feed = f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title>
<item><title>One</title><link>{BREAKOUT.replace("&", "&amp;")}</link>
<description>First story.</description></item>
<item><title>Two</title><link>https://user:pw@evil.example/x</link>
<description>Second story.</description></item>
</channel></rss>"""
    one, two = read_feed(feed, origin="feed.xml")
    assert one.url == BREAKOUT_CLEAN
    assert two.url == ""
    assert two.source == "Wire"


def test_feed_without_title_takes_the_outlet_from_a_clean_link_only() -> None:
    feed = """<?xml version="1.0"?>
<rss version="2.0"><channel>
<item><title>One</title><link>https://News.Example/a</link><description>A.</description></item>
<item><title>Two</title><link>http://[broken/a</link><description>B.</description></item>
</channel></rss>"""
    one, two = read_feed(feed, origin="feed.xml")
    assert (one.url, one.source) == ("https://news.example/a", "news.example")
    assert (two.url, two.source) == ("", "")


def test_html_page_url_is_cleaned() -> None:
    body = "<p>" + "The council approved the new budget after a long debate. " * 5 + "</p>"
    html = f"<html><head><title>Budget</title></head><body><article>{body}</article></body></html>"
    [article] = read_html(html, url=BREAKOUT, origin="page.html")
    assert article.url == BREAKOUT_CLEAN
    [bad] = read_html(html, url="https://a b.example/", origin="page.html")
    assert bad.url == ""


def test_url_given_by_the_user_is_cleaned(tmp_path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A headline\nThe council approved the budget on Monday.\n")
    [article] = list(read_inputs([page], url=BREAKOUT))
    assert isinstance(article, Article)
    assert article.url == BREAKOUT_CLEAN
    [article] = list(read_inputs([page], url="javascript:alert(1)"))
    assert isinstance(article, Article)
    assert article.url == ""
