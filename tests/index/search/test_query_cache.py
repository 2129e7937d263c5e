"""The question-vector cache of `Retriever`: the model's own vector, computed once per
text, bounded, and never changed by a caller."""

from __future__ import annotations

import numpy as np
import pytest

from index.search import retrieve
from index.search.fusion import SearchSettings
from index.search.retrieve import Retriever
from tests.support.embedders import HashEmbedder


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(64)
        self.calls = 0

    def encode(self, texts, *, progress=False):  # type: ignore[no-untyped-def]
        self.calls += len(texts)
        return super().encode(texts)


def test_a_text_is_embedded_once_and_gives_the_models_vector(monkeypatch) -> None:
    monkeypatch.setattr(retrieve, "QUERY_CACHE_SIZE", 2)
    embedder = CountingEmbedder()
    retriever = Retriever(None, None, embedder, SearchSettings())  # type: ignore[arg-type]
    first = retriever.query_vector("who won the vote?")
    assert np.array_equal(first, HashEmbedder(64).encode(["who won the vote?"])[0])
    assert retriever.query_vector("who won the vote?") is first and embedder.calls == 1
    with pytest.raises(ValueError):
        first[0] = 1.0  # shared between callers: read-only
    retriever.query_vector("b")
    retriever.query_vector("c")  # over the bound: the oldest goes
    retriever.query_vector("who won the vote?")
    assert embedder.calls == 4
