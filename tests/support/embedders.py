"""A deterministic fake embedder for fast tests, registered under "hash-N" names only
by the tests (a user cannot configure it)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from index.models.embedders import register_embedder
from index.text.words import words


class HashEmbedder:
    """A deterministic bag-of-words embedder for fast tests: no model, same text, same vector.

    Texts sharing words get a positive cosine, so retrieval behaves plausibly.
    """

    def __init__(self, dim: int = 256, max_tokens: int = 256) -> None:
        self.name = f"hash-{dim}"
        self.dim = dim
        self.max_tokens = max_tokens

    def _bucket(self, word: str) -> tuple[int, float]:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, 1.0 if (value >> 40) & 1 else -1.0

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                if len(word) > 2:
                    index, sign = self._bucket(word)
                    out[row, index] += sign
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        # Word pieces run ~1.3 per word in news English; +2 for [CLS]/[SEP].
        return [int(len(text.split()) * 1.3) + 2 for text in texts]


def register_hash_embedders(dims: Sequence[int] = (64, 128, 256)) -> None:
    """Make `model = "hash-N"` load a HashEmbedder(N) in this process."""
    for dim in dims:
        register_embedder(f"hash-{dim}", lambda dim=dim: HashEmbedder(dim))
