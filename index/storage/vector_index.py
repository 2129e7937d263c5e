"""The plain FAISS index of passage vectors keyed by passage row id, and its file.

`VectorIndex` is the in-memory index with an atomic save: exact (`IndexFlatIP`) while
small, approximate (IVF with 6-bit scalar quantization) once `SharedVectors`
(storage.vectors) has built one. Also here: the approximate index's settings and list
count (`lists_for`), `load_or_rebuild` (the file, rebuilt from the store when it
disagrees with it) and `remove_stale_temps` (what a writer killed mid-save left).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.storage.store import Store

log = logging.getLogger(__name__)

# -- the approximate index (measured by benchmarks/ann.py; README "Approximate vector
# search") -----------------------------------------------------------------------------
# IVF with scalar quantization removes ids in place, which HNSW cannot (retention
# deletes passages every day). 6 bits a dimension: 576 B of codes + 8 B of id a
# 768-dim passage. benchmarks/ann.py at 1M passages, nprobe 64, hits re-scored with the
# stored vectors: recall@10 0.978 with 6 bits as with 8 (768 B); 4 bits (384 B) 0.958,
# under the 0.97 bar. Search costs about the same.
QUANTIZER = faiss.ScalarQuantizer.QT_6bit
QUANTIZER_NAMES = {
    faiss.ScalarQuantizer.QT_8bit: "SQ8",
    faiss.ScalarQuantizer.QT_6bit: "SQ6",
    faiss.ScalarQuantizer.QT_4bit: "SQ4",
}
LISTS_PER_SQRT = 4  # nlist = 4 * sqrt(passages at training), the FAISS guideline
# Lists scanned a question. Measured (benchmarks/ann.py) with real questions against
# real passages grown by perturbation, recall@10 vs exact with SharedVectors' re-scoring:
# 0.989 / 0.990 / 0.978 at 10k / 100k / 1M passages (48 lists: 0.976 at 1M, too near
# the 0.97 bar), for p95 1.0 ms at 100k and 5.0 ms at 1M on 2 cores.
NPROBE = 64
TRAIN_SAMPLE = 100_000  # vectors k-means trains on, at most
POINTS_PER_LIST = 39  # the fewest training vectors a list that FAISS's k-means accepts


FAISS_THREADS = faiss.omp_get_max_threads()  # OpenMP's default: one a core


@contextmanager
def faiss_threads(count: int) -> Iterator[None]:
    """FAISS searches made by this thread inside the block use `count` OpenMP threads,
    and the default after it (the setting is per calling thread: others keep theirs)."""
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(FAISS_THREADS)


def lists_for(size: int, sample: int | None = None) -> int:
    """The IVF list count for `size` passages, trained on `sample` of them (default
    `TRAIN_SAMPLE`): 4 * sqrt(size), but at least 39 training vectors a list."""
    sample = min(size, TRAIN_SAMPLE) if sample is None else sample
    wanted = max(16, int(LISTS_PER_SQRT * np.sqrt(max(size, 1))))
    return max(1, min(wanted, sample // POINTS_PER_LIST))


class VectorIndex:
    """An inner-product index keyed by passage id, saved atomically: exact
    (`IndexIDMap2` over `IndexFlatIP`) or approximate (`IndexIVFScalarQuantizer`)."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        # Any: faiss's SWIG stubs know neither IndexIDMap2.id_map nor remove_ids(array).
        self._index: Any = index or faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        if self.approximate:
            ivf: Any = self._index
            ivf.nprobe = min(NPROBE, ivf.nlist)
            # One question at a time: split its lists over the threads (FAISS's default
            # splits a batch's questions). At 1M passages, 2 threads: 7.5 -> 4.0 ms p50.
            ivf.parallel_mode = 1

    @classmethod
    def trained(cls, dim: int, sample: np.ndarray, size: int) -> VectorIndex:
        """An empty approximate index for about `size` passages, trained on `sample`."""
        nlist = lists_for(size, len(sample))
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(dim), dim, nlist, QUANTIZER,
            faiss.METRIC_INNER_PRODUCT,
        )  # fmt: skip
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        return cls(dim, index)

    @property
    def approximate(self) -> bool:
        return isinstance(self._index, faiss.IndexIVF)

    def describe(self) -> str:
        """What searches use: "flat (exact)" or the approximate index and its settings."""
        if not self.approximate:
            return "flat (exact)"
        codes = QUANTIZER_NAMES.get(int(self._index.sq.qtype), "SQ")
        return f"IVF-{codes}, {self.lists} lists, nprobe {min(NPROBE, self.lists)}, exact re-score"

    @property
    def lists(self) -> int:
        """The IVF list count of an approximate index (0 for an exact one)."""
        return int(self._index.nlist) if self.approximate else 0

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex | None:
        """Return the saved index, or None when it is missing, unreadable or of another size."""
        if not path.exists():
            return None
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            log.warning("ignoring unreadable vector file %s: %s", path, exc)
            return None
        if index.d != dim:
            return None
        return cls(dim, index)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """Every stored id, sorted."""
        if self.size == 0:
            return np.zeros(0, dtype=np.int64)
        if not self.approximate:
            return np.sort(faiss.vector_to_array(self._index.id_map).astype(np.int64))
        lists = self._index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).astype(np.int64)
            for i in range(self._index.nlist)
            if lists.list_size(i)
        ]
        return np.sort(np.concatenate(parts))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: list[int]) -> None:
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to k (id, cosine) pairs, best first."""
        if self.size == 0:
            return []
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), min(k, self.size))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def replace_with(self, other: VectorIndex) -> None:
        """Hold `other`'s vectors from now on (it must not be used afterwards)."""
        self._index = other._index

    def save(self, path: Path) -> None:
        """Write to a temporary file in the same directory, then rename over `path`."""
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".vectors-", suffix=".tmp")
        os.close(handle)
        try:
            faiss.write_index(self._index, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def load_or_rebuild(file: Path, dim: int, store: Store) -> VectorIndex:
    """The FAISS file at `file`, rebuilt from the store's vectors (and saved) when it is
    missing or disagrees with the stored passages (e.g. after a crash)."""
    vectors = VectorIndex.load(file, dim)
    expected = store.passage_ids()
    if vectors is not None and np.array_equal(vectors.ids(), expected):
        return vectors
    log.info("rebuilding %s from the database (%d passages)", file, len(expected))
    ids, matrix = store.all_vectors()
    vectors = VectorIndex(dim)
    vectors.add(ids, matrix)
    vectors.save(file)
    return vectors


TEMP_GLOB = ".vectors-*.tmp"  # what `VectorIndex.save` leaves behind when killed mid-save


def remove_stale_temps(directory: Path) -> int:
    """Delete temporary vector files left by a process killed while saving; return how
    many. Call it only under the write lock: a live writer's temp file is in use."""
    removed = 0
    for temp in directory.glob(TEMP_GLOB):
        try:
            temp.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    if removed:
        log.info("removed %d stale temporary vector file(s) from %s", removed, directory)
    return removed
