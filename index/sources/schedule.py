"""When a source is polled: intervals as people write them, backoff, UTC timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from index.errors import InputError

MIN_EVERY_S = 60  # more often than once a minute is no news source's pace
MAX_EVERY_S = 7 * 24 * 3600
# A failing source waits its interval times 2 per consecutive failure, up to this:
# a day, so that one back from an outage is read again within a day.
MAX_BACKOFF_S = 24 * 3600

_INTERVAL = re.compile(r"(\d{1,7})\s*([smhd]?)")
_UNITS = {"s": 1, "m": 60, "": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> int:
    """Seconds in "90s", "30m", "2h", "1d" (a bare number is minutes); InputError when
    it is not one, or outside a minute to a week."""
    match = _INTERVAL.fullmatch(text.strip().lower())
    if not match:
        raise InputError(f"not an interval: {text[:40]!r} (write 90s, 30m, 2h or 1d)")
    return check_interval(int(match.group(1)) * _UNITS[match.group(2)])


def check_interval(seconds: float) -> int:
    """`seconds` as whole seconds; InputError outside a minute to a week."""
    if not MIN_EVERY_S <= seconds <= MAX_EVERY_S:
        raise InputError(
            f"a poll interval must be between {MIN_EVERY_S} s and 7 days, got {seconds:g} s"
        )
    return round(seconds)


def show_interval(seconds: int) -> str:
    """`seconds` the way parse_interval reads it: 1800 -> "30m"."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def backoff_s(every_s: int, failures: int) -> int:
    """Seconds until the next try after `failures` consecutive failures (>= 1)."""
    return min(every_s * 2 ** min(failures, 32), max(MAX_BACKOFF_S, every_s))


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """`moment` as stored: UTC ISO 8601 to the second (sorts as it compares)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime: pass an aware one (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def later(moment: datetime, seconds: float) -> str:
    return stamp(moment + timedelta(seconds=seconds))
