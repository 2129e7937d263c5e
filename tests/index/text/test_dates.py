"""Dates of news inputs as ISO strings, and the start of a "last N days" window."""

from __future__ import annotations

from datetime import date

import pytest

from index.text.dates import parse_date, to_date, window_start


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-17", "2025-08-17"),
        ("2024-05-02T10:00:00Z", "2024-05-02"),
        ("  2025-08-17  ", "2025-08-17"),
        ("August 17, 2025", "2025-08-17"),
        ("Aug 17, 2025", "2025-08-17"),
        ("Aug. 17, 2025", "2025-08-17"),
        ("17 August 2025", "2025-08-17"),
        ("17 Aug 2025", "2025-08-17"),
        ("2025/08/17", "2025-08-17"),
        ("Tue, 10 Jun 2025 08:00:00 GMT", "2025-06-10"),
        ("Tue, 10 Jun 2025 23:30:00 -0500", "2025-06-10"),  # the feed's own day
    ],
)
def test_absolute_dates_in_the_formats_of_news_inputs(value, expected) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["", "   ", "garbage", "yesterday", "a few seconds ago", "17/08/2025", "2025-02-30"]
)
def test_anything_else_is_no_date(value) -> None:
    assert parse_date(value) == ""


def test_to_date_reads_iso_or_gives_none() -> None:
    assert to_date("2025-08-17") == date(2025, 8, 17)
    assert to_date("") is None
    assert to_date("17 Aug 2025") is None


def test_window_start_is_the_first_day_of_the_window() -> None:
    today = date(2025, 8, 20)
    assert window_start(7, today) == "2025-08-13"
    assert window_start(1, today) == "2025-08-19"
    assert window_start(None, today) == ""


def test_a_window_reaching_past_year_one_has_no_limit() -> None:
    today = date(2025, 8, 20)
    since_year_one = (today - date.min).days
    assert window_start(10**6, today) == ""
    assert window_start(since_year_one, today) == ""
    assert window_start(since_year_one - 1, today) == "0001-01-02"
