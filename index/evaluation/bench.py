"""`newsdesk bench`: the engine at 10k, 100k and 1M passages, measured in one run.

What it prints for each size of `--sizes` (passages in the index):

- **Question latency** p50/p95 of `NewsIndex.answer`, the bot's code path: whole
  (`latency_ms_*`, the question embedded by the real model) and engine only
  (`engine_ms_*`, the same questions with their vectors computed beforehand). The
  two are timed on two NewsIndex objects over the same directory, each in its own
  pass over the questions, so each answer is to a question its index has not seen.
- **Recall@10 vs flat**: the engine's vector search (whatever index it uses) against
  an exact inner-product scan of every stored vector, on the questions' vectors. A
  result whose exact score ties the 10th best (within 1e-5) counts as found, so flat
  search scores 1.0 whatever the order of equal floats. `vector_index` names what the
  engine used ("flat (exact)" for today's `IndexFlatIP`).
- **Ingest**: the whole pipeline with the real model on a small real sample
  (`--sample` passages of scale pages, into a fresh index) against the raw model
  encode of the same passages, timed in the same run; and, at each size, the
  pipeline's own cost per passage (chunking, stories, SQLite, FTS5, the FAISS save)
  with a stand-in embedder that returns ready vectors, measured in
  `OVERHEAD_ROUNDS` rounds that visit every size in turn (the median is reported;
  `ingest_overhead_vs_smallest` is the median over rounds of a size's throughput
  over the smallest size's in the same round, so the machine's drift cancels). Per size,
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

Where the code is: the embedders, the corpus, the synthetic passages and the cached
indexes in index.evaluation.bench_corpus; the fresh process in
index.evaluation.bench_probe; measuring each size and the report here.

Questions: titles of scale pages, asked as "What happened with TITLE?".
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexConfig
from index.engine import NewsIndex
from index.evaluation.bench_corpus import (
    Log,
    PoolEmbedder,
    QuestionVectors,
    Synthesizer,
    bench_embedder,
    build_index,
    build_seed,
    index_config,
    questions_from,
    read_pages,
)
from index.evaluation.bench_probe import fresh_process, probe
from index.ingest.furniture import strip_furniture
from index.models.embedders import Embedder
from index.records import Article
from index.search.query import parse_query
from index.storage.retention import directory_bytes
from index.storage.schema import SCHEMA_VERSION
from index.storage.store import Store
from index.text.chunker import chunk_text

DEFAULT_SIZES = (10_000, 100_000)
SCALE_CORPUS = Path("../shared/eval/scale/news_pages_2022.jsonl.gz")
OVERHEAD_PASSAGES = 1024  # four pipeline batches of 256 at each size
# Rounds of the overhead measurement, each visiting every size: measured one size
# after the other once, the same code's 10k figure moved from 311 to 423 passages/s
# between runs minutes apart, more than the sizes differed within a run.
OVERHEAD_ROUNDS = 3
OLD_DAY = "2000-12-31"  # the date of the ingest-overhead articles, pruned afterwards
TIE = 1e-5  # exact scores this close to the 10th count as a tie


def _slug(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


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
    vectors can answer for the model).

    Each is its own pass over the questions, as a bot has one index: asked in turn,
    each index's answer found the CPU caches full of the other's (its own vector
    index, postings and rows), which cost the engine about 3 ms at p50 and 5 ms at
    p95 at 100k passages (13.1 / 19.4 ms interleaved, 10.2 / 14.2 ms in its own pass,
    both the first time the questions are asked).
    """
    engine, whole = [], []
    for question in questions:
        started = time.perf_counter()
        engine_index.answer(question)
        engine.append((time.perf_counter() - started) * 1000)
    for question in questions:
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
        config = index_config(Path(tmp), embedder.name, passage_tokens)
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
        "vector_index ingest_overhead_passages_per_s ingest_overhead_vs_smallest "
        "ingest_passages_per_s "
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
        config = index_config(directory, embedder.name, settings.passage_tokens)
        with NewsIndex.open(directory, config, wrapper) as index:
            # Past `approximate_from` the first load builds the approximate index in the
            # background: everything below is measured once it is in use, and saved
            # (the fresh process and `live` load it, as a restarted bot would).
            index.answer("Warm up: load the vectors.")
            index._vectors.wait_for_build()
            index._vectors.checkpoint()
        out["disk_bytes_per_passage"][key] = round(directory_bytes(directory) / size)
        say(f"{size:,} passages: fresh process (ready time, RAM)")
        fresh = fresh_process(directory, embedder.name, settings.passage_tokens, questions)
        out["ready_s"][key] = round(fresh["ready_s"], 3)
        out["ram_bytes_per_passage"][key] = round(fresh["rss_growth"] / size)
        say(f"{size:,} passages: {len(questions)} questions, engine only and whole")
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
    say(
        f"ingest overhead: {OVERHEAD_ROUNDS} rounds of {OVERHEAD_PASSAGES} passages at each"
        " size in turn, stand-in embedder"
    )
    rounds: dict[int, list[float]] = {size: [] for size in settings.sizes}
    for number in range(OVERHEAD_ROUNDS):
        # Every other round backwards: no size always runs right after the largest.
        for size in settings.sizes if number % 2 == 0 else settings.sizes[::-1]:
            directory = root / f"n{size}"
            config = index_config(directory, embedder.name, settings.passage_tokens)
            synthesizer = Synthesizer(seed, rng_seed=size + 1 + 1000 * number)
            rounds[size].append(ingest_overhead(directory, config, stand_in, synthesizer)[0])
    smallest = rounds[min(settings.sizes)]
    for size, seconds in rounds.items():
        key, overhead = str(size), float(np.median(seconds))
        out["ingest_overhead_passages_per_s"][key] = round(1 / overhead, 1)
        ratios = [first / mine for first, mine in zip(smallest, seconds, strict=True)]
        out["ingest_overhead_vs_smallest"][key] = round(float(np.median(ratios)), 3)
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
        "| ingest overhead p/s (vs smallest) | ingest p/s (ratio vs encode) | disk B/p "
        "| RAM B/p | ready s |",
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
            f"({result['ingest_overhead_vs_smallest'][k]:.2f}) "
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
