"""The pure decisions of the alert tick: the hourly limit, digest times, filters."""

from __future__ import annotations

from datetime import datetime

import pytest

from index.alerts.ledger import PostRow
from index.alerts.planner import digest_day, feed_takes, filter_words, flood_plan, parse_time
from index.alerts.records import FeedChannel
from index.alerts.rows import Arrival
from index.errors import InputError


def row(n: int) -> PostRow:
    return PostRow(n, 1, 10, n, "feed", "Wire", None, "", (n,), "pending", False, None, "")


@pytest.mark.parametrize(
    ("pending", "sent", "limit", "alone", "batched"),
    [
        (3, 0, 6, 3, 0),  # room for all
        (6, 0, 6, 6, 0),
        (7, 0, 6, 5, 2),  # 5 alone + 1 batch = 6 messages
        (30, 0, 6, 5, 10),  # the batch lists 10; the rest wait
        (4, 5, 6, 0, 4),  # one message left: all in one batch
        (1, 5, 6, 1, 0),
        (4, 6, 6, 0, 0),  # the hour is spent
        (0, 0, 6, 0, 0),
    ],
)
def test_flood_plan_never_exceeds_the_hourly_limit(pending, sent, limit, alone, batched):
    rows = [row(n) for n in range(pending)]
    posts, batch = flood_plan(rows, sent, limit, 10)
    assert (len(posts), len(batch)) == (alone, batched)
    assert sent + len(posts) + (1 if batch else 0) <= limit
    assert [r.id for r in (*posts, *batch)] == list(range(alone + batched))  # oldest first


def test_digest_day_is_due_once_from_its_time():
    at = "07:30"
    assert digest_day(at, "", datetime(2025, 6, 2, 7, 29)) == ""
    assert digest_day(at, "", datetime(2025, 6, 2, 7, 30)) == "2025-06-02"
    assert digest_day(at, "2025-06-01", datetime(2025, 6, 2, 23, 59)) == "2025-06-02"
    assert digest_day(at, "2025-06-02", datetime(2025, 6, 2, 23, 59)) == ""


@pytest.mark.parametrize(
    ("text", "expected"), [("7:05", "07:05"), (" 23:59 ", "23:59"), ("00:00", "00:00")]
)
def test_times_are_read_as_24_hour_hh_mm(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7", "7:5", "noon", "07:30pm", "", "-1:00"])
def test_other_times_are_one_line_errors(text):
    with pytest.raises(InputError, match="HH:MM"):
        parse_time(text)


def test_filter_words_are_comma_separated_folded_and_bounded():
    assert filter_words(" Power  Grid, ukraine,,UKRAINE ") == ("power grid", "ukraine")
    assert filter_words("") == ()
    with pytest.raises(InputError):
        filter_words("x" * 61)


def feed(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> FeedChannel:
    return FeedChannel(1, 1, 10, "https://a.example/feed", include, exclude, "")


def arrival(title: str, lead: str = "", url: str = "https://a.example/feed") -> Arrival:
    return Arrival(1, 1, 1, url, title, lead)


def test_feed_filters_match_whole_words_of_title_or_opening():
    war = feed(include=("war",))
    assert feed_takes(war, arrival("The war in the east"))
    assert not feed_takes(war, arrival("Software update for Warsaw trams"))
    assert feed_takes(feed(include=("power grid",)), arrival("Storm", "The Power\nGrid failed."))
    assert not feed_takes(feed(exclude=("sport",)), arrival("Cup final", "A sport story."))
    assert feed_takes(feed(), arrival("Anything"))
    assert not feed_takes(feed(), arrival("Anything", url="https://b.example/feed"))
