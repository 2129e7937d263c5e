"""robots.txt for article pages, and the spacing of requests to one host."""

from __future__ import annotations

import itertools
from dataclasses import replace

from tests.index.sources.conftest import LOOPBACK, open_index
from tests.index.sources.documents import RSS, Item, page, rss2, story
from tests.support.web import Reply

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def test_robots_txt_keeps_article_pages_unfetched(news, web):
    web.route("/robots.txt", Reply(ROBOTS, content_type="text/plain"))
    items = [
        Item("Open story", web.url("/open"), "Teaser of the open story."),
        Item("Closed story", web.url("/private/closed"), "The feed's own teaser of it."),
        Item("Closed, no text", web.url("/private/bare")),
    ]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    web.route("/open", Reply(page("Open story", story("open air market"))))
    web.route("/private/closed", Reply(page("Closed", story("secret"))))
    news.add_source(web.url("/feed"))

    [result] = news.poll()

    assert not [r for r in web.requests() if r.path.startswith("/private/")]
    assert len(web.requests_to("/robots.txt")) == 1  # once per host, cached
    # The feed's own text of a page robots.txt closes is still the feed's to give.
    assert sorted(a.title for a in result.added) == ["Closed story", "Open story"]
    assert result.problems == (f"{web.url('/private/bare')}: robots.txt does not allow this page",)
    texts = " ".join(p.text for p in news.all_passages())
    assert "feed's own teaser" in texts and "secret" not in texts


def test_robots_txt_closes_a_page_source(news, web):
    web.route("/robots.txt", Reply(ROBOTS, content_type="text/plain"))
    web.route("/private/page", Reply(page("Closed", story("secret"))))
    news.add_source(web.url("/private/page"))
    [result] = news.poll()
    assert (
        result.error == f"{web.url('/private/page')}: robots.txt does not allow fetching this page"
    )
    assert news.stats().articles == 0
    # Added as "auto", it was fetched once to learn it is a page; never again.
    assert news.sources()[0].kind == "page"
    news.poll(force=True)
    assert len(web.requests_to("/private/page")) == 1


def test_a_robots_txt_that_fails_postpones_the_pages(tmp_path, web):
    """RFC 9309: a server error on robots.txt means nothing may be fetched yet; a
    missing one (404) means everything may. The feed itself is read either way."""
    web.route("/robots.txt", Reply(b"oops", status=503, content_type="text/plain"))
    items = [Item("Dam opens", web.url("/dam"))]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    web.route("/dam", Reply(page("Dam opens", story("dam"))))
    with open_index(tmp_path / "index") as news:
        news.add_source(web.url("/feed"))
        [feed] = news.poll()
    assert feed.added == () and feed.error == ""
    assert feed.problems == (
        f"{web.url('/dam')}: robots.txt could not be read; trying again later",
    )
    assert web.requests_to("/dam") == []

    web.route("/robots.txt", Reply(b"nothing here", status=404, content_type="text/plain"))
    with open_index(tmp_path / "index") as news:  # a later process: robots.txt read again
        [again] = news.poll(force=True)
    assert [a.title for a in again.added] == ["Dam opens"] and again.problems == ()


def test_requests_to_one_host_are_spaced_by_the_host_interval(tmp_path, web):
    interval = 0.2
    names = [f"story{i}" for i in range(5)]
    items = [Item(f"Story {n}", web.url(f"/{n}")) for n in names]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    for name in names:
        web.route(f"/{name}", Reply(page(name, story(name))))
    sources = replace(LOOPBACK, host_interval_s=interval, parallel_fetches=4)
    with open_index(tmp_path / "index", sources) as news:
        news.add_source(web.url("/feed"))
        [result] = news.poll()

    assert len(result.added) == 5
    times = sorted(r.at for r in web.requests())
    assert len(times) == 7  # robots.txt, the feed, five pages
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Arrival times at the server carry the scheduling jitter of a busy machine (up to
    # ~50 ms measured at a load of 9 on 2 cores) on top of the client's spacing: each
    # gap is checked loosely, the whole span strictly. Unpaced, four fetches at once
    # arrive within a few ms of each other.
    assert min(gaps) >= interval / 2, gaps
    assert times[-1] - times[0] >= (len(times) - 1) * interval - 0.05, gaps


def test_fetches_at_once_are_bounded(tmp_path, web):
    """With two fetches allowed at once and no pacing, four slow pages take two rounds."""
    names = [f"slow{i}" for i in range(4)]
    items = [Item(f"Story {n}", web.url(f"/{n}")) for n in names]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    for name in names:
        web.route(f"/{name}", Reply(page(name, story(name)), delay=0.3))
    sources = replace(LOOPBACK, parallel_fetches=2)
    with open_index(tmp_path / "index", sources) as news:
        news.add_source(web.url("/feed"))
        [result] = news.poll()
    assert len(result.added) == 4
    starts = sorted(r.at for r in web.requests() if r.path.startswith("/slow"))
    # The third request starts only once one of the first two has been answered.
    assert starts[2] - starts[0] >= 0.25, starts
    assert starts[1] - starts[0] < 0.25, starts  # but two do run at once
