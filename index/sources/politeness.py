"""Asking hosts politely: a bounded number of fetches at once, at most one request
per interval to a host, and robots.txt for article pages.

Every request goes through `index.ingest.fetch` (address rules, DNS pinning, deadline,
size cap). Pacing is by host name: the start of one request to a host and the next
are at least `host_interval_s` apart, across every thread of the process. Redirect
hops inside one fetch are not paced separately (a fetch follows at most 5).
"""

from __future__ import annotations

import enum
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from index.ingest.bodies import looks_like_text
from index.ingest.fetch import DEADLINE_SECONDS, MAX_BYTES, Fetched, FetchError, fetch

ROBOTS_AGENT = "newsdesk"
# RFC 9309 asks crawlers to parse at least 500 KiB of robots.txt and to cache it no
# longer than a day; an hour keeps a changed file from being missed for long.
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL_S = 3600.0
ROBOTS_RETRY_S = 300.0  # after a robots.txt could not be fetched (5xx, timeout)


@dataclass(frozen=True)
class FetchLimits:
    """Bounds of one fetch: the whole request in `deadline` seconds, at most `max_bytes`."""

    deadline: float = DEADLINE_SECONDS
    max_bytes: int = MAX_BYTES


class Robots(enum.Enum):
    """What a host's robots.txt says about a URL."""

    ALLOWED = "allowed"
    DISALLOWED = "disallowed"
    UNREACHABLE = "unreachable"  # no answer, or a server error: ask again later


FetchFunction = Callable[..., Fetched]


class HostPacer:
    """Spaces the starts of requests to one host at least `interval` seconds apart."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    @contextmanager
    def turn(self, host: str, slots: threading.Semaphore) -> Iterator[None]:
        """Wait for `host`'s turn and a free slot; the request runs inside the block.

        The host's lock is held until the slot is taken and the start recorded, so the
        spacing holds from the real start of each request, not from when it queued.
        """
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            last = self._last.get(host)
            if last is not None:
                wait = last + self.interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            slots.acquire()
            self._last[host] = time.monotonic()
        try:
            yield
        finally:
            slots.release()


@dataclass
class _RobotsEntry:
    verdict: Robots | urllib.robotparser.RobotFileParser
    until: float


class PoliteFetcher:
    """Fetches for the poller: paced per host, bounded in number, robots-aware."""

    def __init__(
        self,
        *,
        allow_private: bool,
        parallel: int,
        host_interval_s: float,
        limits: FetchLimits | None = None,
        fetcher: FetchFunction = fetch,
    ) -> None:
        self.allow_private = allow_private
        self.limits = limits or FetchLimits()
        self._fetch = fetcher
        self._slots = threading.BoundedSemaphore(max(1, parallel))
        self._pacer = HostPacer(host_interval_s)
        self._robots: dict[str, _RobotsEntry] = {}
        self._robots_guard = threading.Lock()
        self._robots_locks: dict[str, threading.Lock] = {}

    def get(
        self, url: str, *, headers: Mapping[str, str] | None = None, max_bytes: int | None = None
    ) -> Fetched:
        """GET `url` in its host's turn; FetchError (an InputError) on failure."""
        with self._pacer.turn(_host(url), self._slots):
            return self._fetch(
                url,
                allow_private=self.allow_private,
                deadline=self.limits.deadline,
                max_bytes=max_bytes or self.limits.max_bytes,
                headers=headers,
            )

    def robots(self, url: str) -> Robots:
        """What `url`'s host's robots.txt says about fetching it (fetched once per
        host and cached; rules of RFC 9309 for a missing or failing file)."""
        origin = _origin(url)
        if origin is None:
            return Robots.ALLOWED  # fetch refuses such an address anyway, with its reason
        with self._robots_guard:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch of a host's robots.txt, whatever the threads asking
            entry = self._robots.get(origin)
            if entry is None or entry.until < time.monotonic():
                entry = self._load_robots(origin)
                self._robots[origin] = entry
        if isinstance(entry.verdict, Robots):
            return entry.verdict
        allowed = entry.verdict.can_fetch(ROBOTS_AGENT, url)
        return Robots.ALLOWED if allowed else Robots.DISALLOWED

    def _load_robots(self, origin: str) -> _RobotsEntry:
        now = time.monotonic()
        try:
            fetched = self.get(origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES)
        except FetchError as exc:
            if exc.permanent:
                # RFC 9309 2.3.1.3: "unavailable" (404, 403...) means no rules; so does a
                # file the fetch rules refuse (the page itself gets their reason).
                return _RobotsEntry(Robots.ALLOWED, now + ROBOTS_TTL_S)
            # 2.3.1.4: "unreachable" (5xx, no answer) means nothing may be fetched yet.
            return _RobotsEntry(Robots.UNREACHABLE, now + ROBOTS_RETRY_S)
        if not looks_like_text(fetched.body):
            return _RobotsEntry(Robots.ALLOWED, now + ROBOTS_TTL_S)
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        return _RobotsEntry(parser, now + ROBOTS_TTL_S)


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host.lower()
    except (httpx.InvalidURL, ValueError, TypeError):
        return ""


def _origin(url: str) -> str | None:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    port = f":{parsed.port}" if parsed.port else ""
    host = parsed.raw_host.decode("ascii")
    host = f"[{host}]" if ":" in host else host
    return f"{parsed.scheme}://{host}{port}"
