"""NewsIndex: the one facade the bot and the CLI use."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.answer import Confidence, Signals, best_sentence, coverage, idf_weights
from index.chunker import chunk_text
from index.config import IndexConfig
from index.dates import parse_date
from index.embedders import Embedder, LazyEmbedder
from index.errors import InputError, StoreError
from index.profiles import profile_for
from index.query import parse_query
from index.readers import expand_paths, read_path
from index.records import (
    Answer,
    Article,
    Hit,
    Passage,
    Source,
    Stats,
    Summary,
    SummaryLine,
)
from index.search import Retriever, SearchSettings, collapse_duplicates
from index.store import NewPassage, Store, article_key, content_hash
from index.vectors import VectorIndex

if TYPE_CHECKING:
    from index.summarize import SummaryDoc
    from index.topics import Topic

log = logging.getLogger(__name__)

DB_FILE = "news.sqlite3"
VECTORS_FILE = "vectors.faiss"
EMBED_BATCH = 256  # passages embedded and committed together
SUMMARY_WORDS = 110
SUMMARY_PASSAGES = 40  # k of a topic summary's search, which returns up to 3k passages
MIN_SUMMARY_SENTENCES = 2
# A summary of "the news" (no topic) reads the newest articles only: the gist of what
# is current, in bounded time however large the index grows.
WHOLE_SUMMARY_ARTICLES = 40


@dataclass(frozen=True)
class IngestReport:
    """What one ingest call did."""

    articles_added: int = 0
    articles_updated: int = 0
    articles_skipped: int = 0
    passages_added: int = 0
    problems: tuple[str, ...] = field(default=())


class NewsIndex:
    """An index directory: SQLite (articles, passages, FTS5) plus a FAISS file of vectors."""

    def __init__(
        self,
        path: Path,
        config: IndexConfig,
        embedder: Embedder,
        *,
        settings: SearchSettings | None = None,
        confidence: Confidence | None = None,
    ) -> None:
        self.path = path
        self.config = config
        self.embedder = embedder
        self.profile = profile_for(embedder.name)
        self.confidence = confidence or self.profile.confidence
        self._lock = threading.RLock()
        self._store = Store(path / DB_FILE)
        try:
            self._check_model()
            self._vectors = self._load_vectors()
        except BaseException:
            self._store.close()  # the caller gets no index to close
            raise
        self._retriever = Retriever(
            self._store, self._vectors, embedder, settings or self.profile.search
        )

    @classmethod
    def open(
        cls, path: str | Path, config: IndexConfig | None = None, embedder: Embedder | None = None
    ) -> NewsIndex:
        """Open (or create) the index at `path`; the embedder defaults to the configured model."""
        config = config or IndexConfig(path=str(path))
        path = Path(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create index directory {path}: {exc.strerror}") from None
        return cls(path, config, embedder or LazyEmbedder(config.model))

    def close(self) -> None:
        with self._lock:
            self._store.close()

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- opening ------------------------------------------------------------
    def _check_model(self) -> None:
        recorded = self._store.get_meta("model")
        if recorded is not None and isinstance(self.embedder, LazyEmbedder):
            known = json.loads(recorded)
            if known["name"] == self.embedder.name:
                self.embedder.dim_hint = int(known["dim"])
        identity = json.dumps({"name": self.embedder.name, "dim": self.embedder.dim})
        if recorded is None:
            self._store.set_meta("model", identity)
        elif recorded != identity:
            raise StoreError(
                f"{self.path} was built with model {json.loads(recorded)['name']!r}, "
                f"not {self.embedder.name!r}: use another --index directory"
            )

    def _load_vectors(self) -> VectorIndex:
        """Load the FAISS file; rebuild it from SQLite when it disagrees (e.g. after a crash)."""
        file = self.path / VECTORS_FILE
        vectors = VectorIndex.load(file, self.embedder.dim)
        expected = self._store.passage_ids()
        if vectors is not None and np.array_equal(vectors.ids(), expected):
            return vectors
        log.info("rebuilding %s from the database (%d passages)", file, len(expected))
        ids, matrix = self._store.all_vectors()
        vectors = VectorIndex(self.embedder.dim)
        vectors.add(ids, matrix)
        vectors.save(file)
        return vectors

    # -- ingest -------------------------------------------------------------
    def ingest_paths(
        self,
        paths: Sequence[str | Path],
        *,
        source: str = "",
        url: str = "",
        published: str = "",
        progress: bool = False,
    ) -> IngestReport:
        """Read and ingest files, URLs and directories of input files.

        `source`, `url` and `published` describe each file's first article.

        They fill only what the input does not say (a scraped page's related
        articles keep their own outlet). `published` is stored as YYYY-MM-DD like
        every date read from inputs; one that is not a date raises InputError. A
        file that cannot be read is reported in `problems`; the others are ingested.
        """
        if published and not parse_date(published):
            raise InputError(f"--published {published!r} is not a date: use YYYY-MM-DD")
        published = parse_date(published)
        problems: list[str] = []

        def articles() -> Iterator[Article]:
            for path in expand_paths(paths):
                if isinstance(path, InputError):
                    problems.append(str(path))
                    continue
                try:
                    first = True
                    for item in read_path(path):
                        if isinstance(item, str):
                            problems.append(item)
                        elif first:
                            first = False
                            yield _fill(item, source, url, published)
                        else:
                            yield item
                except InputError as exc:
                    problems.append(str(exc))

        report = self.ingest_articles(articles(), progress=progress)
        return replace(report, problems=(*report.problems, *problems))

    def ingest_articles(
        self, articles: Iterable[Article], *, progress: bool = False
    ) -> IngestReport:
        """Chunk, embed and store articles; an article already stored unchanged is skipped."""
        counts = {"added": 0, "updated": 0, "skipped": 0, "passages": 0}
        pending: list[tuple[Article, str, str, int | None, list[str]]] = []
        seen: set[str] = set()
        bar = _progress_bar(progress)
        with self._lock:
            for article in articles:
                key, digest = article_key(article), content_hash(article)
                if key in seen:
                    counts["skipped"] += 1
                    continue
                seen.add(key)
                existing = self._store.find_article(key)
                if existing and existing[1] == digest:
                    counts["skipped"] += 1
                    continue
                if existing is None and not article.url and self._store.has_content(digest):
                    counts["skipped"] += 1
                    continue
                chunks = chunk_text(
                    article.text,
                    self.embedder.count_tokens,
                    target=self.config.passage_tokens,
                    limit=self.embedder.max_tokens,
                )
                if not chunks:
                    counts["skipped"] += 1
                    continue
                pending.append(
                    (
                        article,
                        key,
                        digest,
                        existing[0] if existing else None,
                        [c.text for c in chunks],
                    )
                )
                if sum(len(p[4]) for p in pending) >= EMBED_BATCH:
                    self._commit(pending, counts, bar)
                    pending = []
            if pending:
                self._commit(pending, counts, bar)
            if bar is not None:
                bar.close()
        return IngestReport(
            articles_added=counts["added"],
            articles_updated=counts["updated"],
            articles_skipped=counts["skipped"],
            passages_added=counts["passages"],
        )

    def _commit(self, pending, counts, bar) -> None:
        """Embed a batch, store it in one transaction, then add it to FAISS and save."""
        texts = [text for *_, chunk_texts in pending for text in chunk_texts]
        matrix = self.embedder.encode(texts)
        removed: list[int] = []
        added_ids: list[int] = []
        row = 0
        with self._store.transaction():
            for article, key, digest, old_id, chunk_texts in pending:
                if old_id is not None:
                    removed += self._store.delete_article(old_id)
                    counts["updated"] += 1
                else:
                    counts["added"] += 1
                new = [
                    NewPassage(position=i, text=t, vector=matrix[row + i])
                    for i, t in enumerate(chunk_texts)
                ]
                row += len(chunk_texts)
                added_ids += self._store.add_article(article, key, digest, new)
        self._vectors.remove(removed)
        self._vectors.add(np.asarray(added_ids, dtype=np.int64), matrix)
        self._vectors.save(self.path / VECTORS_FILE)
        counts["passages"] += len(added_ids)
        if bar is not None:
            bar.update(len(texts))

    # -- questions ----------------------------------------------------------
    def search(
        self, question: str, *, k: int = 10, now: date | None = None, mode: str = "hybrid"
    ) -> list[Hit]:
        """Rank passages for a question; near-duplicates are collapsed."""
        query = parse_query(question)
        with self._lock:
            hits = self._retriever.search(query, k=k, now=now, mode=mode)
        return collapse_duplicates(hits)[:k]

    def answer(self, question: str, *, now: date | None = None) -> Answer:
        """The best passage for a question, or an abstention when the news does not cover it."""
        answer, _ = self._answer(question, now)
        return answer

    def _answer(self, question: str, now: date | None) -> tuple[Answer, Signals | None]:
        """The answer and the signals its confidence came from (for calibration)."""
        query = parse_query(question)
        if not query.text:
            raise InputError("the question is empty")
        with self._lock:
            vector = self.embedder.encode([query.text])[0]
            hits = self._retriever.search(query, k=10, now=now, vector=vector)
            hits = collapse_duplicates(hits)[:10]
            if not hits:
                return Answer(question=query.text, abstained=True, confidence=0.0, hit=None), None
            top = hits[0]
            weights = idf_weights(query, *self._store.document_frequencies(query.terms))
            article = self._store.article_text(top.passage.article_id)
        span = best_sentence(query, top.passage.text, weights)
        signals = Signals(
            dense=top.dense,
            coverage=coverage(query, f"{top.passage.title}\n{top.passage.text}", weights),
            article_coverage=coverage(query, article, weights),
        )
        confidence = self.confidence.probability(signals)
        answer = Answer(
            question=query.text,
            abstained=confidence < self.confidence.threshold,
            confidence=confidence,
            hit=top,
            highlight=span,
            hits=tuple(hits),
        )
        return answer, signals

    def stats(self) -> Stats:
        """How many articles and passages the index holds, and the newest article date."""
        return self._store.stats()

    # -- summaries ----------------------------------------------------------
    def summarize(
        self,
        topic: str | None = None,
        *,
        days: int | None = None,
        now: date | None = None,
        max_words: int = SUMMARY_WORDS,
    ) -> Summary:
        """An extractive summary with citations of the news about `topic` (None: everything).

        With `days`, only articles published in the `days` before `now` count.
        The summary has no lines when too little is known about the topic.
        """
        from index.summarize import summarize

        with self._lock:
            docs = self._summary_docs(topic, _since(days, now), now)
        chosen = summarize(docs, max_words=max_words, query=topic) if docs else []
        by_key = {doc.key: doc for doc in docs}
        numbers: dict[int | str, int] = {}
        lines = []
        for sentence in chosen:
            number = numbers.setdefault(sentence.doc_key, len(numbers) + 1)
            lines.append(SummaryLine(text=sentence.text, citation=number))
        if len(lines) < MIN_SUMMARY_SENTENCES:
            lines, numbers = [], {}
        sources = tuple(
            Source(number, d.title, d.source, d.url, d.published)
            for key, number in numbers.items()
            for d in [by_key[key]]
        )
        return Summary(topic=topic or "", lines=tuple(lines), sources=sources, articles=len(docs))

    def all_passages(self) -> list[Passage]:
        """Every passage of the index, in insertion order (for evaluation baselines)."""
        with self._lock:
            return self._store.passages_since("")

    def topics(
        self, *, days: int | None = None, now: date | None = None, max_topics: int = 10
    ) -> list[Topic]:
        """The main stories among the articles (of the last `days` before `now`), largest first."""
        from index.topics import find_topics

        with self._lock:
            passages = self._store.passages_since(_since(days, now))
            if not passages:
                return []
            stored = self._store.vectors([p.id for p in passages])
        matrix = np.vstack([stored[p.id] for p in passages])
        return find_topics(
            passages, matrix, threshold=self.profile.topic_threshold, max_topics=max_topics
        )

    def _summary_docs(self, topic: str | None, since: str, now: date | None) -> list[SummaryDoc]:
        """The articles to summarize: for a topic, only its relevant passages, by relevance."""
        from index.summarize import SummaryDoc

        weights: dict[int, float] = {}
        if topic:
            query = parse_query(topic)
            hits = self._retriever.search(query, k=SUMMARY_PASSAGES, now=now, since=since)
            hits = [h for h in hits if h.dense >= self.profile.summary_min_dense]
            passages = [h.passage for h in hits]
            for hit in hits:
                weights[hit.passage.article_id] = max(
                    weights.get(hit.passage.article_id, 0.0), hit.dense
                )
        else:
            passages = self._store.passages_since(since, newest_articles=WHOLE_SUMMARY_ARTICLES)
        by_article: dict[int, list] = {}
        for passage in passages:
            by_article.setdefault(passage.article_id, []).append(passage)
        docs = []
        for article_id, parts in by_article.items():
            parts.sort(key=lambda p: p.position)
            first = parts[0]
            docs.append(
                SummaryDoc(
                    key=article_id,
                    text=tuple(p.text for p in parts),
                    title=first.title,
                    source=first.source,
                    url=first.url,
                    published=first.published,
                    weight=weights.get(article_id, 1.0),
                    has_lead=first.position == 0,
                )
            )
        docs.sort(key=lambda d: (d.published, d.key))
        return docs


def _since(days: int | None, now: date | None) -> str:
    """The first day (ISO) of the `days` before `now`; "" for no limit.

    A window reaching past year 1 (`--days 1000000`) has no limit rather than
    overflowing the date.
    """
    if not days:
        return ""
    today = now or date.today()
    if days >= (today - date.min).days:
        return ""
    return (today - timedelta(days=days)).isoformat()


def _fill(article: Article, source: str, url: str, published: str) -> Article:
    """Metadata given by the user fills only what the input left empty."""
    return replace(
        article,
        source=article.source or source,
        url=article.url or url,
        published=article.published or published,
    )


def _progress_bar(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit=" passages", desc="embedding", leave=False)
