"""The FAISS side of an index: passage vectors keyed by passage row id."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.storage.store import Store

log = logging.getLogger(__name__)


class VectorIndex:
    """An exact inner-product index (`IndexIDMap2` over `IndexFlatIP`) saved atomically."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        # Any: faiss's SWIG stubs know neither IndexIDMap2.id_map nor remove_ids(array).
        self._index: Any = index or faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

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
        return np.sort(faiss.vector_to_array(self._index.id_map).astype(np.int64))

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
