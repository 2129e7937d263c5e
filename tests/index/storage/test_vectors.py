"""The FAISS vector index on its own: add, remove, search, save and load, rebuild."""

from __future__ import annotations

import numpy as np
import pytest

from index.records import Article
from index.storage.store import NewPassage, Store
from index.storage.vector_index import VectorIndex, load_or_rebuild

DIM = 8


def _unit(*weights: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


def _filled() -> VectorIndex:
    vectors = VectorIndex(DIM)
    vectors.add(np.array([10, 20, 30]), np.vstack([_unit(1), _unit(1, 1), _unit(0, 1)]))
    return vectors


def test_search_returns_ids_by_cosine_best_first() -> None:
    vectors = _filled()
    assert vectors.size == 3 and vectors.ids().tolist() == [10, 20, 30]
    found = vectors.search(_unit(1), k=2)
    assert [pid for pid, _ in found] == [10, 20]
    assert [score for _, score in found] == pytest.approx([1.0, np.sqrt(0.5)], abs=1e-6)
    assert len(vectors.search(_unit(1), k=10)) == 3  # k beyond the size: all of them
    assert VectorIndex(DIM).search(_unit(1), k=5) == []


def test_removed_ids_are_gone_and_empty_calls_change_nothing() -> None:
    vectors = _filled()
    vectors.remove([10, 30])
    vectors.remove([])
    vectors.add(np.array([], dtype=np.int64), np.zeros((0, DIM), dtype=np.float32))
    assert vectors.ids().tolist() == [20]
    assert [pid for pid, _ in vectors.search(_unit(1), k=5)] == [20]
    vectors.remove([20])
    assert vectors.size == 0 and vectors.ids().tolist() == []


def test_save_and_load_round_trip(tmp_path) -> None:
    path = tmp_path / "vectors.faiss"
    vectors = _filled()
    vectors.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"]  # no temporary left
    loaded = VectorIndex.load(path, DIM)
    assert loaded is not None and loaded.ids().tolist() == [10, 20, 30]
    assert loaded.search(_unit(0, 1), k=1) == vectors.search(_unit(0, 1), k=1)


def test_load_of_a_missing_corrupt_or_other_size_file_is_none(tmp_path) -> None:
    path = tmp_path / "vectors.faiss"
    assert VectorIndex.load(path, DIM) is None
    path.write_bytes(b"garbage, not a FAISS index")
    assert VectorIndex.load(path, DIM) is None
    _filled().save(path)
    assert VectorIndex.load(path, DIM * 2) is None


def _store_with_passages(tmp_path) -> tuple[Store, list[int]]:
    store = Store(tmp_path / "news.sqlite3")
    passages = [NewPassage(i, f"Passage {i}.", _unit(*[0] * i, 1)) for i in range(3)]
    with store.transaction():
        ids = store.add_article(Article(title="T", text="Text."), "k", "h", passages)
    return store, ids


def test_load_or_rebuild_rebuilds_a_missing_or_corrupt_file_from_the_store(tmp_path) -> None:
    store, ids = _store_with_passages(tmp_path)
    path = tmp_path / "vectors.faiss"
    try:
        for damage in (lambda: None, lambda: path.write_bytes(b"garbage")):
            path.unlink(missing_ok=True)
            damage()
            vectors = load_or_rebuild(path, DIM, store)
            assert vectors.ids().tolist() == ids
            assert vectors.search(_unit(0, 1), k=1)[0][0] == ids[1]
            # The rebuilt index was saved: it loads as it is next time.
            assert VectorIndex.load(path, DIM).ids().tolist() == ids
    finally:
        store.close()


def test_load_or_rebuild_rebuilds_a_file_that_disagrees_with_the_store(tmp_path) -> None:
    store, ids = _store_with_passages(tmp_path)
    path = tmp_path / "vectors.faiss"
    try:
        stale = VectorIndex(DIM)
        stale.add(np.array(ids[:1]), np.vstack([_unit(1)]))
        stale.save(path)
        assert load_or_rebuild(path, DIM, store).ids().tolist() == ids
        assert VectorIndex.load(path, DIM).ids().tolist() == ids
    finally:
        store.close()


def test_load_or_rebuild_keeps_a_file_that_agrees(tmp_path, monkeypatch) -> None:
    store, ids = _store_with_passages(tmp_path)
    path = tmp_path / "vectors.faiss"
    try:
        load_or_rebuild(path, DIM, store)

        def no_rebuild():
            raise AssertionError("rebuilt although the file agrees")

        monkeypatch.setattr(store, "all_vectors", no_rebuild)
        assert load_or_rebuild(path, DIM, store).ids().tolist() == ids
    finally:
        store.close()
