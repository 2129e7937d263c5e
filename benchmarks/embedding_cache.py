"""An embedder that remembers every vector it computed, on disk, keyed by model and text.

The real model embeds ~30 passages a second on two cores; benchmarks that ingest the
same texts many times (a threshold sweep) embed each text once across runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.models.embedders import Embedder

_PROBE = "A probe sentence that identifies the exact model build, twelve words long."


class CachedEmbedder:
    """Wraps `inner`; same name, size and vectors, each text embedded once across runs."""

    def __init__(self, inner: Embedder, directory: Path) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        # The model's name and its vector for a probe text: two builds of one model
        # that differ (another quantization) never share a cache file.
        probe = np.round(inner.encode([_PROBE])[0], 3).tobytes()
        slug = hashlib.sha256(inner.name.encode() + probe).hexdigest()[:12]
        self.file = directory / f"vectors-{slug}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if self.file.exists():
            with np.load(self.file) as saved:
                self._vectors = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            wanted = {k: t for k, t in zip(keys, texts, strict=True) if k in set(missing)}
            fresh = self.inner.encode([wanted[k] for k in missing], progress=progress)
            self._vectors.update(zip(missing, fresh, strict=True))
            self._dirty = True
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = self._vectors[key]
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def save(self) -> None:
        """Write the cache (atomically) when it gained vectors."""
        if not self._dirty:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors))
        vectors = np.vstack(list(self._vectors.values())).astype(np.float32)
        tmp = self.file.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self.file)
        self._dirty = False


def model_embedder(directory: Path | None) -> CachedEmbedder | None:
    """The configured default model behind a cache in `directory` (created when missing);
    None without a directory (the engine then loads the model itself)."""
    if directory is None:
        return None
    from index.config import IndexConfig
    from index.models.embedders import load_embedder

    directory.mkdir(parents=True, exist_ok=True)
    return CachedEmbedder(load_embedder(IndexConfig().model), directory)
