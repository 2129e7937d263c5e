"""Follows, digests, feed channels and the alert tick through the engine (fake embedder,
real SQLite and FAISS, feeds served on 127.0.0.1): what is posted, once, where; what
is edited; what the hourly limit batches; what survives a reopen; what one server
may see of another's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from index.config import AlertsConfig, IndexConfig
from index.engine import NewsIndex
from index.errors import InputError
from tests.index.sources.conftest import LOOPBACK
from tests.index.sources.documents import RSS, Item, page, rss2
from tests.support.embedders import HashEmbedder
from tests.support.web import Reply, WebServer

GUILD, OTHER_GUILD = 1, 2
CHANNEL, SECOND_CHANNEL = 10, 11
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
FLOOD = [
    "The Loop river burst its banks at Marlow on Monday, flooding two hundred homes.",
    "Rescue crews evacuated residents of the Marlow flood overnight by boat.",
]
FLOOD_B = [
    "Rescue crews evacuated residents of the Marlow flood overnight by boat.",
    "The Loop river burst its banks at Marlow on Monday, flooding two hundred homes.",
]
EVENTS = {
    "rates": "The central bank raised interest rates by half a point, citing inflation.",
    "fire": "A wildfire burned across the hills above Port Sable, destroying forty homes.",
    "strike": "Dock workers at Greyhaven walked off the job at dawn, halting container traffic.",
    "vote": "Voters in Eastland elected a new parliament with turnout at a record high.",
    "quake": "An earthquake shook the island of Velmar, cracking roads near the harbour.",
    "drought": "Farmers in the Sorrel valley asked for aid after a third summer of drought.",
    "rail": "The Northern line reopened after engineers replaced a collapsed rail bridge.",
    "vaccine": "Health officials approved a new measles vaccine for children under five.",
}


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


def open_index(path: Path, **alerts: object) -> NewsIndex:
    return NewsIndex.open(
        path,
        IndexConfig(path=str(path)),
        HashEmbedder(),
        sources=LOOPBACK,
        alerts=AlertsConfig(**alerts),  # type: ignore[arg-type]
    )


@pytest.fixture
def news(tmp_path: Path) -> Iterator[NewsIndex]:
    index = open_index(tmp_path / "index")
    yield index
    index.close()


def serve(web: WebServer, path: str, outlet: str, items: list[tuple[str, list[str]]]) -> None:
    """A feed of `outlet` at `path` listing these (headline, paragraphs), each a page of
    its own site."""
    for n, (title, paragraphs) in enumerate(items):
        web.route(f"{path}/{n}", Reply(page(title, paragraphs, site=outlet)))
    feed = rss2(outlet, [Item(t, web.url(f"{path}/{n}")) for n, (t, _) in enumerate(items)])
    web.route(path, Reply(feed, content_type=RSS))


def watch_feed(news: NewsIndex, web: WebServer, **filters: str) -> None:
    """Wire A's feed, empty, followed by the index (its first poll done: no backlog) and
    routed to CHANNEL from T0."""
    serve(web, "/a", "Wire A", [])
    news.add_source(web.url("/a"))
    news.route_feed(GUILD, CHANNEL, web.url("/a"), now=T0, **filters)
    news.poll(now=T0)


def send_all(news: NewsIndex, now: datetime, message_ids: Iterator[int]) -> list[object]:
    """One alert tick, every post and batch 'sent' (as the bot would)."""
    outbox = news.alerts(now)
    for edit in outbox.edits:
        news.alert_edited(edit.post_id)
    for post in outbox.posts:
        news.alert_sent([post.post_id], post.channel_id, next(message_ids), now)
    for batch in outbox.batches:
        news.alert_sent(batch.post_ids, batch.channel_id, next(message_ids), now)
    return [*outbox.edits, *outbox.posts, *outbox.batches]


def ids() -> Iterator[int]:
    return iter(range(1000, 10**6))


def test_a_new_source_backlog_and_what_came_before_a_feed_channel_are_never_posted(news, web):
    serve(web, "/a", "Wire A", [("Old news", FLOOD)])
    news.add_source(web.url("/a"))
    news.poll(now=T0)  # the first poll: backlog
    news.route_feed(GUILD, CHANNEL, web.url("/a"), now=T0)
    assert not news.alerts(T0 + timedelta(minutes=1))

    serve(web, "/a", "Wire A", [("Old news", FLOOD), ("Rates", [EVENTS["rates"]])])
    news.poll(force=True, now=T0 + timedelta(minutes=5))
    outbox = news.alerts(T0 + timedelta(minutes=6))

    [post] = outbox.posts
    assert (post.guild_id, post.channel_id, post.reason) == (GUILD, CHANNEL, "feed")
    assert post.card.headline == "Rates" and post.card.outlet == "Wire A"
    assert post.card.url == web.url("/a/1") and post.role_id is None
    assert "interest rates" in post.card.sentence


def test_a_story_is_posted_once_and_a_second_outlet_edits_it(news, web):
    serve(web, "/a", "Wire A", [])
    serve(web, "/b", "Wire B", [])
    for path in ("/a", "/b"):
        news.add_source(web.url(path))
        news.route_feed(GUILD, CHANNEL, web.url(path), now=T0)
    news.poll(now=T0)
    serve(web, "/a", "Wire A", [("Marlow flood", FLOOD)])
    news.poll(force=True, now=T0 + timedelta(minutes=1))
    messages = ids()

    [post] = send_all(news, T0 + timedelta(minutes=2), messages)
    assert post.card.also_reported_by == ()  # type: ignore[attr-defined]
    assert send_all(news, T0 + timedelta(minutes=3), messages) == []  # nothing twice

    serve(web, "/b", "Wire B", [("Floods at Marlow", FLOOD_B)])
    news.poll(force=True, now=T0 + timedelta(minutes=4))
    outbox = news.alerts(T0 + timedelta(minutes=5))

    assert outbox.posts == () and outbox.batches == ()
    [edit] = outbox.edits
    assert edit.message_id == 1000 and edit.card.also_reported_by == ("Wire B",)
    news.alert_edited(edit.post_id)
    assert not news.alerts(T0 + timedelta(minutes=6))


def test_the_hourly_limit_posts_some_batches_one_and_the_rest_wait(tmp_path, web):
    news = open_index(tmp_path / "index", posts_per_hour=3)
    watch_feed(news, web)
    serve(web, "/a", "Wire A", [(k.title(), [v]) for k, v in EVENTS.items()])
    news.poll(force=True, now=T0 + timedelta(minutes=1))
    messages = ids()

    outbox = news.alerts(T0 + timedelta(minutes=2))
    assert len(outbox.posts) == 2 and len(outbox.batches) == 1  # 3 messages in all
    assert len(outbox.batches[0].cards) == len(EVENTS) - 2
    send_all(news, T0 + timedelta(minutes=2), messages)
    assert not news.alerts(T0 + timedelta(minutes=30))  # every story went out
    news.close()


def test_stories_over_the_limit_wait_for_the_next_hour(tmp_path, web):
    news = open_index(tmp_path / "index", posts_per_hour=1)
    watch_feed(news, web)
    serve(web, "/a", "Wire A", [("Rates", [EVENTS["rates"]])])
    news.poll(force=True, now=T0 + timedelta(minutes=1))
    messages = ids()
    assert len(send_all(news, T0 + timedelta(minutes=2), messages)) == 1

    serve(web, "/a", "Wire A", [("Rates", [EVENTS["rates"]]), ("Fire", [EVENTS["fire"]])])
    news.poll(force=True, now=T0 + timedelta(minutes=3))
    assert not news.alerts(T0 + timedelta(minutes=4))  # the hour's one message is spent
    [later] = news.alerts(T0 + timedelta(minutes=63)).posts
    assert later.card.headline == "Fire"
    news.close()


def test_a_reopened_index_posts_nothing_twice_and_what_arrived_meanwhile_once(tmp_path, web):
    path = tmp_path / "index"
    news = open_index(path)
    watch_feed(news, web)
    serve(web, "/a", "Wire A", [("Rates", [EVENTS["rates"]])])
    news.poll(force=True, now=T0 + timedelta(minutes=1))
    messages = ids()
    assert len(send_all(news, T0 + timedelta(minutes=2), messages)) == 1
    # Polled while no bot was posting (a cron job), then the bot starts again.
    serve(web, "/a", "Wire A", [("Rates", [EVENTS["rates"]]), ("Fire", [EVENTS["fire"]])])
    news.poll(force=True, now=T0 + timedelta(minutes=3))
    news.close()

    reopened = open_index(path)
    [post] = reopened.alerts(T0 + timedelta(minutes=10)).posts
    assert post.card.headline == "Fire"
    reopened.close()


def test_a_planned_post_not_yet_sent_survives_a_reopen(tmp_path, web):
    path = tmp_path / "index"
    news = open_index(path)
    watch_feed(news, web)
    serve(web, "/a", "Wire A", [("Rates", [EVENTS["rates"]])])
    news.poll(force=True, now=T0 + timedelta(minutes=1))
    first = news.alerts(T0 + timedelta(minutes=2)).posts  # planned, the bot died before sending
    news.close()

    reopened = open_index(path)
    again = reopened.alerts(T0 + timedelta(minutes=3)).posts
    assert [p.post_id for p in again] == [p.post_id for p in first] and len(first) == 1
    reopened.close()


def test_include_and_exclude_words_filter_a_feed_channel(news, web):
    watch_feed(news, web, include="homes, harbour", exclude="wildfire")
    serve(web, "/a", "Wire A", [(k.title(), [v]) for k, v in EVENTS.items()])
    news.poll(force=True, now=T0 + timedelta(minutes=1))

    headlines = {p.card.headline for p in news.alerts(T0 + timedelta(minutes=2)).posts}

    # "homes" is in the fire story (excluded: wildfire) only; "harbour" in the quake.
    assert headlines == {"Quake"}


def test_a_refused_post_is_retried_then_given_up(news, web):
    watch_feed(news, web)
    serve(web, "/a", "Wire A", [("Rates", [EVENTS["rates"]])])
    news.poll(force=True, now=T0 + timedelta(minutes=1))
    for attempt in range(3):
        [post] = news.alerts(T0 + timedelta(minutes=2 + attempt)).posts
        news.alert_failed([post.post_id])
    assert not news.alerts(T0 + timedelta(minutes=9))


def test_one_server_never_sees_or_removes_anothers_subscriptions(news, web):
    serve(web, "/a", "Wire A", [])
    news.add_source(web.url("/a"))
    news.follow(GUILD, CHANNEL, "Marlow flood")
    news.route_feed(GUILD, CHANNEL, web.url("/a"))
    news.schedule_digest(GUILD, CHANNEL, "07:30")

    assert news.follows(OTHER_GUILD) == [] and news.feed_channels(OTHER_GUILD) == []
    assert news.digest_schedules(OTHER_GUILD) == []
    assert news.unfollow(OTHER_GUILD, "Marlow flood") == 0
    assert news.unroute_feed(OTHER_GUILD, web.url("/a")) == 0
    assert not news.unschedule_digest(OTHER_GUILD, CHANNEL)
    assert [f.topic for f in news.follows(GUILD)] == ["Marlow flood"]
    assert len(news.feed_channels(GUILD)) == 1 and len(news.digest_schedules(GUILD)) == 1

    assert news.unfollow(GUILD, "marlow FLOOD") == 1 and news.follows(GUILD) == []
    news.follow(GUILD, CHANNEL, "Überschwemmung in Köln")
    assert news.unfollow(GUILD, "ÜBERSCHWEMMUNG IN KÖLN") == 1  # not only ASCII folds


def test_bad_subscriptions_are_one_line_errors_that_store_nothing(news, web):
    serve(web, "/a", "Wire A", [])
    news.add_source(web.url("/a"))
    with pytest.raises(InputError, match="topic"):
        news.follow(GUILD, CHANNEL, "   ")
    with pytest.raises(InputError, match="@everyone"):
        news.follow(GUILD, CHANNEL, "floods", role_id=GUILD)
    with pytest.raises(InputError, match="HH:MM"):
        news.schedule_digest(GUILD, CHANNEL, "25:00")
    with pytest.raises(InputError, match="not one of my sources"):
        news.route_feed(GUILD, CHANNEL, web.url("/nowhere"))
    with pytest.raises(InputError, match="filter"):
        news.route_feed(GUILD, CHANNEL, web.url("/a"), include=",".join(f"w{n}" for n in range(30)))
    assert news.follows() == [] and news.digest_schedules() == [] and news.feed_channels() == []


def test_a_server_has_a_bounded_number_of_subscriptions(tmp_path):
    news = open_index(tmp_path / "index", max_per_server=2)
    news.follow(GUILD, CHANNEL, "floods")
    news.schedule_digest(GUILD, CHANNEL, "08:00")
    with pytest.raises(InputError, match="remove one first"):
        news.follow(GUILD, CHANNEL, "fires")
    news.schedule_digest(GUILD, CHANNEL, "09:00")  # changing a schedule takes no room
    news.follow(OTHER_GUILD, CHANNEL, "fires")  # another server's room is its own
    news.close()


def test_a_digest_is_due_once_a_day_from_its_time_in_the_configured_timezone(tmp_path, web):
    news = open_index(tmp_path / "index", timezone="Asia/Tokyo")  # UTC+9
    serve(web, "/a", "Wire A", [("Marlow flood", FLOOD)])
    news.add_source(web.url("/a"))
    news.poll(now=T0)
    news.schedule_digest(GUILD, CHANNEL, "18:30")

    assert news.alerts(T0).digests == ()  # 18:00 in Tokyo
    [due] = news.alerts(T0 + timedelta(minutes=31)).digests
    assert due.day == "2025-06-02" and due.schedule.channel_id == CHANNEL
    assert [s.headline for s in due.digest.stories] == ["Marlow flood"]
    news.digest_sent(due.schedule.id, due.day)
    assert news.alerts(T0 + timedelta(hours=5)).digests == ()  # done for the day
    [tomorrow] = news.alerts(T0 + timedelta(days=1, minutes=31)).digests
    assert tomorrow.day == "2025-06-03"
    news.close()


def test_a_quiet_digest_says_so_or_stays_silent(tmp_path):
    for say, expected in ((True, 1), (False, 0)):
        news = open_index(tmp_path / f"index-{say}", say_when_quiet=say)
        news.schedule_digest(GUILD, CHANNEL, "08:00")
        due = news.alerts(T0).digests
        assert len(due) == expected and all(not d.digest.stories for d in due)
        assert news.alerts(T0 + timedelta(minutes=1)).digests == due  # not marked until sent
        if not say:
            assert news.digest_schedules()[0].last_day == "2025-06-02"
        news.close()


def test_a_deleted_channel_is_forgotten(news, web):
    news.follow(GUILD, CHANNEL, "floods")
    news.follow(GUILD, SECOND_CHANNEL, "fires")
    news.schedule_digest(GUILD, CHANNEL, "08:00")
    news.forget_channel(CHANNEL)
    assert [f.channel_id for f in news.follows(GUILD)] == [SECOND_CHANNEL]
    assert news.digest_schedules(GUILD) == []
