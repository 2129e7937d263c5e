"""The embedder registry: the tests' fake is known by name only once registered."""

from __future__ import annotations

import pytest

import index.models.embedders as embedders
from index.errors import StoreError
from index.models.embedders import load_embedder, register_embedder
from tests.support.embedders import HashEmbedder


def test_registered_hash_names_load_the_fake_embedder() -> None:
    embedder = load_embedder("hash-64")  # registered by tests/conftest.py
    assert isinstance(embedder, HashEmbedder)
    assert (embedder.name, embedder.dim) == ("hash-64", 64)
    assert load_embedder("hash-64") is embedder  # loaded once per process


def test_an_unregistered_hash_name_is_a_model_path_not_the_fake(monkeypatch) -> None:
    tried = []

    class NoModelThere:
        def __init__(self, model: str, **_: object) -> None:
            tried.append(model)
            raise StoreError(f"cannot load embedding model {model!r}: no such folder")

    # Stands in for sentence-transformers (slow to import) reading a model folder.
    monkeypatch.setattr(embedders, "SentenceTransformerEmbedder", NoModelThere)
    with pytest.raises(StoreError, match="cannot load embedding model 'hash-999'"):
        load_embedder("hash-999")
    assert tried == ["hash-999"]


def test_registering_a_name_makes_it_loadable(monkeypatch) -> None:
    monkeypatch.setattr(embedders, "_REGISTERED", dict(embedders._REGISTERED))
    name = "hash-test-registry-only"
    register_embedder(name, lambda: HashEmbedder(32))
    try:
        assert load_embedder(name).dim == 32
    finally:
        embedders._load.cache_clear()
