"""NewsIndex: the one facade the bot and the CLI use."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from index.alerts.ledger import Ledger
from index.alerts.rows import AlertRows
from index.config import AlertsConfig, IndexConfig, SourcesConfig
from index.errors import InputError, StoreError
from index.ingest.fetch import is_url
from index.ingest.pipeline import IngestPipeline, IngestReport
from index.ingest.readers import bounded, read_inputs
from index.ingest.urls import clean_url
from index.models.embedders import Embedder, LazyEmbedder
from index.profiles import profile_for
from index.records import (
    Answer,
    Article,
    FeedSource,
    Hit,
    Passage,
    PollResult,
    Problem,
    PruneReport,
    Stats,
)
from index.search.answer import answer_question
from index.search.confidence import Confidence, Signals
from index.search.fusion import SearchSettings
from index.search.query import parse_query
from index.search.retrieve import Retriever, collapse_duplicates
from index.sources.poller import Poller
from index.sources.rows import source_url
from index.sources.schedule import check_interval, utc_now
from index.storage.retention import (
    directory_bytes,
    prune_expired,
    trim_deleted_log,
    truncate_wal,
    vacuum_database,
)
from index.storage.store import Store
from index.storage.vectors import SharedVectors, WriteLock
from index.subscriptions import Subscriptions
from index.text.dates import parse_date

log = logging.getLogger(__name__)

DB_FILE = "news.sqlite3"
VECTORS_FILE = "vectors.faiss"
LOCK_FILE = "write.lock"  # held by the process committing a batch (see ingest.pipeline)


class NewsIndex(Subscriptions):
    """An index directory: SQLite (articles, passages, FTS5) plus a FAISS file of vectors.

    Wherever a method takes `now`, None means today.

    Any number of processes may open one directory, and any number of threads may use
    one NewsIndex: ingests from several processes all complete (see ingest.pipeline),
    and a question never waits for an ingest. Opening reads no vectors: the FAISS file
    is loaded on the first search or commit, and each question then picks up, by one
    cheap SELECT, whatever another process has committed since (see SharedVectors).
    """

    def __init__(
        self,
        path: Path,
        config: IndexConfig,
        embedder: Embedder,
        *,
        settings: SearchSettings | None = None,
        confidence: Confidence | None = None,
        sources: SourcesConfig | None = None,
        alerts: AlertsConfig | None = None,
    ) -> None:
        self.path = path
        self.config = config
        self.embedder = embedder
        self.profile = profile_for(embedder.name)
        self.confidence = confidence or self.profile.confidence
        self._store = Store(path / DB_FILE)
        try:
            self._check_recorded_settings()
            self._vectors = SharedVectors(
                path / VECTORS_FILE,
                embedder.dim,
                self._store,
                WriteLock(path / LOCK_FILE),
                approximate_from=config.approximate_from,
            )
            self._vectors.clean_temps()
        except BaseException:
            self._store.close()  # the caller gets no index to close
            raise
        self._retriever = Retriever(
            self._store, self._vectors, embedder, settings or self.profile.search
        )
        self._pipeline = IngestPipeline(
            self._store,
            self._vectors,
            embedder,
            config.passage_tokens,
            stories=self.profile.stories,
        )
        self._poller = Poller(
            self._store,
            self.ingest_articles,
            sources or SourcesConfig(),
            retention_days=config.retention_days,
        )
        self._poll_lock = threading.Lock()
        self._alerts = AlertRows(self._store)
        self._ledger = Ledger(self._store)
        self.alerts_config = alerts or AlertsConfig()
        self._allow_private = (sources or SourcesConfig()).allow_private_addresses

    @classmethod
    def open(
        cls,
        path: str | Path,
        config: IndexConfig | None = None,
        embedder: Embedder | None = None,
        *,
        sources: SourcesConfig | None = None,
        alerts: AlertsConfig | None = None,
    ) -> NewsIndex:
        """Open (or create) the index at `path`; the embedder defaults to the configured model.
        `sources` says how sources are polled (their fetches' address rules, pace)."""
        config = config or IndexConfig(path=str(path))
        path = Path(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create index directory {path}: {exc.strerror}") from None
        return cls(
            path,
            config,
            embedder or LazyEmbedder(config.model, config.device),
            sources=sources,
            alerts=alerts,
        )

    def close(self) -> None:
        try:
            self._vectors.stop()  # a background build gives up: it would read a closed store
            self._vectors.checkpoint()  # the next open then reads no rows to catch up
        finally:
            self._store.close()

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- opening ------------------------------------------------------------
    def _check_recorded_settings(self) -> None:
        """An index holds passages of one model and one size: opening it with others is
        an error, not a silent mix."""
        recorded = self._store.get_meta("model")
        if recorded is not None and isinstance(self.embedder, LazyEmbedder):
            known = json.loads(recorded)
            if known["name"] == self.embedder.name:
                self.embedder.dim_hint = int(known["dim"])
        identity = json.dumps({"name": self.embedder.name, "dim": self.embedder.dim})
        # meta_default: of two processes creating the index at once, the first one's
        # settings stand and the other is checked against them.
        recorded = self._store.meta_default("model", identity)
        if recorded != identity:
            raise StoreError(
                f"{self.path} was built with model {json.loads(recorded)['name']!r}, "
                f"not {self.embedder.name!r}: use another --index directory"
            )
        tokens = self._store.meta_default("passage_tokens", str(self.config.passage_tokens))
        if int(tokens) != self.config.passage_tokens:
            raise StoreError(
                f"{self.path} was built with passage_tokens = {tokens}, not "
                f"{self.config.passage_tokens}: use another --index directory"
            )

    # -- ingest -------------------------------------------------------------
    def ingest_paths(
        self,
        paths: Sequence[str | Path],
        *,
        source: str = "",
        url: str = "",
        published: str = "",
        progress: bool = False,
        allow_private: bool = False,
    ) -> IngestReport:
        """Read and ingest files, URLs and directories of input files.

        `source`, `url` and `published` fill only what each input's first article does
        not say. `published` is stored as YYYY-MM-DD like every date read from inputs;
        one that is not a date raises InputError. An input that cannot be read is
        reported in `problems`; the others are ingested. URLs are fetched from public
        addresses only, unless `allow_private` ([sources] allow_private_addresses).
        """
        if published and not parse_date(published):
            raise InputError(f"--published {published!r} is not a date: use YYYY-MM-DD")
        items = read_inputs(
            paths,
            source=source,
            url=url,
            published=parse_date(published),
            allow_private=allow_private,
        )
        return self._ingest(items, progress)

    def ingest_articles(
        self, articles: Iterable[Article], *, progress: bool = False
    ) -> IngestReport:
        """Chunk, embed and store articles; an article already stored unchanged is skipped.

        Every field is cut to its limit first, as for articles read from files.
        """
        return self._ingest(map(bounded, articles), progress)

    def _ingest(self, articles: Iterable[Article | Problem], progress: bool) -> IngestReport:
        bar = _progress_bar() if progress else None
        report = self._pipeline.ingest(articles, bar)
        if bar is not None:
            bar.close()
        return report

    def ingest_url(self, url: str) -> IngestReport:
        """Fetch one page or feed and ingest it, by the sources' address rules; never a
        local path (what the bot's operators may ingest). InputError when `url` is not
        an http(s) URL."""
        if not is_url(url):
            raise InputError(f"not an http(s) URL: {url[:200]!r}")
        return self.ingest_paths([url], allow_private=self._allow_private)

    # -- sources ------------------------------------------------------------
    def add_source(self, url: str, *, every_minutes: float | None = None) -> FeedSource:
        """Follow a feed or an article page, polled every `every_minutes` (default:
        [sources] poll_minutes) from the next poll on. Adding a source already followed
        sets its interval. InputError for a URL that is not http(s), or an interval
        outside a minute to a week."""
        minutes = self._poller.poll_minutes if every_minutes is None else every_minutes
        return self._poller.rows.add(source_url(url), check_interval(minutes * 60), utc_now())

    def remove_source(self, url: str) -> bool:
        """Stop following `url` (its articles stay); False when it was not followed."""
        return self._poller.rows.remove(clean_url(url) or url)

    def sources(self) -> list[FeedSource]:
        """Every source followed, in the order they were added."""
        return self._poller.rows.all()

    def poll(self, *, force: bool = False, now: datetime | None = None) -> list[PollResult]:
        """Poll each source due at `now` (None: the current time) once, or every source
        with `force`; one result per source polled. Polls of one NewsIndex run one at a
        time; questions are answered meanwhile."""
        with self._poll_lock:
            return self._poller.poll(force=force, now=now)

    def sources_to_announce(self, min_failures: int = 3) -> list[FeedSource]:
        """Sources that failed `min_failures` polls in a row and were not announced yet."""
        return self._poller.rows.to_announce(min_failures)

    def mark_failure_announced(self, url: str) -> None:
        """Record that `url`'s failing was announced: not again until it has succeeded."""
        self._poller.rows.mark_announced(url)

    # -- questions ----------------------------------------------------------
    def search(
        self, question: str, *, k: int = 10, now: date | None = None, mode: str = "hybrid"
    ) -> list[Hit]:
        """Rank passages for a question; near-duplicates are collapsed."""
        query = parse_query(question)
        hits = self._retriever.search(query, k=k, now=now or date.today(), mode=mode)
        return collapse_duplicates(hits, keep=k)

    def answer(self, question: str, *, now: date | None = None) -> Answer:
        """The best passage for a question, or an abstention when the news does not cover it."""
        return self.answer_signals(question, now=now)[0]

    def answer_signals(
        self, question: str, *, now: date | None = None
    ) -> tuple[Answer, Signals | None]:
        """The answer and the signals its confidence came from (None when nothing was
        found): what `benchmarks/calibrate.py` fits the abstention model on."""
        from index.stories.reads import answer_outlets

        query = parse_query(question)
        if not query.text:
            raise InputError("the question is empty")
        today = now or date.today()
        answer, signals = answer_question(self._retriever, self.confidence, query, today)
        if answer.hit is not None:
            outlets = answer_outlets(self._store, answer.hit, self._until(today))
            answer = dataclasses.replace(answer, also_reported_by=outlets)
        return answer, signals

    def stats(self) -> Stats:
        """How many articles and passages the index holds, and the newest article date
        (of those already written today)."""
        return self._store.stats(until=self._until(date.today()))

    def _until(self, today: date) -> str:
        """The last publication day (ISO) that counts as written by `today`: later ones are
        not yet news, as search treats them."""
        return (today + timedelta(days=self._retriever.settings.future_grace_days)).isoformat()

    def check_full_text(self) -> None:
        """Raise StoreError unless the full-text index matches the stored passages and
        articles (for consistency checks after a crash)."""
        self._store.check_full_text()

    def all_passages(self) -> list[Passage]:
        """Every passage of the index, in insertion order (for evaluation baselines)."""
        return self._store.passages_since("")

    def retriever(self, settings: SearchSettings) -> Retriever:
        """A Retriever over this index with other settings (for tuning them)."""
        return Retriever(self._store, self._vectors, self.embedder, settings)

    def vector_ids(self) -> np.ndarray:
        """The passage ids the vector index holds, sorted (equal to the stored passages',
        as of the latest commit of any process)."""
        return self._vectors.ids()

    # -- retention ----------------------------------------------------------
    def prune(
        self, *, now: date | None = None, days: int | None = None, vacuum: bool = False
    ) -> PruneReport:
        """Delete the articles published (undated: read) more than `days` (default: the
        configured `retention_days`; 0 keeps everything) before `now`, with their
        passages, from SQLite, FTS5 and FAISS together; articles dated after `now` stay.

        Crash-safe: each chunk of the prune is one transaction followed by a FAISS save
        under the write lock (see storage.retention); a killed prune leaves a consistent
        index and the next prune finishes it. Trims the log of deleted passages too. The
        database reuses the space freed; `vacuum` also gives it back to the disk.
        """
        days = self.config.retention_days if days is None else days
        if days < 0:
            raise InputError(f"retention days must be 0 (keep all) or more, got {days}")
        before = directory_bytes(self.path)
        cutoff = ((now or date.today()) - timedelta(days=days)).isoformat() if days else ""
        removed = prune_expired(self._store, self._vectors, cutoff) if cutoff else None
        trim_deleted_log(self._store)
        if vacuum:
            vacuum_database(self.path / DB_FILE, self._vectors.lock)
        truncate_wal(self.path / DB_FILE)
        return PruneReport(
            articles=removed.articles if removed else 0,
            passages=removed.passages if removed else 0,
            cutoff=cutoff,
            bytes_before=before,
            bytes_after=directory_bytes(self.path),
            vacuumed=vacuum,
        )


def _progress_bar() -> Any:
    from tqdm import tqdm

    return tqdm(unit=" passages", desc="embedding", leave=False)
