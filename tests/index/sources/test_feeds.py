"""Polling RSS 2.0, RSS 1.0 and Atom feeds served on 127.0.0.1: what is read, once."""

from __future__ import annotations

import pytest

from tests.index.sources.documents import ATOM, RDF, RSS, Item, atom, page, rss1, rss2, story
from tests.support.web import Reply


def _serve_pages(web, names):
    for name in names:
        web.route(f"/{name}", Reply(page(f"The {name} story", story(name))))


@pytest.mark.parametrize(
    ("build", "content_type"),
    [(rss2, RSS), (rss1, RDF), (atom, ATOM)],
    ids=["rss2", "rss1", "atom"],
)
def test_each_feed_format_is_read_entry_by_entry_from_the_pages(news, web, build, content_type):
    items = [
        Item("Dam opens", web.url("/dam"), "Teaser about the dam."),
        Item("Bridge closes", web.url("/bridge"), "Teaser about the bridge."),
    ]
    web.route("/feed", Reply(build("Loop Wire", items), content_type=content_type))
    _serve_pages(web, ["dam", "bridge"])
    news.add_source(web.url("/feed"))

    [result] = news.poll()

    assert result.error == "" and result.problems == ()
    assert result.backlog  # a new source's entries were published before it was added
    assert result.title == "Loop Wire"
    assert [a.title for a in result.added] == ["Dam opens", "Bridge closes"]
    assert [a.url for a in result.added] == [web.url("/dam"), web.url("/bridge")]
    hit = news.search("dam opening residents crews", k=1)[0].passage
    assert hit.article_id == result.added[0].article_id
    assert (
        "Residents gathered near the site to watch the dam" in hit.text
    )  # the page, not the teaser
    assert hit.source == "Loop Gazette" and hit.published == "2025-06-02"
    [source] = news.sources()
    assert (source.kind, source.title, source.articles, source.failures) == (
        "feed",
        "Loop Wire",
        2,
        0,
    )
    assert source.last_success_at and source.next_poll_at > source.last_success_at


def test_entries_repeating_across_polls_are_ingested_once(news, web):
    first = [Item("Dam opens", web.url("/dam"), guid="wire-1")]
    web.route("/feed", Reply(rss2("Loop Wire", first), content_type=RSS))
    _serve_pages(web, ["dam", "bridge"])
    news.add_source(web.url("/feed"))
    [one] = news.poll()
    assert len(one.added) == 1

    second = [Item("Bridge closes", web.url("/bridge"), guid="wire-2"), *first]
    web.route("/feed", Reply(rss2("Loop Wire", second), content_type=RSS))
    [two] = news.poll(force=True)
    [three] = news.poll(force=True)

    assert [a.title for a in two.added] == ["Bridge closes"] and not two.backlog
    assert three.added == () and three.updated == () and three.error == ""
    assert len(web.requests_to("/dam")) == 1  # a seen entry's page is not fetched again
    assert len(web.requests_to("/bridge")) == 1
    assert news.stats().articles == 2
    assert news.sources()[0].articles == 2


def test_an_unchanged_feed_answers_304_to_the_conditional_get(news, web):
    items = [Item("Dam opens", web.url("/dam"))]
    modified = "Mon, 02 Jun 2025 09:00:00 GMT"
    web.route(
        "/feed",
        Reply(
            rss2("Loop Wire", items),
            content_type=RSS,
            etag='"v1"',
            headers={"Last-Modified": modified},
        ),
    )
    _serve_pages(web, ["dam"])
    news.add_source(web.url("/feed"))
    news.poll()

    [again] = news.poll(force=True)

    assert again.not_modified and again.added == () and again.error == ""
    first, second = web.requests_to("/feed")
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == modified
    assert news.sources()[0].last_success_at  # a 304 is a success
    assert news.stats().articles == 1


def test_a_feed_carrying_the_full_text_is_read_without_fetching_pages(news, web):
    full = " ".join(story("harbour festival", 8))
    items = [Item("Harbour festival", web.url("/festival"), "A teaser.", content=full)]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    news.add_source(web.url("/feed"))

    [result] = news.poll()

    assert len(result.added) == 1
    assert web.requests_to("/festival") == []
    hit = news.search("harbour festival residents", k=1)[0].passage
    assert "harbour festival" in hit.text and hit.source == "Loop Wire"


def test_an_entry_without_a_link_is_read_from_the_feed(news, web):
    items = [Item("Storm warning", "", "The weather service warned of a storm along the coast.")]
    web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
    news.add_source(web.url("/feed"))
    [result] = news.poll()
    assert [a.title for a in result.added] == ["Storm warning"]


def test_an_atom_entry_updated_in_place_replaces_its_passages(news, web):
    url = web.url("/dam")
    web.route("/feed", Reply(atom("Loop Wire", [Item("Dam opens", url)]), content_type=ATOM))
    web.route("/dam", Reply(page("Dam opens", story("dam opening"))))
    news.add_source(web.url("/feed"))
    [first] = news.poll()
    passages = news.stats().passages

    changed = [Item("Dam opens", url, updated="2025-06-02T15:00:00Z")]
    web.route("/feed", Reply(atom("Loop Wire", changed), content_type=ATOM))
    web.route("/dam", Reply(page("Dam opens", story("reservoir flooding"))))
    [second] = news.poll(force=True)

    assert second.added == () and [a.url for a in second.updated] == [url]
    stats = news.stats()
    assert stats.articles == 1 and stats.passages == passages  # replaced, not added
    texts = " ".join(p.text for p in news.all_passages())
    assert "reservoir flooding" in texts and "dam opening" not in texts
    assert second.updated[0].article_id != first.added[0].article_id  # the new version's row


def test_two_outlets_feeds_reporting_one_event_make_one_story(news, web):
    """Two outlets' feeds, each entry's page from its own site, about one flood: one
    story, each answer naming the other outlet; `latest` lists it once."""
    flood = [
        "The Loop river burst its banks at Marlow on Monday, flooding two hundred homes.",
        "Rescue crews evacuated residents of the Marlow flood overnight by boat.",
        "The Marlow flood is the worst on the Loop river since records began.",
    ]
    web.route(
        "/a/feed", Reply(rss2("Wire A", [Item("Marlow flood", web.url("/a/1"))]), content_type=RSS)
    )
    web.route(
        "/b/feed",
        Reply(rss2("Wire B", [Item("Floods at Marlow", web.url("/b/1"))]), content_type=RSS),
    )
    web.route("/a/1", Reply(page("Marlow flood", flood, site="Wire A")))
    web.route("/b/1", Reply(page("Floods at Marlow", [*flood[1:], flood[0]], site="Wire B")))
    web.route("/c/feed", Reply(rss2("Wire C", [Item("Rates", web.url("/c/1"))]), content_type=RSS))
    web.route("/c/1", Reply(page("Bank raises rates", story("interest rate rise"), site="Wire C")))
    for name in "abc":
        news.add_source(web.url(f"/{name}/feed"))

    results = news.poll()

    assert all(not r.error for r in results) and sum(len(r.added) for r in results) == 3
    answer = news.answer("How many homes did the Loop river flood at Marlow?", now=None)
    assert answer.hit is not None and answer.hit.passage.source in {"Wire A", "Wire B"}
    other = ({"Wire A", "Wire B"} - {answer.hit.passage.source}).pop()
    assert other in answer.also_reported_by and "Wire C" not in answer.also_reported_by
    latest = news.latest(10, now=None)
    assert len(latest) == 2
    [flood_story] = [s for s in latest if s.articles == 2]
    assert {flood_story.outlet, *flood_story.also_reported_by} == {"Wire A", "Wire B"}
