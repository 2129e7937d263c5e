"""Adding, listing and removing sources; when each is due; entries kept bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from index.errors import InputError
from index.sources.rows import SourceRows
from index.sources.schedule import backoff_s, parse_interval, show_interval
from index.storage.store import Store
from tests.index.sources.conftest import open_index
from tests.index.sources.documents import RSS, Item, page, rss2, story
from tests.support.web import Reply


def test_adding_cleans_the_url_and_adding_again_sets_the_interval(news):
    first = news.add_source("HTTP://News.Example.com:80/rss#top")
    assert first.url == "http://news.example.com/rss#top"
    assert (first.kind, first.every_s, first.failures, first.articles) == ("auto", 1800, 0, 0)
    again = news.add_source("http://news.example.com/rss#top", every_minutes=120)
    assert again.every_s == 7200 and again.added_at == first.added_at
    assert [s.url for s in news.sources()] == [first.url]


@pytest.mark.parametrize(
    "url", ["ftp://news.example.com/rss", "file:///etc/passwd", "news.example.com", "", "http://"]
)
def test_only_http_addresses_can_be_sources(news, url):
    with pytest.raises(InputError, match="not an http\\(s\\) address"):
        news.add_source(url)
    assert news.sources() == []


@pytest.mark.parametrize("minutes", [0.5, 0, -5, 8 * 24 * 60])
def test_an_interval_outside_a_minute_to_a_week_is_refused(news, minutes):
    with pytest.raises(InputError, match="between 60 s and 7 days"):
        news.add_source("https://news.example.com/rss", every_minutes=minutes)


def test_removing_a_source_keeps_its_articles(news, web):
    web.route("/feed", Reply(rss2("Loop Wire", [Item("Dam", web.url("/dam"))]), content_type=RSS))
    web.route("/dam", Reply(page("Dam", story("dam"))))
    source = news.add_source(web.url("/feed"))
    news.poll()
    assert news.remove_source(source.url)
    assert not news.remove_source(source.url)
    assert news.sources() == [] and news.poll(force=True) == []
    assert news.stats().articles == 1


def test_a_source_is_due_at_once_then_after_its_interval(news, web):
    web.route("/feed", Reply(rss2("Loop Wire", []), content_type=RSS))
    news.add_source(web.url("/feed"), every_minutes=30)
    now = datetime.now(UTC)
    [result] = news.poll(now=now)
    assert result.error == "" and result.added == ()  # an empty feed is no error
    assert news.poll(now=now + timedelta(minutes=29)) == []
    assert len(news.poll(now=now + timedelta(minutes=31))) == 1
    assert len(news.poll(force=True, now=now + timedelta(minutes=31))) == 1


def test_a_page_source_is_read_again_and_replaced_when_it_changes(news, web):
    web.route("/live", Reply(page("Election night", story("vote count"))))
    source = news.add_source(web.url("/live"))
    [first] = news.poll()
    assert news.sources()[0].kind == "page" and news.sources()[0].title == "Election night"
    assert [a.url for a in first.added] == [source.url] and first.backlog
    passages = news.stats().passages

    [same] = news.poll(force=True)
    assert same.added == () and same.updated == ()

    web.route("/live", Reply(page("Election night", story("final result"))))
    [changed] = news.poll(force=True)
    assert changed.added == () and [a.url for a in changed.updated] == [source.url]
    stats = news.stats()
    assert stats.articles == 1 and stats.passages == passages
    texts = " ".join(p.text for p in news.all_passages())
    assert "final result" in texts and "vote count" not in texts
    assert news.sources()[0].articles == 2  # added once, updated once


def test_entries_no_longer_listed_are_forgotten_after_the_retention(tmp_path, web):
    items = [
        Item(f"Story {i}", web.url(f"/s{i}"), "Some teaser text.", guid=f"g{i}") for i in range(3)
    ]
    for i in range(3):
        web.route(f"/s{i}", Reply(page(f"Story {i}", story(f"topic {i}"))))
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    with open_index(tmp_path / "index", retention_days=10) as news:
        source = news.add_source(web.url("/feed"))
        now = datetime.now(UTC)
        news.poll(now=now)
        store = Store(tmp_path / "index" / "news.sqlite3")
        rows = SourceRows(store)
        assert rows.entries(source.url) == 3

        web.route("/feed", Reply(rss2("Loop Wire", items[2:]), content_type=RSS))
        news.poll(force=True, now=now + timedelta(days=5))
        assert rows.entries(source.url) == 3  # unlisted, but read only 5 days ago
        news.poll(force=True, now=now + timedelta(days=11))
        assert rows.entries(source.url) == 1  # the one still listed stays, however old
        assert news.stats().articles == 3
        store.close()


def test_intervals_as_people_write_them():
    assert [parse_interval(t) for t in ("90s", "30m", "2h", "1d", "45", " 2H ")] == [
        90,
        1800,
        7200,
        86400,
        2700,
        7200,
    ]
    for bad in ("30 minutes", "1w", "-5m", "", "2.5h", "10s"):
        with pytest.raises(InputError):
            parse_interval(bad)
    assert [show_interval(s) for s in (90, 1800, 7200, 86400)] == ["90s", "30m", "2h", "1d"]


def test_backoff_doubles_and_stops_at_a_day():
    assert [backoff_s(1800, n) for n in (1, 2, 3, 5, 6, 40)] == [
        3600,
        7200,
        14400,
        57600,
        86400,
        86400,
    ]
    assert backoff_s(3 * 86400, 1) == 3 * 86400  # an interval over a day is not shortened
