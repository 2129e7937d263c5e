"""Ingesting from URLs, against a loopback HTTP server serving a feed and a page."""

import http.server
import threading
from typing import ClassVar

import pytest

from index.errors import InputError
from index.ingest.readers import read_path
from index.records import Article, Problem

FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loop Wire</title>
<item><title>Harbour bridge reopens</title><link>http://127.0.0.1/bridge</link>
<pubDate>Mon, 02 Jun 2025 09:00:00 GMT</pubDate>
<description>The harbour bridge reopened to traffic after repairs.</description></item>
</channel></rss>"""
PAGE = (
    "<!DOCTYPE html><html><head><title>Council votes on budget</title>"
    '<meta property="og:site_name" content="Loop Gazette"></head><body><nav>Menu</nav><article>'
    + "".join(f"<p>The city council approved the budget, paragraph {i}.</p>" for i in range(6))
    + "</article></body></html>"
).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {
        "/feed": ("application/rss+xml", FEED),
        "/page": ("text/html; charset=utf-8", PAGE),
        "/empty": ("text/plain", b""),
        "/truncated": ("text/plain", b"The first half of an article"),
    }

    def do_GET(self):
        if self.path not in self.routes:
            self.send_error(404, "Not Found")
            return
        kind, body = self.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        # /truncated promises more than it sends; the HTTP/1.0 server then closes.
        extra = 1000 if self.path == "/truncated" else 0
        self.send_header("Content-Length", str(len(body) + extra))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_feed_url(server):
    [article] = list(read_path(f"{server}/feed", allow_private=True))
    assert isinstance(article, Article)
    assert article.title == "Harbour bridge reopens" and article.source == "Loop Wire"
    assert article.published == "2025-06-02"


def test_html_url_keeps_the_address(server):
    [article] = list(read_path(f"{server}/page", allow_private=True))
    assert isinstance(article, Article)
    assert "council approved the budget" in article.text and "Menu" not in article.text
    assert article.url == f"{server}/page"


def test_http_errors_are_one_line(server):
    with pytest.raises(InputError, match="HTTP 404"):
        list(read_path(f"{server}/missing", allow_private=True))
    with pytest.raises(InputError, match="empty"):
        list(read_path(f"{server}/empty", allow_private=True))


def test_unreachable_url_is_an_input_error():
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    with pytest.raises(InputError, match="cannot fetch"):
        list(read_path("http://127.0.0.1:9/feed", allow_private=True))


def test_engine_ingests_urls_beside_files(hash_index, server, sample_page):
    report = hash_index.ingest_paths(
        [f"{server}/feed", str(sample_page), f"{server}/missing"], allow_private=True
    )
    assert report.articles_added == 5
    [problem] = report.problems
    assert isinstance(problem, Problem) and "404" in str(problem)
    assert f"{server}/missing" in str(problem)


@pytest.mark.parametrize("url", ["http://[", "http://127.0.0.1:abc/"])
def test_malformed_url_is_an_input_error(url):
    with pytest.raises(InputError, match=r"^http://.*: (not a valid address|cannot fetch)"):
        list(read_path(url, allow_private=True))


def test_a_body_cut_short_is_not_ingested(server):
    with pytest.raises(InputError, match="closed after 28 bytes"):
        list(read_path(f"{server}/truncated", allow_private=True))


def test_a_loopback_url_is_refused_unless_private_addresses_are_allowed(
    server, hash_index, tmp_path
):
    """The default: `newsdesk ingest URL` reads only public addresses; the config key
    `[sources] allow_private_addresses = true` opens loopback for the CLI."""
    report = hash_index.ingest_paths([f"{server}/feed"])
    assert report.articles_added == 0
    assert len(report.problems) == 1 and "loopback" in str(report.problems[0])
    from index.cli import main

    config = tmp_path / "config.toml"
    config.write_text('[index]\nmodel = "hash-256"\n[sources]\nallow_private_addresses = true\n')
    index_dir = str(tmp_path / "cli-index")
    assert main(["--config", str(config), "--index", index_dir, "ingest", f"{server}/feed"]) == 0
