"""`newsdesk bench`: the engine at 10k, 100k and 1M passages, measured in one run.

What it prints for each size of `--sizes` (passages in the index):

- **Question latency** p50/p95 of `NewsIndex.answer`, the bot's code path: whole
  (`latency_ms_*`, the question embedded by the real model) and engine only
  (`engine_ms_*`, the same questions with their vectors computed beforehand). The
  two are timed on two NewsIndex objects over the same directory, one question after
  the other, so the whole answer is always a question its index has not seen.
- **Recall@10 vs flat**: the engine's vector search (whatever index it uses) against
  an exact inner-product scan of every stored vector, on the questions' vectors. A
  result whose exact score ties the 10th best (within 1e-5) counts as found, so flat
  search scores 1.0 whatever the order of equal floats. `vector_index` names what the
  engine used ("flat (exact)" for today's `IndexFlatIP`).
- **Ingest**: the whole pipeline with the real model on a small real sample
  (`--sample` passages of scale pages, into a fresh index) against the raw model
  encode of the same passages, timed in the same run; and, at each size, the
  pipeline's own cost per passage (chunking, stories, SQLite, FTS5, the FAISS save)
  with a stand-in embedder that returns ready vectors. Per size,
  `ingest_passages_per_s` = 1 / (encode + overhead per passage) and
  `ingest_ratio_vs_encode` = encode / (encode + overhead): 1.0 means ingest is as
  fast as the model alone. The passages ingested there are dated 2000-12-31 and
  pruned by `NewsIndex.prune` afterwards, so the cached index keeps its size.
- **Disk per passage**: the index directory's bytes (after a clean close) / passages.
- **RAM per passage**: in a fresh process, the resident set size (/proc/self/statm)
  after loading the model and answering a warm-up question on an empty directory,
  subtracted from the RSS after opening the index and answering `--questions`
  questions; divided by the passages. So the model and the interpreter are
  excluded; what remains is what the open index holds (vectors, ids, SQLite page
  cache) plus whatever answering left allocated.
- **Ready**: wall time from spawning that fresh process (`python -m
  index.evaluation.bench --probe`) to its first answer, as the bot's start: imports,
  model load, `NewsIndex.open`, the first question (which loads the vectors).

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

Questions: titles of scale pages, asked as "What happened with TITLE?".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexConfig
from index.engine import DB_FILE, LOCK_FILE, VECTORS_FILE, NewsIndex
from index.errors import InputError
from index.ingest.furniture import strip_furniture
from index.ingest.identity import article_key, content_hash
from index.models.embedders import Embedder, load_embedder, register_embedder
from index.records import Article
from index.search.query import parse_query
from index.storage.retention import directory_bytes
from index.storage.schema import SCHEMA_VERSION
from index.storage.store import NewPassage, Store
from index.storage.vectors import SharedVectors, WriteLock
from index.text.chunker import chunk_text

DEFAULT_SIZES = (10_000, 100_000)
SCALE_CORPUS = Path("../shared/eval/scale/news_pages_2022.jsonl.gz")
STAND_IN = "bench-stand-in-768"  # the model name of `--embedder stand-in` indexes
TRANSACTION_PASSAGES = 20_000  # synthetic passages per transaction and vector refresh
OVERHEAD_PASSAGES = 1024  # four pipeline batches of 256 at each size
OLD_DAY = "2000-12-31"  # the date of the ingest-overhead articles, pruned afterwards
TIE = 1e-5  # exact scores this close to the 10th count as a tie


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


def _slug(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def _config(path: Path, model: str, passage_tokens: int | None = None) -> IndexConfig:
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
    config = _config(directory, embedder.name, tokens)
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


# -- building an index ------------------------------------------------------------------
Log = Callable[[str], None]


def build_index(
    directory: Path, size: int, seed: Seed, embedder: Embedder, passage_tokens: int, log: Log
) -> None:
    """An index of exactly `size` passages in `directory` (kept when already built)."""
    done = directory / "done.json"
    if done.exists() and json.loads(done.read_text()).get("passages") == size:
        return
    shutil.rmtree(directory, ignore_errors=True)
    config = _config(directory, embedder.name, passage_tokens)
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
    done.write_text(json.dumps({"passages": size, "build_s": time.perf_counter() - started}))


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


# -- measuring -------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (0..1) by linear interpolation; nan when empty."""
    return float(np.percentile(values, q * 100)) if values else float("nan")


def vector_index_name(vectors: Any) -> str:
    """What the engine's vector index is: its own description when it has one, else
    the FAISS index type ("flat (exact)" for a flat one)."""
    describe = getattr(vectors, "describe", None)
    if callable(describe):
        return str(describe())
    import faiss

    inner = getattr(vectors, "_index", None)
    if inner is None:
        return type(vectors).__name__
    if isinstance(inner, faiss.IndexIDMap):
        inner = faiss.downcast_index(inner.index)
    if isinstance(inner, faiss.IndexFlat):
        return "flat (exact)"
    return type(inner).__name__


def exact_top(store: Store, queries: np.ndarray, k: int) -> np.ndarray:
    """The exact k-th best inner product of each query over every stored vector,
    scanned in chunks (memory bounded at 1M passages)."""
    ids = store.passage_ids()
    best = np.full((len(queries), k), -np.inf, dtype=np.float32)
    for start in range(0, len(ids), 50_000):
        part = ids[start : start + 50_000].tolist()
        found = store.vectors(part)
        matrix = np.vstack([found[i] for i in part if i in found])
        scores = queries @ matrix.T
        best = np.sort(np.hstack([best, scores]), axis=1)[:, -k:]
    return best[:, 0]


def recall_at_10(index: NewsIndex, queries: np.ndarray) -> tuple[float, str]:
    """Recall@10 of the engine's vector search against an exact scan, and its name."""
    retriever = index.retriever(index.profile.search)
    store, vectors = retriever.store, retriever.vectors
    kth = exact_top(store, queries, 10)
    found = 0
    for query, bar in zip(queries, kth, strict=True):
        hits = [pid for pid, _ in vectors.search(query, 10)]
        stored = store.vectors(hits)
        found += sum(1 for pid in hits if float(stored[pid] @ query) >= bar - TIE)
    return found / (10 * len(queries)), vector_index_name(vectors)


def time_questions(
    engine_index: NewsIndex, whole_index: NewsIndex, questions: Sequence[str]
) -> tuple[list[float], list[float]]:
    """Milliseconds per answer, per question: engine only (`engine_index` has the
    question's vector ready), then whole (`whole_index`, another NewsIndex over the
    same directory, embeds it: each question is new to it, so no cache of question
    vectors can answer for the model)."""
    engine, whole = [], []
    for question in questions:
        started = time.perf_counter()
        engine_index.answer(question)
        engine.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        whole_index.answer(question)
        whole.append((time.perf_counter() - started) * 1000)
    return engine, whole


def ingest_overhead(
    directory: Path, config: IndexConfig, stand_in: PoolEmbedder, synthesizer: Synthesizer
) -> tuple[float, int]:
    """Seconds per passage the real pipeline spends besides embedding, ingesting
    `OVERHEAD_PASSAGES` new passages into the index at `directory`; they are pruned
    again afterwards. Returns (seconds per passage, passages)."""
    articles = [a for a, _, _ in synthesizer.articles(OVERHEAD_PASSAGES, "ingest", OLD_DAY)]
    with NewsIndex.open(directory, config, stand_in) as index:
        index.answer("warm up the vectors")  # loaded before the clock starts
        stand_in.seconds = 0.0
        started = time.perf_counter()
        report = index.ingest_articles(articles)
        seconds = time.perf_counter() - started - stand_in.seconds
        index.prune(now=date(2001, 1, 2), days=1)  # removes what is dated OLD_DAY
    return seconds / max(1, report.passages_added), report.passages_added


def ingest_sample(
    pages: Sequence[Article], embedder: Embedder, passage_tokens: int, target: int
) -> dict[str, float]:
    """The real pipeline on about `target` passages of `pages` into a fresh index, and
    the raw encode of the same passages, in the same run."""
    chosen: list[Article] = []
    expected = 0
    for page in pages:
        if expected >= target:
            break
        chunks = chunk_text(
            strip_furniture(page.text),
            embedder.count_tokens,
            target=passage_tokens,
            limit=embedder.max_tokens,
        )
        if chunks:
            chosen.append(page)
            expected += len(chunks)
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        config = _config(Path(tmp), embedder.name, passage_tokens)
        with NewsIndex.open(tmp, config, embedder) as index:
            started = time.perf_counter()
            report = index.ingest_articles(chosen)
            pipeline_s = time.perf_counter() - started
            texts = [p.text for p in index.all_passages()]
    started = time.perf_counter()
    embedder.encode(texts)
    encode_s = time.perf_counter() - started
    return {
        "passages": report.passages_added,
        "pipeline_s": round(pipeline_s, 3),
        "encode_s": round(encode_s, 3),
        "ratio_vs_encode": round(encode_s / pipeline_s, 3) if pipeline_s else float("nan"),
    }


# -- the fresh process: ready time and RAM --------------------------------------------
def _rss() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def probe(directory: Path, model: str, tokens: int, questions: Sequence[str]) -> None:
    """The fresh process: load the model, open the index, answer; print JSON lines."""
    started = time.perf_counter()
    if model == STAND_IN:
        register_embedder(STAND_IN, HashWordsEmbedder)
    embedder = load_embedder(model)
    # The same question on an empty index: the model and the code are warm, so the RSS
    # after it is the baseline without the index.
    with (
        tempfile.TemporaryDirectory(prefix="newsdesk-probe-") as empty,
        NewsIndex.open(empty, _config(Path(empty), model, tokens), embedder) as blank,
    ):
        blank.answer(questions[0])
    before = _rss()
    loaded = time.perf_counter()
    with NewsIndex.open(directory, _config(directory, model, tokens), embedder) as index:
        index.answer(questions[0])
        print(json.dumps({"ready": True, "model_s": loaded - started}), flush=True)
        for question in questions[1:]:
            index.answer(question)
        after = _rss()
    print(json.dumps({"rss_before": before, "rss_after": after}), flush=True)


def fresh_process(
    directory: Path, model: str, tokens: int, questions: Sequence[str]
) -> dict[str, float]:
    """Spawn the probe; seconds from spawning to its first answer, and its RSS growth."""
    command = [sys.executable, "-m", "index.evaluation.bench", "--probe", str(directory), model]
    command.append(str(tokens))
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(list(questions)))
    child.stdin.close()
    ready_s = float("nan")
    result: dict[str, float] = {}
    for line in child.stdout:
        row = json.loads(line)
        if row.get("ready"):
            ready_s = time.perf_counter() - started
            result["model_s"] = float(row["model_s"])
        else:
            result["rss_growth"] = float(row["rss_after"] - row["rss_before"])
    if child.wait() != 0:
        raise RuntimeError(f"the probe process failed with exit code {child.returncode}")
    result["ready_s"] = ready_s
    return result


# -- the run --------------------------------------------------------------------------
@dataclass
class BenchSettings:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    questions: int = 100
    cache: Path = Path(tempfile.gettempdir()) / "newsdesk-bench"
    corpus: Path = SCALE_CORPUS
    embedder: str = "model"  # or "stand-in"
    real: int = 2000
    sample: int = 300
    passage_tokens: int = IndexConfig().passage_tokens
    model: str = IndexConfig().model


def run_bench(settings: BenchSettings, log: Log | None = None) -> dict[str, Any]:
    """Build (or reuse) an index of each size and measure it; returns the JSON object."""
    say = log or (lambda message: None)
    pages = read_pages(settings.corpus)
    embedder = bench_embedder(settings.embedder, settings.model)
    corpus_id = (str(settings.corpus.resolve()), settings.corpus.stat().st_size)
    root = settings.cache / (
        f"{embedder.name.replace(':', '-').replace('/', '-')}-schema{SCHEMA_VERSION}-"
        f"p{settings.passage_tokens}-{_slug(corpus_id, settings.real)}"
    )
    root.mkdir(parents=True, exist_ok=True)
    seed, used = build_seed(
        root / "seed", pages, embedder, (settings.real, settings.passage_tokens), say
    )
    questions = questions_from(pages, settings.questions)
    say(f"ingest sample: ~{settings.sample} passages, pipeline vs raw encode")
    sample = ingest_sample(pages[used:], embedder, settings.passage_tokens, settings.sample)
    encode_per_passage = sample["encode_s"] / max(1, sample["passages"])
    wrapper = QuestionVectors(embedder)
    texts = [parse_query(q).text for q in questions]
    matrix = embedder.encode(texts)
    wrapper.table = {text: matrix[i] for i, text in enumerate(texts)}
    stand_in = PoolEmbedder(seed.vectors, embedder)
    out: dict[str, Any] = {
        "sizes": list(settings.sizes),
        "embedder": embedder.name,
        "questions": len(questions),
        "real_passages": min(len(seed.texts), max(settings.sizes)),
        "ingest_sample": sample,
    }
    keys = (
        "latency_ms_p50 latency_ms_p95 engine_ms_p50 engine_ms_p95 recall_at_10_vs_flat "
        "vector_index ingest_overhead_passages_per_s ingest_passages_per_s "
        "ingest_ratio_vs_encode disk_bytes_per_passage ram_bytes_per_passage ready_s "
        "passages build_s"
    ).split()
    for key in keys:
        out[key] = {}
    for size in settings.sizes:
        key = str(size)
        directory = root / f"n{size}"
        say(f"{size:,} passages: building (or reusing) {directory}")
        build_index(directory, size, seed, embedder, settings.passage_tokens, say)
        out["build_s"][key] = round(json.loads((directory / "done.json").read_text())["build_s"])
        out["disk_bytes_per_passage"][key] = round(directory_bytes(directory) / size)
        say(f"{size:,} passages: fresh process (ready time, RAM)")
        fresh = fresh_process(directory, embedder.name, settings.passage_tokens, questions)
        out["ready_s"][key] = round(fresh["ready_s"], 3)
        out["ram_bytes_per_passage"][key] = round(fresh["rss_growth"] / size)
        say(f"{size:,} passages: {len(questions)} questions, engine only and whole")
        config = _config(directory, embedder.name, settings.passage_tokens)
        with NewsIndex.open(directory, config, wrapper) as index:
            # Past `approximate_from` the first load builds the approximate index in the
            # background: timed once it is in use, and saved so `live` loads it.
            index.answer("Warm up: load the vectors.")
            index._vectors.wait_for_build()
            index._vectors.checkpoint()
        with (
            NewsIndex.open(directory, config, wrapper) as index,
            NewsIndex.open(directory, config, embedder) as live,
        ):
            out["passages"][key] = index.stats().passages
            index.answer("Warm up: load the vectors.")
            live.answer("Warm up: load the vectors.")
            engine, whole = time_questions(index, live, questions)
            recall, name = recall_at_10(index, matrix)
        out["engine_ms_p50"][key] = round(percentile(engine, 0.5), 2)
        out["engine_ms_p95"][key] = round(percentile(engine, 0.95), 2)
        out["latency_ms_p50"][key] = round(percentile(whole, 0.5), 2)
        out["latency_ms_p95"][key] = round(percentile(whole, 0.95), 2)
        out["recall_at_10_vs_flat"][key] = round(recall, 4)
        out["vector_index"][key] = name
        say(f"{size:,} passages: ingest overhead ({OVERHEAD_PASSAGES} passages, stand-in)")
        synthesizer = Synthesizer(seed, rng_seed=size + 1)
        overhead, _ = ingest_overhead(directory, config, stand_in, synthesizer)
        out["ingest_overhead_passages_per_s"][key] = round(1 / overhead, 1)
        per_passage = encode_per_passage + overhead
        out["ingest_passages_per_s"][key] = round(1 / per_passage, 2)
        out["ingest_ratio_vs_encode"][key] = round(encode_per_passage / per_passage, 3)
    names = set(out["vector_index"].values())
    out["vector_index_used"] = names.pop() if len(names) == 1 else sorted(names)
    return out


def format_report(result: dict[str, Any]) -> str:
    """The run as a table, one row per size."""
    sample = result["ingest_sample"]
    lines = [
        f"newsdesk bench: {result['embedder']}, {result['questions']} questions, "
        f"{os.cpu_count()} cores; first {result['real_passages']:,} passages real, "
        "the rest synthetic",
        f"ingest sample (real pipeline, fresh index): {sample['passages']} passages in "
        f"{sample['pipeline_s']:.1f} s; raw encode of the same {sample['encode_s']:.1f} s "
        f"(ratio {sample['ratio_vs_encode']:.2f})",
        "",
        "| passages | vector index | answer p50 / p95 ms | engine p50 / p95 ms | recall@10 "
        "| ingest overhead p/s | ingest p/s (ratio vs encode) | disk B/p | RAM B/p | ready s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in result["sizes"]:
        k = str(size)
        lines.append(
            f"| {size:,} | {result['vector_index'][k]} "
            f"| {result['latency_ms_p50'][k]:.1f} / {result['latency_ms_p95'][k]:.1f} "
            f"| {result['engine_ms_p50'][k]:.1f} / {result['engine_ms_p95'][k]:.1f} "
            f"| {result['recall_at_10_vs_flat'][k]:.3f} "
            f"| {result['ingest_overhead_passages_per_s'][k]:,.0f} "
            f"| {result['ingest_passages_per_s'][k]:.1f} "
            f"({result['ingest_ratio_vs_encode'][k]:.3f}) "
            f"| {result['disk_bytes_per_passage'][k]:,} "
            f"| {result['ram_bytes_per_passage'][k]:,} | {result['ready_s'][k]:.2f} |"
        )
    return "\n".join(lines)


def _probe_main(argv: Sequence[str]) -> int:
    directory, model, tokens = Path(argv[0]), argv[1], int(argv[2])
    probe(directory, model, tokens, json.loads(sys.stdin.read()))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--probe":
        sys.exit(_probe_main(sys.argv[2:]))
    sys.exit("usage: python -m index.evaluation.bench --probe DIRECTORY MODEL TOKENS < QUESTIONS")
