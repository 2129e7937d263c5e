"""One poll of the sources that are due: fetch, read what is new, ingest, remember.

Order of events, so that a crash loses nothing: the sources are claimed (their next
poll time moved forward, so another process does not poll them too); each is
fetched (conditionally, when it sent validators); the new entries' articles go
through the ingest pipeline, which commits them; only then are the entries marked
read, and the source's validators and counters updated, in one transaction. A crash
before that leaves the entries unread: the next poll reads them again and the
pipeline skips the articles already stored unchanged.

A source that fails (no answer, an error status, not a feed) records its error and
its consecutive failures and is polled again after a backoff; its stored articles
stay. An entry that fails is reported and the others are read; it is read again at
a later poll unless its failure is permanent (a refused address, a 404).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

from index.config import SourcesConfig
from index.errors import InputError
from index.ingest.feeds import looks_like_feed
from index.ingest.fetch import Fetched, FetchError
from index.ingest.html import read_html
from index.ingest.identity import article_key
from index.ingest.pipeline import IngestReport
from index.ingest.readers import bounded, decode
from index.records import Article, PolledArticle, PollResult
from index.sources.entries import FeedEntry, FeedListing, read_listing
from index.sources.politeness import FetchLimits, PoliteFetcher, Robots
from index.sources.rows import DueSource, SourceRows, Success, Validators, one_line
from index.sources.schedule import utc_now
from index.storage.store import Store

log = logging.getLogger(__name__)

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
MAX_VALIDATOR_CHARS = 200  # an ETag or Last-Modified longer than this is not kept
MAX_PROBLEMS = 20  # entry problems listed in one result; the rest are counted

Ingest = Callable[[Iterable[Article]], IngestReport]


@dataclass(frozen=True)
class _EntryRead:
    """What reading one entry gave: an article, or a problem; `done` marks it read."""

    entry: FeedEntry
    article: Article | None = None
    problem: str = ""
    done: bool = True


@dataclass(frozen=True)
class _Stored:
    added: tuple[PolledArticle, ...] = ()
    updated: tuple[PolledArticle, ...] = ()


class Poller:
    """Polls the sources of one index (thread-safe; robots.txt and host pacing are
    remembered between polls)."""

    def __init__(
        self,
        store: Store,
        ingest: Ingest,
        config: SourcesConfig,
        *,
        retention_days: int = 90,
        limits: FetchLimits | None = None,
    ) -> None:
        self.rows = SourceRows(store)
        self._store = store
        self._ingest = ingest
        self.poll_minutes = config.poll_minutes
        self._parallel = max(1, config.parallel_fetches)
        # Entries no longer listed are forgotten after the retention period (90 days
        # when retention is off): by then their articles have gone or stay stored.
        self._keep_entries_days = retention_days or 90
        self.fetcher = PoliteFetcher(
            allow_private=config.allow_private_addresses,
            parallel=config.parallel_fetches,
            host_interval_s=config.host_interval_s,
            limits=limits,
        )

    def poll(self, *, force: bool = False, now: datetime | None = None) -> list[PollResult]:
        """Poll every due source once (every source with `force`), at most
        `parallel_fetches` fetches at once; one result per source, in schedule order."""
        moment = now or utc_now()
        due = self.rows.claim_due(moment, force=force)
        if not due:
            return []
        with ThreadPoolExecutor(min(self._parallel, len(due)), "newsdesk-poll") as pool:
            return list(pool.map(lambda source: self._poll_one(source, moment), due))

    # -- one source ---------------------------------------------------------
    def _poll_one(self, due: DueSource, now: datetime) -> PollResult:
        source = due.source
        backlog = not source.last_success_at
        kind = source.kind
        try:
            if kind == "page":  # robots.txt is for pages, not for feeds
                self._check_robots(source.url)
            fetched = self.fetcher.get(source.url, headers=_conditional(due))
            if fetched.status == 304:
                self.rows.record_success(
                    due,
                    Success(kind=source.kind, validators=due.validators),
                    now,
                    keep_entries_days=self._keep_entries_days,
                )
                return PollResult(source.url, source.title, backlog=backlog, not_modified=True)
            text, _ = decode(fetched.body, source.url)
            if kind == "auto":
                kind = _kind(fetched, text)
                if kind == "page":  # known to be a page only now that it is fetched
                    self._check_robots(source.url)
            if kind == "feed":
                result = self._read_feed(due, fetched, text, now)
            else:
                result = self._read_page(due, fetched, text, now)
        except InputError as exc:
            error = one_line(str(exc), 500)
            log.info("source %s failed: %s", source.url, error)
            self.rows.record_failure(due, error, now, kind=kind)
            return PollResult(source.url, source.title, backlog=backlog, error=error)
        return replace(result, backlog=backlog)

    def _check_robots(self, url: str) -> None:
        verdict = self.fetcher.robots(url)
        if verdict is Robots.DISALLOWED:
            raise InputError(f"{url}: robots.txt does not allow fetching this page")
        if verdict is Robots.UNREACHABLE:
            raise InputError(f"{url}: robots.txt could not be read; trying again later")

    def _read_page(self, due: DueSource, fetched: Fetched, text: str, now: datetime) -> PollResult:
        url = due.source.url
        if looks_like_feed(text):
            raise InputError(f"{url}: this page is a feed now: remove it and add it again")
        articles = read_html(text, url=fetched.url, origin=url)
        if not articles:
            raise InputError(f"{url}: no article text found in this HTML page")
        article = bounded(replace(articles[0], url=articles[0].url or url))
        stored = self._store_articles([article])
        self.rows.record_success(
            due,
            Success(
                kind="page",
                title=article.title,
                validators=_validators(fetched),
                articles=len(stored.added) + len(stored.updated),
                arrived=_news(due, stored),
            ),
            now,
            keep_entries_days=self._keep_entries_days,
        )
        return PollResult(url, article.title, added=stored.added, updated=stored.updated)

    def _read_feed(self, due: DueSource, fetched: Fetched, text: str, now: datetime) -> PollResult:
        url = due.source.url
        listing = read_listing(text, origin=url)
        keys = [entry.key for entry in listing.entries]
        seen = self.rows.seen(due.id, keys)
        new = [entry for entry in listing.entries if entry.key not in seen]
        reads: list[_EntryRead] = []
        stored = _Stored()
        if new:
            with ThreadPoolExecutor(min(self._parallel, len(new)), "newsdesk-entry") as pool:
                found = pool.map(lambda entry: self._read_entry(entry, listing), new)
                stored = self._store_articles(_articles(found, reads))
        complete = all(read.done for read in reads)
        # With entries left to retry, the old validators stay: the next poll then gets
        # the whole feed again instead of a 304, and retries them.
        validators = _validators(fetched) if complete else due.validators
        self.rows.record_success(
            due,
            Success(
                kind="feed",
                title=listing.title,
                articles=len(stored.added) + len(stored.updated),
                seen=tuple(read.entry.key for read in reads if read.done),
                listed=tuple(keys),
                validators=validators,
                arrived=_news(due, stored),
            ),
            now,
            keep_entries_days=self._keep_entries_days,
        )
        problems = [read.problem for read in reads if read.problem]
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], f"and {more} more entries could not be read"]
        return PollResult(
            url,
            listing.title or due.source.title,
            added=stored.added,
            updated=stored.updated,
            problems=tuple(problems),
        )

    # -- one entry ----------------------------------------------------------
    def _read_entry(self, entry: FeedEntry, listing: FeedListing) -> _EntryRead:
        """The entry's article: the feed's own text when it is the whole article (or
        there is no page), else the page it links to."""
        if entry.full or not entry.link:
            return _EntryRead(entry, _from_feed(entry, listing))
        verdict = self.fetcher.robots(entry.link)
        if verdict is Robots.UNREACHABLE:
            problem = f"{entry.link}: robots.txt could not be read; trying again later"
            return _EntryRead(entry, problem=problem, done=False)
        if verdict is Robots.DISALLOWED:  # the feed's own text is ours to read
            article = _from_feed(entry, listing, need_text=True)
            problem = "" if article else f"{entry.link}: robots.txt does not allow this page"
            return _EntryRead(entry, article, problem)
        try:
            fetched = self.fetcher.get(entry.link)
            text, _ = decode(fetched.body, entry.link)
            found = [] if looks_like_feed(text) else read_html(text, url=fetched.url)
        except FetchError as exc:
            return _EntryRead(entry, problem=one_line(str(exc), 300), done=exc.permanent)
        except InputError as exc:  # a page trafilatura cannot read: it will not change
            article = _from_feed(entry, listing, need_text=True)
            return _EntryRead(entry, article, one_line(str(exc), 300))
        if not found:  # no article text on the page (a video, a gallery)
            article = _from_feed(entry, listing, need_text=True)
            problem = "" if article else f"{entry.link}: no article text found on this page"
            return _EntryRead(entry, article, problem)
        page = found[0]
        # The feed's title and date are structured data; a page's are extracted by
        # heuristics (a title with the site's name appended, a date from the sidebar).
        article = replace(
            page,
            title=entry.title or page.title,
            source=page.source or listing.title,
            url=page.url or fetched.url or entry.link,
            published=entry.published or page.published,
            origin=entry.link,
        )
        return _EntryRead(entry, bounded(article))

    # -- storing ------------------------------------------------------------
    def _store_articles(self, articles: Iterable[Article]) -> _Stored:
        """Ingest `articles` and tell which were added and which replaced a stored one."""
        before: dict[str, tuple[int, str] | None] = {}
        titles: dict[str, Article] = {}

        def tracked() -> Iterator[Article]:
            for article in articles:
                article = bounded(article)
                key = article_key(article)
                if key not in before:
                    before[key] = self._store.find_article(key)
                    titles[key] = article
                yield article

        self._ingest(tracked())
        added: list[PolledArticle] = []
        updated: list[PolledArticle] = []
        for key, old in before.items():
            now = self._store.find_article(key)
            if now is None or (old is not None and old[1] == now[1]):
                continue  # not stored (empty, a copy) or unchanged
            article = titles[key]
            record = PolledArticle(article_id=now[0], title=article.title, url=article.url)
            (added if old is None else updated).append(record)
        return _Stored(tuple(added), tuple(updated))


def _news(due: DueSource, stored: _Stored) -> tuple[int, ...]:
    """The articles of a poll to announce: those it added, unless this is the source's
    first successful poll (its backlog: already published when it was added)."""
    if not due.source.last_success_at:
        return ()
    return tuple(article.article_id for article in stored.added)


def _articles(found: Iterable[_EntryRead], reads: list[_EntryRead]) -> Iterator[Article]:
    """The articles among `found` as they come (the pipeline embeds while later pages
    are still being fetched), keeping every read in `reads`."""
    for read in found:
        reads.append(read)
        if read.article is not None:
            yield read.article


def _from_feed(
    entry: FeedEntry, listing: FeedListing, *, need_text: bool = False
) -> Article | None:
    """The entry as the feed gives it; None when it gives nothing (or, `need_text`,
    a bare headline: in place of an unreadable page, a headline alone says too little)."""
    if not entry.text and (need_text or not entry.title):
        return None
    return bounded(
        Article(
            title=entry.title,
            text=entry.text or entry.title,
            source=listing.title,
            url=entry.link,
            published=entry.published,
            origin=entry.link,
        )
    )


def _kind(fetched: Fetched, text: str) -> str:
    return "feed" if fetched.content_type in FEED_TYPES or looks_like_feed(text) else "page"


def _conditional(due: DueSource) -> dict[str, str]:
    headers = {}
    if due.validators.etag:
        headers["If-None-Match"] = due.validators.etag
    if due.validators.last_modified:
        headers["If-Modified-Since"] = due.validators.last_modified
    return headers


def _validators(fetched: Fetched) -> Validators:
    """The response's ETag and Last-Modified, when they are plain short text (they are
    sent back as request headers)."""
    return Validators(_header_value(fetched.etag), _header_value(fetched.last_modified))


def _header_value(value: str) -> str:
    value = value.strip()
    ok = len(value) <= MAX_VALIDATOR_CHARS and value.isascii() and value.isprintable()
    return value if ok else ""
