"""Approximate vector indexes against exact search, on real embeddings grown to scale.

Real passages of the scale corpus (and real questions of rtqa-evidence as queries) are
embedded once with the default model and cached as .npy; larger sizes are drawn by
perturbing real vectors (a mix of two real passages plus Gaussian noise shaped like
the real spread, renormalised: cosine ~0.9 to its parent), never uniform random
vectors, on which approximate indexes behave unlike real data. For each size it
prints recall@10 of each index against `IndexFlatIP`, query time p50/p95 (one query
at a time, FAISS on the engine's thread count), bytes per vector and build time;
the quantized IVF indexes also with "+rerank": 2k hits re-scored with the float vectors, the k best
kept, as the engine does with the vectors it stores in SQLite.

    .venv/bin/python benchmarks/ann.py --sizes 10000,100000,1000000 \
        --cache /tmp/newsdesk-ann [--passages 8000] [--queries 300] [--threads 2]

Embedding 8,000 passages takes ~15 minutes on two cores, once; later runs read the
cache.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from index.storage.vector_index import lists_for

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"
SCALE = EVAL / "scale" / "news_pages_2022.jsonl.gz"
QUESTIONS = EVAL / "rtqa-evidence" / "questions.jsonl"


# -- real embeddings ------------------------------------------------------------------
def real_vectors(cache: Path, passages: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    """(passage vectors, question vectors) of the default model, embedded once."""
    cache.mkdir(parents=True, exist_ok=True)
    base_file, query_file = cache / "passages.npy", cache / "questions.npy"
    base = np.load(base_file) if base_file.exists() else np.zeros((0, 768), np.float32)
    asked = np.load(query_file) if query_file.exists() else np.zeros((0, 768), np.float32)
    if len(base) >= passages and len(asked) >= queries:
        return base[:passages], asked[:queries]

    from index.config import IndexConfig
    from index.models.embedders import load_embedder
    from index.text.chunker import chunk_text

    embedder = load_embedder(IndexConfig().model)
    if len(asked) < queries:
        with QUESTIONS.open() as handle:
            texts = [json.loads(line)["question"] for line in handle]
        random.Random(7).shuffle(texts)
        asked = embedder.encode(texts[:queries], progress=True)
        np.save(query_file, asked)
    with gzip.open(SCALE, "rt") as handle:
        pages = [json.loads(line)["text"] for line in handle]
    random.Random(7).shuffle(pages)  # many outlets and topics, not the file's order
    texts = []
    for page in pages:
        chunks = chunk_text(page, embedder.count_tokens, target=108, limit=embedder.max_tokens)
        texts.extend(c.text for c in chunks[:20])  # no one long page dominates
        if len(texts) >= passages:
            break
    texts = texts[:passages]
    step = 500  # saved as it goes: an interrupted run keeps what it embedded
    parts = [base] if len(base) else []
    for start in range(len(base), len(texts), step):
        parts.append(embedder.encode(texts[start : start + step], progress=True))
        np.save(base_file, np.vstack(parts).astype(np.float32))
        print(f"embedded {start + len(parts[-1])}/{len(texts)}", file=sys.stderr, flush=True)
    return np.load(base_file)[:passages], asked[:queries]


def grow(real: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """`size` unit vectors: the real ones, then perturbed mixes of them."""
    if size <= len(real):
        return real[:size].copy()
    rng = np.random.default_rng(seed)
    spread = real.std(axis=0).astype(np.float32)
    noise_scale = 0.3 / float(np.linalg.norm(spread))  # noise norm ~0.3: cosine ~0.9
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real
    step = 100_000
    for start in range(len(real), size, step):
        n = min(step, size - start)
        first, second = rng.integers(0, len(real), n), rng.integers(0, len(real), n)
        block = 0.8 * real[first] + 0.2 * real[second]
        block += noise_scale * rng.standard_normal(block.shape, dtype=np.float32) * spread
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + n] = block
    return out


# -- the candidates ---------------------------------------------------------------------
Candidate = tuple[str, Callable[[Any], Any], Callable[[Any, int], None], list[int]]


def candidates(dim: int, nlist: int) -> list[Candidate]:
    """(name, build(trained coarse quantizer), set_search_param(index, value), values).

    The IVF indexes share one coarse quantizer (k-means is the slow part of training),
    with the engine's list count (`index.storage.vector_index.lists_for`)."""
    import faiss

    ip = faiss.METRIC_INNER_PRODUCT

    def hnsw(quantizer: Any) -> Any:
        index = faiss.IndexHNSWFlat(dim, 32, ip)
        index.hnsw.efConstruction = 64
        return index

    def set_nprobe(index: Any, value: int) -> None:
        index.nprobe = value

    def set_ef(index: Any, value: int) -> None:
        index.hnsw.efSearch = value

    probes = [p for p in (8, 16, 24, 32, 48, 64, 96) if p <= nlist]
    return [
        ("IVF-Flat", lambda q: faiss.IndexIVFFlat(q, dim, nlist, ip), set_nprobe, probes),
        (
            "IVF-SQ8",
            lambda q: faiss.IndexIVFScalarQuantizer(
                q, dim, nlist, faiss.ScalarQuantizer.QT_8bit, ip
            ),
            set_nprobe,
            probes,
        ),
        # 6 and 4 bits a dimension: 576 and 384 B a vector (disk per passage, README).
        (
            "IVF-SQ6",
            lambda q: faiss.IndexIVFScalarQuantizer(
                q, dim, nlist, faiss.ScalarQuantizer.QT_6bit, ip
            ),
            set_nprobe,
            probes,
        ),
        (
            "IVF-SQ4",
            lambda q: faiss.IndexIVFScalarQuantizer(
                q, dim, nlist, faiss.ScalarQuantizer.QT_4bit, ip
            ),
            set_nprobe,
            probes,
        ),
        # 96 sub-quantizers of 8 bits: 96 B a vector, scores from the codes alone.
        ("IVF-PQ96", lambda q: faiss.IndexIVFPQ(q, dim, nlist, 96, 8, ip), set_nprobe, probes),
        ("HNSW32", hnsw, set_ef, [32, 64, 128, 256]),
    ]


def _memory_bytes(index: Any) -> int:
    import faiss

    return len(faiss.serialize_index(index))


def _timed_queries(
    index: Any, queries: np.ndarray, k: int, rerank: np.ndarray | None = None
) -> tuple[np.ndarray, list[float]]:
    """Search one query at a time; with `rerank` (the float vectors by id), fetch 2k
    hits and keep the k best by exact cosine, as `SharedVectors.search` does with the
    vectors stored in SQLite (reading 150 of them by id: ~0.7 ms, not timed here)."""
    fetch = 2 * k if rerank is not None else k
    found = np.empty((len(queries), k), dtype=np.int64)
    times = []
    for row, query in enumerate(queries):
        started = time.perf_counter()
        _, ids = index.search(query.reshape(1, -1), fetch)
        hits = ids[0]
        if rerank is not None:
            hits = hits[hits >= 0]
            hits = hits[np.argsort(-(rerank[hits] @ query), kind="stable")][:k]
        times.append((time.perf_counter() - started) * 1000)
        found[row, : len(hits)] = hits[:k]
        found[row, len(hits) :] = -1
    return found, times


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / (len(truth) * k)


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def measure(
    base: np.ndarray,
    queries: np.ndarray,
    k: int,
    skip: set[str],
    train_cap: int,
    hnsw_max: int,
) -> list[dict[str, Any]]:
    """One row per (index, search setting) on `base`."""
    import faiss

    size, dim = base.shape
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    flat.add(base)
    build_s = time.perf_counter() - started
    _timed_queries(flat, queries[:20], k)  # warm up
    truth, times = _timed_queries(flat, queries, k)
    rows.append(_row("Flat (exact)", "-", size, 1.0, times, _memory_bytes(flat), 0.0, build_s))
    del flat
    rng = np.random.default_rng(1)
    sample = base[np.sort(rng.choice(size, min(size, train_cap), replace=False))]
    nlist = lists_for(size, len(sample))
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(dim)
    kmeans = faiss.Clustering(dim, nlist)
    kmeans.spherical = False
    kmeans.train(sample, quantizer)  # what IndexIVF.train does with its defaults
    kmeans_s = time.perf_counter() - started
    for name, build, set_param, values in candidates(dim, nlist):
        if name in skip or (name.startswith("HNSW") and size > hnsw_max):
            continue
        index = build(quantizer)
        started = time.perf_counter()
        if not index.is_trained:
            index.train(sample)  # the codec only: the quantizer is trained
        train_s = time.perf_counter() - started + (kmeans_s if "IVF" in name else 0.0)
        started = time.perf_counter()
        index.add(base)
        add_s = time.perf_counter() - started
        memory = _memory_bytes(index) - (quantizer.ntotal * dim * 4 if "IVF" in name else 0)
        for value in values:
            set_param(index, value)
            label = f"nprobe={value}/{nlist}" if "IVF" in name else f"efSearch={value}"
            for rerank in (None, base) if name.startswith(("IVF-SQ", "IVF-PQ")) else (None,):
                _timed_queries(index, queries[:20], k, rerank)
                found, times = _timed_queries(index, queries, k, rerank)
                recall = _recall(found, truth)
                setting = label if rerank is None else f"{label} +rerank"
                rows.append(_row(name, setting, size, recall, times, memory, train_s, add_s))
                print(_format(rows[-1]), flush=True)
        del index
    return rows


def _row(
    name: str, setting: str, size: int, recall: float, times: list[float], memory: int,
    train_s: float, add_s: float,
) -> dict[str, Any]:  # fmt: skip
    return {
        "index": name,
        "setting": setting,
        "passages": size,
        "recall_at_10": round(recall, 4),
        "p50_ms": round(_pct(times, 50), 2),
        "p95_ms": round(_pct(times, 95), 2),
        "bytes_per_vector": round(memory / size),
        "train_s": round(train_s, 1),
        "add_s": round(add_s, 1),
    }


def _format(row: dict[str, Any]) -> str:
    return (
        f"| {row['passages']:>9,} | {row['index']:<12} | {row['setting']:<22} "
        f"| {row['recall_at_10']:.3f} | {row['p50_ms']:>7.2f} | {row['p95_ms']:>7.2f} "
        f"| {row['bytes_per_vector']:>6} | {row['train_s']:>6.1f} | {row['add_s']:>6.1f} |"
    )


HEADER = (
    "| passages | index | search | recall@10 | p50 ms | p95 ms | bytes/vector "
    "| train s | add s |\n|---|---|---|---|---|---|---|---|---|"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="passage counts, comma-separated")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsdesk-ann"))
    parser.add_argument("--passages", type=int, default=8000, help="real passages to embed")
    parser.add_argument("--queries", type=int, default=300, help="real questions as queries")
    parser.add_argument("--threads", type=int, default=2, help="FAISS threads (the engine: 2)")
    parser.add_argument("--train", type=int, default=100_000, help="training sample cap")
    parser.add_argument(
        "--hnsw-max", type=int, default=200_000, help="largest size to build HNSW at (slow)"
    )
    parser.add_argument("--skip", default="", help="indexes to leave out, comma-separated")
    parser.add_argument("--embed-only", action="store_true", help="fill the cache and stop")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()

    import faiss

    real, queries = real_vectors(args.cache, args.passages, args.queries)
    print(f"real vectors: {len(real)} passages, {len(queries)} questions", file=sys.stderr)
    if args.embed_only:
        return 0
    faiss.omp_set_num_threads(args.threads)
    skip = {s for s in args.skip.split(",") if s}
    rows = []
    print(HEADER, flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        base = grow(real, size)
        rows.extend(measure(base, queries, 10, skip, args.train, args.hnsw_max))
        del base
    print("\n" + HEADER)
    for row in rows:
        print(_format(row))
    best = [
        r for r in rows if r["recall_at_10"] >= 0.97 and r["index"] != "Flat (exact)"
    ]  # the fastest setting per index and size that meets the bar
    if best:
        print("\nfastest settings with recall@10 >= 0.97:")
        for size in sorted({r["passages"] for r in best}):
            for name in sorted({r["index"] for r in best if r["passages"] == size}):
                fit = [r for r in best if r["passages"] == size and r["index"] == name]
                print(_format(min(fit, key=lambda r: r["p95_ms"])))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
