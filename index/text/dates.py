"""Parsing the dates that news inputs carry into ISO YYYY-MM-DD strings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")


def parse_date(value: str) -> str:
    """Return `value` as YYYY-MM-DD, or "" when it is not an absolute date."""
    value = value.strip()
    if not value:
        return ""
    match = _ISO.match(value)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            return ""
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def to_date(value: str) -> date | None:
    """Return an ISO date string as a date, or None when empty or invalid."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def window_start(days: int | None, today: date) -> str:
    """The first day (ISO) of the `days` before `today`; "" for no limit.

    A window reaching past year 1 (`--days 1000000`) has no limit rather than
    overflowing the date.
    """
    if not days or days >= (today - date.min).days:
        return ""
    return (today - timedelta(days=days)).isoformat()
