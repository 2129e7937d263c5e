"""The corpus side of `newsdesk bench` (index.evaluation.bench): the embedders a run
uses, reading the scale pages and the questions, the real seed passages, the
`Synthesizer` of passages like them, and building (and caching) an index of each size.

The indexes: the first `--real` passages (default 2,000) are real scale pages
ingested once by the real pipeline and model; the rest are synthetic, written through
the engine's own store (`Store.add_article`, one transaction per 20,000 passages)
and vector layer (`SharedVectors.refresh`, then one `publish` under the write lock),
without the pipeline's per-256-passage FAISS save. A synthetic passage's text is the
first half of one real passage and the second half of another (FTS5 sees real term
statistics); its vector is 0.8 times the first's real vector plus 0.2 times the
second's plus Gaussian noise shaped like the real vectors' per-dimension spread,
renormalised (cosine about 0.9 to the first), not a uniform random vector.
Articles take a real article's passage count, title, outlet and date. Built
indexes are kept under `--cache` (one folder per model, schema and size): delete it
after changing the storage format.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexConfig
from index.engine import DB_FILE, LOCK_FILE, VECTORS_FILE, NewsIndex
from index.errors import InputError
from index.ingest.identity import article_key, content_hash
from index.models.embedders import Embedder, load_embedder
from index.records import Article
from index.storage.posting_codec import PACKED
from index.storage.posting_writes import LAYOUT
from index.storage.store import NewPassage, Store
from index.storage.vectors import SharedVectors, WriteLock

STAND_IN = "bench-stand-in-768"  # the model name of `--embedder stand-in` indexes
TRANSACTION_PASSAGES = 20_000  # synthetic passages per transaction and vector refresh

Log = Callable[[str], None]


# -- embedders -------------------------------------------------------------------
class HashWordsEmbedder:
    """`--embedder stand-in`: bag-of-words vectors hashed into 768 dimensions (texts
    sharing words are close), with no model; for fast runs and CI only."""

    def __init__(self, name: str = STAND_IN, dim: int = 768, max_tokens: int = 384) -> None:
        self.name, self.dim, self.max_tokens = name, dim, max_tokens

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                if len(word) > 2:
                    value = zlib.crc32(word.encode())
                    out[row, value % self.dim] += 1.0 if value & 1 << 20 else -1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else np.eye(1, self.dim, 0, dtype=np.float32)
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [int(len(text.split()) * 1.3) + 2 for text in texts]


class PoolEmbedder:
    """A stand-in that costs next to nothing: each text gets one of `pool`'s vectors,
    chosen by a hash of the text. Tokens are counted by `tokens` (the real model's
    tokenizer), so chunking is what the real pipeline does."""

    def __init__(self, pool: np.ndarray, tokens: Embedder) -> None:
        self.name, self.dim, self.max_tokens = tokens.name, tokens.dim, tokens.max_tokens
        self.pool, self.tokens = pool, tokens
        self.seconds = 0.0  # spent in encode, subtracted from the pipeline's time

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        rows = [zlib.crc32(text.encode()) % len(self.pool) for text in texts]
        out = np.ascontiguousarray(self.pool[rows], dtype=np.float32)
        self.seconds += time.perf_counter() - started
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.tokens.count_tokens(texts)


class QuestionVectors:
    """Wraps the real embedder: a question embedded beforehand is not embedded again
    (the engine-only latency); any other text is."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.table: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if len(texts) == 1 and texts[0] in self.table:
            return self.table[texts[0]][None, :]
        return self.inner.encode(texts, progress=progress)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)


def bench_embedder(kind: str, model: str) -> Embedder:
    """The embedder of a run: the configured model, or the hashing stand-in."""
    if kind == "stand-in":
        return HashWordsEmbedder()
    embedder = load_embedder(model)
    embedder.encode(["warm up"])
    return embedder


# -- the corpus --------------------------------------------------------------------
def read_pages(path: Path) -> list[Article]:
    """The pages of a corpus (.jsonl or .jsonl.gz): one article a line."""
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the corpus ({exc})") from None
    return [
        Article(
            title=row.get("title") or "",
            text=row.get("text") or "",
            source=row.get("source") or "",
            url=row.get("url") or "",
            published=row.get("published") or "",
        )
        for row in rows
        if (row.get("text") or "").strip()
    ]


def questions_from(pages: Sequence[Article], count: int) -> list[str]:
    """`count` questions from page titles spread over the corpus (repeats left out)."""
    titles = list(dict.fromkeys(p.title.strip() for p in pages if len(p.title.split()) >= 3))
    if not titles:
        raise InputError("the corpus has no titles to ask about")
    step = max(1, len(titles) // count)
    picked = titles[::step][:count]
    return [f"What happened with {title}?" for title in picked]


@dataclass
class Seed:
    """The real passages every index starts with, their vectors and articles."""

    texts: list[str]
    vectors: np.ndarray
    article: np.ndarray  # index into `articles` of each passage
    articles: list[Article]
    lengths: list[int] = field(default_factory=list)  # passages of each article


def index_config(path: Path, model: str, passage_tokens: int | None = None) -> IndexConfig:
    tokens = IndexConfig().passage_tokens if passage_tokens is None else passage_tokens
    return IndexConfig(path=str(path), model=model, passage_tokens=tokens)


def build_seed(
    directory: Path,
    pages: Sequence[Article],
    embedder: Embedder,
    settings: tuple[int, int],
    log: Log,
) -> tuple[Seed, int]:
    """Ingest pages through the real pipeline until `real` passages (once: cached in
    `directory`); return the seed and how many pages it used. `settings`: (real
    passages wanted, passage tokens)."""
    real, tokens = settings
    config = index_config(directory, embedder.name, tokens)
    done = directory / "done.json"
    if not done.exists():
        shutil.rmtree(directory, ignore_errors=True)
        log(f"embedding {real} real passages with {embedder.name} (once; cached)")
        used = 0
        with NewsIndex.open(directory, config, embedder) as index:
            while used < len(pages) and index.stats().passages < real:
                index.ingest_articles(pages[used : used + 10])
                used += 10
        done.write_text(json.dumps({"pages": min(used, len(pages))}))
    used = int(json.loads(done.read_text())["pages"])
    with NewsIndex.open(directory, config, embedder) as index:
        passages = index.all_passages()
        store = Store(directory / DB_FILE)
        try:
            _, ids, matrix = store.vector_snapshot()
        finally:
            store.close()
    by_id = {int(i): row for row, i in enumerate(ids)}
    articles: list[Article] = []
    where: dict[int, int] = {}
    lengths: list[int] = []
    for p in passages:
        if p.article_id not in where:
            where[p.article_id] = len(articles)
            articles.append(Article(p.title, "", p.source, p.url, p.published))
            lengths.append(0)
        lengths[where[p.article_id]] += 1
    seed = Seed(
        texts=[p.text for p in passages],
        vectors=matrix[[by_id[p.id] for p in passages]],
        article=np.array([where[p.article_id] for p in passages], dtype=np.int64),
        articles=articles,
        lengths=lengths,
    )
    return seed, used


class Synthesizer:
    """Passages that resemble the seed's: recombined text, perturbed real vectors."""

    def __init__(self, seed: Seed, rng_seed: int) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(rng_seed)
        self.words = [text.split() for text in seed.texts]
        self.spread = seed.vectors.std(axis=0).astype(np.float32)
        # Scale the noise to a norm of about 0.3 whatever the dimension: cosine ~0.9.
        self.noise = 0.3 / max(float(np.linalg.norm(self.spread)), 1e-6)

    def passages(self, count: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(texts, unit vectors, the seed passage each one is based on)."""
        n = len(self.seed.texts)
        first = self.rng.integers(0, n, count)
        second = self.rng.integers(0, n, count)
        texts = []
        for a, b in zip(first.tolist(), second.tolist(), strict=True):
            head, tail = self.words[a], self.words[b]
            texts.append(" ".join(head[: len(head) // 2 + 1] + tail[len(tail) // 2 :]))
        vectors = 0.8 * self.seed.vectors[first] + 0.2 * self.seed.vectors[second]
        noise = self.rng.standard_normal((count, vectors.shape[1]), dtype=np.float32)
        vectors += self.noise * noise * self.spread
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return texts, vectors.astype(np.float32), first

    def articles(
        self, count: int, tag: str, published: str | None = None
    ) -> Iterator[tuple[Article, list[str], np.ndarray]]:
        """Articles of about `count` passages in all, shaped like random seed articles."""
        texts, vectors, first = self.passages(count)
        start, number = 0, 0
        while start < count:
            model = self.seed.articles[int(self.seed.article[first[start]])]
            length = self.seed.lengths[int(self.seed.article[first[start]])]
            end = min(count, start + max(1, length))
            body = texts[start:end]
            article = Article(
                title=model.title,
                text="\n\n".join(body),
                source=model.source,
                url=f"https://bench.invalid/{tag}/{number}",
                published=model.published if published is None else published,
            )
            yield article, body, vectors[start:end]
            start, number = end, number + 1


def build_index(
    directory: Path, size: int, seed: Seed, embedder: Embedder, passage_tokens: int, log: Log
) -> None:
    """An index of exactly `size` passages in `directory` (kept when already built with
    the postings format and layout written today, so that the bench times what ingest
    writes)."""
    done = directory / "done.json"
    made = {"passages": size, "postings_format": PACKED.hex(), "postings_layout": LAYOUT}
    if done.exists() and made.items() <= json.loads(done.read_text()).items():
        return
    shutil.rmtree(directory, ignore_errors=True)
    config = index_config(directory, embedder.name, passage_tokens)
    NewsIndex.open(directory, config, embedder).close()  # records the model and settings
    started = time.perf_counter()
    store = Store(directory / DB_FILE)
    vectors = SharedVectors(
        directory / VECTORS_FILE, embedder.dim, store, WriteLock(directory / LOCK_FILE)
    )
    try:
        real = min(size, len(seed.texts))
        rows: list[tuple[Article, list[str], np.ndarray]] = []
        for index, article in enumerate(seed.articles):
            at = np.flatnonzero(seed.article[:real] == index)
            if len(at):
                body = [seed.texts[i] for i in at]
                rows.append((replace(article, text="\n\n".join(body)), body, seed.vectors[at]))
        _write(store, vectors, rows)
        synthesizer = Synthesizer(seed, rng_seed=size)
        left = size - real
        while left > 0:
            count = min(TRANSACTION_PASSAGES, left)
            _write(store, vectors, synthesizer.articles(count, f"{size}-{left}"))
            left -= count
            log(f"  {size - left:,} / {size:,} passages written")
        with vectors.lock.hold():
            vectors.publish()
    finally:
        store.close()
    done.write_text(json.dumps({**made, "build_s": time.perf_counter() - started}))


def _write(
    store: Store,
    vectors: SharedVectors,
    rows: Iterator[tuple[Article, list[str], np.ndarray]] | list[Any],
) -> None:
    """One transaction of articles, then the in-memory vectors catch up (no save)."""
    with store.transaction():
        for article, body, matrix in rows:
            passages = [
                NewPassage(position=i, text=t, vector=matrix[i]) for i, t in enumerate(body)
            ]
            store.add_article(article, article_key(article), content_hash(article), passages)
    vectors.refresh()
