"""The FAISS file is saved once a share of the index changed, not after every batch:
the database is the log a file behind it catches up from, so a kill between two saves
loses nothing and appending costs the same however large the index grows."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from index.config import IndexConfig
from index.engine import VECTORS_FILE, NewsIndex
from index.records import Article
from index.storage import vectors as vectors_module
from index.storage.vector_index import VectorIndex
from index.storage.vectors import SharedVectors
from tests.support.embedders import HashEmbedder

BATCHES = 60


def _open(path: Path) -> NewsIndex:
    return NewsIndex.open(path, IndexConfig(path=str(path)), HashEmbedder())


def _article(n: int) -> Article:
    return Article(title=f"Report {n}", text=f"Harbour{n} opened a pier for ferries number {n}.")


@pytest.fixture
def counted_saves(monkeypatch) -> list[int]:
    monkeypatch.setattr(vectors_module, "SAVE_MIN", 8)
    sizes: list[int] = []
    real = SharedVectors._save

    def save(self: SharedVectors) -> None:
        sizes.append(self.size)
        real(self)

    monkeypatch.setattr(SharedVectors, "_save", save)
    return sizes


def test_saves_grow_geometrically_not_one_per_batch(tmp_path, counted_saves) -> None:
    with _open(tmp_path) as index:
        for n in range(BATCHES):
            index.ingest_articles([_article(n)])  # one passage a commit
        size = index.stats().passages
        saves_while_ingesting = len(counted_saves)
    # The first commit, then each time 1/8 of the index (at least SAVE_MIN) changed.
    bound = 2 + math.log(size / 8) / math.log(1 + vectors_module.SAVE_SHARE)
    assert saves_while_ingesting <= bound < BATCHES
    assert all(b > a for a, b in itertools.pairwise(counted_saves))
    saved = VectorIndex.load(tmp_path / VECTORS_FILE, HashEmbedder().dim)
    assert saved is not None and saved.size == size  # close saved the rest


def test_a_process_killed_between_saves_loses_nothing(tmp_path, counted_saves, caplog) -> None:
    index = _open(tmp_path)
    for n in range(BATCHES):
        index.ingest_articles([_article(n)])
    stored = [p.id for p in index.all_passages()]
    on_disk = VectorIndex.load(tmp_path / VECTORS_FILE, HashEmbedder().dim)
    assert on_disk is not None and on_disk.size < len(stored)  # behind: not saved at each
    index._store.close()  # as a kill: no checkpoint on the way out

    with caplog.at_level("INFO"), _open(tmp_path) as reopened:
        assert reopened.vector_ids().tolist() == stored
        hit = reopened.search("Harbour59 pier ferries", k=1, mode="dense")[0]
        assert hit.passage.title == "Report 59"
    assert "is behind the database" in caplog.text and "rebuilding" not in caplog.text
