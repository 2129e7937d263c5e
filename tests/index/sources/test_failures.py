"""Sources that fail: error statuses, slow and huge answers, broken feeds, forbidden
redirects, a crash mid-poll. Each is reported in one line and loses nothing stored."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from index.sources.politeness import FetchLimits
from index.sources.poller import Poller
from index.sources.schedule import MAX_BACKOFF_S
from index.storage.store import Store
from tests.index.sources.conftest import LOOPBACK
from tests.index.sources.documents import RSS, Item, page, rss2, story
from tests.support.web import Reply


def _feed(web, *names):
    items = [Item(f"The {n} story", web.url(f"/{n}"), guid=n) for n in names]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    for name in names:
        web.route(f"/{name}", Reply(page(f"The {name} story", story(name))))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("status", [404, 500])
def test_an_error_status_backs_off_and_keeps_what_was_read(news, web, status):
    _feed(web, "dam")
    source = news.add_source(web.url("/feed"), every_minutes=30)
    news.poll()
    web.route("/feed", Reply(b"gone", status=status, content_type="text/plain"))

    now = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    waits = []
    for _ in range(3):
        [result] = news.poll(now=now)
        assert result.error.startswith(f"{source.url}: HTTP {status}")
        assert "\n" not in result.error and result.added == ()
        [state] = news.sources()
        waits.append((_at(state.next_poll_at) - now).total_seconds())
        assert news.poll(now=now) == []  # not due again before its backoff
        now = _at(state.next_poll_at)

    [state] = news.sources()
    assert state.failures == 3 and state.last_error == result.error
    assert waits == [2 * 1800, 4 * 1800, 8 * 1800]  # doubling from its interval
    assert news.stats().articles == 1  # what it read before is kept
    assert len(news.search("dam residents", k=1)) == 1

    _feed(web, "dam", "bridge")  # back
    [result] = news.poll(now=now)
    [state] = news.sources()
    assert result.error == "" and [a.title for a in result.added] == ["The bridge story"]
    assert (state.failures, state.last_error) == (0, "")
    assert (_at(state.next_poll_at) - now).total_seconds() == 1800


def test_backoff_is_capped_at_a_day(news, web):
    web.route("/feed", Reply(b"down", status=503, content_type="text/plain"))
    news.add_source(web.url("/feed"), every_minutes=600)
    now = datetime.now(UTC)
    for _ in range(6):
        [result] = news.poll(now=now)
        assert "HTTP 503" in result.error
        now = _at(news.sources()[0].next_poll_at)
    [state] = news.sources()
    assert _at(state.next_poll_at) - _at(state.last_polled_at) == timedelta(seconds=MAX_BACKOFF_S)
    assert state.failures == 6  # never dropped


def test_a_source_failing_is_announced_once_until_it_recovers(news, web):
    web.route("/feed", Reply(b"down", status=500, content_type="text/plain"))
    source = news.add_source(web.url("/feed"))
    for _ in range(2):
        news.poll(force=True)
    assert news.sources_to_announce(min_failures=3) == []
    news.poll(force=True)
    [failing] = news.sources_to_announce(min_failures=3)
    assert failing.url == source.url and failing.failures == 3
    news.mark_failure_announced(source.url)
    news.poll(force=True)
    assert news.sources_to_announce(min_failures=3) == []  # announced once, not every poll

    _feed(web, "dam")
    news.poll(force=True)  # recovers: a later failing streak is announced again
    assert not news.sources()[0].failure_announced
    web.route("/feed", Reply(b"down", status=500, content_type="text/plain"))
    for _ in range(3):
        news.poll(force=True)
    assert [s.url for s in news.sources_to_announce(min_failures=3)] == [source.url]


@pytest.fixture
def limited(news, tmp_path):
    """A poller on the same index whose fetches end after 0.5 s or 20,000 bytes."""
    store = Store(tmp_path / "index" / "news.sqlite3")
    poller = Poller(store, news.ingest_articles, LOOPBACK, limits=FetchLimits(0.5, 20_000))
    yield poller
    store.close()


def test_a_slow_answer_times_out_within_the_deadline(news, web, limited):
    _feed(web, "dam")
    web.route("/feed", Reply(rss2("Loop Wire", []), content_type=RSS, delay=3.0))
    news.add_source(web.url("/feed"))
    started = time.monotonic()
    [result] = limited.poll()
    assert time.monotonic() - started < 2.5
    assert result.error == f"{web.url('/feed')}: timed out: no complete answer within 0.5 s"
    assert news.sources()[0].failures == 1


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "streamed"])
def test_a_huge_body_is_refused_at_the_cap(news, web, limited, announced):
    huge = b"<rss><channel>" + b"<item><title>x</title></item>" * 10_000
    web.route("/feed", Reply(huge, content_type=RSS, length=announced))
    news.add_source(web.url("/feed"))
    [result] = limited.poll()
    assert result.error.startswith(f"{web.url('/feed')}: larger than 20000 bytes")
    assert news.stats().articles == 0


def test_a_slow_entry_page_is_reported_and_retried(news, web, limited):
    _feed(web, "dam", "bridge")
    web.route("/bridge", Reply(page("Bridge", story("bridge")), delay=3.0))
    news.add_source(web.url("/feed"))
    [result] = limited.poll()
    assert [a.title for a in result.added] == ["The dam story"]
    [problem] = result.problems
    assert problem.startswith(f"{web.url('/bridge')}: timed out")

    web.route("/bridge", Reply(page("Bridge", story("bridge"))))
    [again] = limited.poll(force=True)  # a transient failure: read at the next poll
    assert [a.title for a in again.added] == ["The bridge story"] and again.problems == ()


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title><item><title>A',
        b"<?xml version='1.0'?><rss><<<<>>>>",
    ],
)
def test_malformed_xml_is_a_one_line_error(news, web, body):
    web.route("/feed", Reply(body, content_type=RSS))
    source = news.add_source(web.url("/feed"))
    [result] = news.poll()
    assert result.error.startswith(f"{source.url}: not a readable RSS/Atom feed (malformed feed:")
    assert "\n" not in result.error
    assert news.sources()[0].failures == 1


def test_an_html_page_where_a_feed_was_is_an_error(news, web):
    _feed(web, "dam")
    news.add_source(web.url("/feed"))
    news.poll()
    web.route("/feed", Reply(b"<html><body><p>We moved.</p></body></html>"))
    [result] = news.poll(force=True)
    assert result.error == f"{web.url('/feed')}: not an RSS or Atom feed"
    assert news.stats().articles == 1


def test_an_entry_redirecting_to_a_forbidden_address_is_refused_and_the_rest_read(news, web):
    """The redirect target is link-local (the cloud metadata address): refused even
    though private addresses are allowed, before any connection is tried."""
    _feed(web, "dam", "meta")
    metadata = "http://169.254.169.254/latest/meta-data/"
    web.route("/meta", Reply(b"", status=302, headers={"Location": metadata}))
    news.add_source(web.url("/feed"))

    [result] = news.poll()

    assert [a.title for a in result.added] == ["The dam story"]
    [problem] = result.problems
    assert problem.startswith(f"{web.url('/meta')}: refused: redirected to {metadata}")
    assert "link-local" in problem and "\n" not in problem
    assert result.error == "" and news.sources()[0].failures == 0
    # A refusal is permanent: the entry is not fetched again at every poll.
    news.poll(force=True)
    assert len(web.requests_to("/meta")) == 1


def test_a_crash_before_the_entries_are_marked_loses_nothing(news, web, tmp_path):
    """Entries are marked read only after their articles are committed: a poll that
    dies halfway through ingesting reads them all again, and stores none twice."""
    _feed(web, "dam", "bridge", "tunnel")
    news.add_source(web.url("/feed"))

    def crash_after_first(articles):
        first = next(iter(articles))
        news.ingest_articles([first])
        raise RuntimeError("killed")

    store = Store(tmp_path / "index" / "news.sqlite3")
    try:
        with pytest.raises(RuntimeError, match="killed"):
            Poller(store, crash_after_first, LOOPBACK).poll()
    finally:
        store.close()
    assert news.stats().articles == 1

    [result] = news.poll(force=True)

    assert sorted(a.title for a in result.added) == ["The bridge story", "The tunnel story"]
    assert news.stats().articles == 3


def test_private_addresses_are_refused_unless_allowed(tmp_path, web):
    from index.config import SourcesConfig
    from tests.index.sources.conftest import open_index

    _feed(web, "dam")
    with open_index(tmp_path / "strict", SourcesConfig()) as strict:
        strict.add_source(web.url("/feed"))
        [result] = strict.poll()
    assert "loopback" in result.error and "allow_private_addresses" in result.error
    assert web.requests() == []
