"""The vector index past `approximate_from`: the background switch to IVF-SQ6, its
recall against exact search, deletes, reopening, a crash mid-save, retraining."""

from __future__ import annotations

import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from index.config import IndexConfig
from index.engine import NewsIndex
from index.records import Article
from index.storage.store import NewPassage, Store
from index.storage.vector_index import TEMP_GLOB, VectorIndex
from index.storage.vectors import SharedVectors, WriteLock
from tests.support.embedders import HashEmbedder

DIM = 64
FROM = 500
WAIT_S = 60
PER_ARTICLE = 20


class Topics:
    """Vectors of realistic structure: passages around 60 topics (cosine ~0.5-0.7 to
    their topic, ~0 between topics), not uniform random directions."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.centres = self.rng.standard_normal((60, DIM)).astype(np.float32)

    def draw(self, n: int) -> np.ndarray:
        topic = self.centres[self.rng.integers(0, len(self.centres), n)]
        noise = self.rng.standard_normal((n, DIM)).astype(np.float32)
        vectors = topic + 1.2 * noise
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _add(store: Store, vectors: np.ndarray, tag: str) -> list[int]:
    """Store `vectors` as passages of articles of PER_ARTICLE passages; return their ids."""
    ids: list[int] = []
    with store.transaction():
        for start in range(0, len(vectors), PER_ARTICLE):
            n = start // PER_ARTICLE
            passages = [
                NewPassage(i, f"{tag} {n} {i}.", v)
                for i, v in enumerate(vectors[start : start + PER_ARTICLE])
            ]
            article = Article(title=f"{tag} {n}", text="Text.", url=f"https://t.test/{tag}/{n}")
            ids += store.add_article(article, f"{tag}-{n}", f"{tag}-{n}", passages)
    return ids


def _shared(path: Path, store: Store, approximate_from: int = FROM) -> SharedVectors:
    return SharedVectors(
        path / "vectors.faiss",
        DIM,
        store,
        WriteLock(path / "lock"),
        approximate_from=approximate_from,
    )


def _publish(vectors: SharedVectors) -> None:
    with vectors.lock.hold():
        vectors.publish(save=True)


def _exact(store: Store) -> VectorIndex:
    exact = VectorIndex(DIM)
    ids = store.passage_ids()
    found = store.vectors(ids.tolist())
    exact.add(ids, np.vstack([found[i] for i in ids.tolist()]))
    return exact


def _recall(vectors: SharedVectors, exact: VectorIndex, queries: np.ndarray) -> float:
    hits = 0
    for query in queries:
        got = {i for i, _ in vectors.search(query, 10)}
        hits += len(got & {i for i, _ in exact.search(query, 10)})
    return hits / (10 * len(queries))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "news.sqlite3")
    yield store
    store.close()


def test_past_approximate_from_it_switches_with_recall_and_exact_scores(tmp_path, store):
    topics = Topics()
    _add(store, topics.draw(2000), "a")
    vectors = _shared(tmp_path, store)
    queries = topics.draw(100)
    vectors.search(queries[0], 10)  # loads the exact index and starts the build
    assert vectors.wait_for_build(WAIT_S)
    assert vectors.approximate and vectors.size == 2000
    assert vectors.describe().startswith("IVF-SQ6, ")  # 6-bit codes: 584 B a passage
    exact = _exact(store)
    assert _recall(vectors, exact, queries) >= 0.97
    # Hits come back with the stored vectors' cosines, best first.
    got, want = vectors.search(queries[1], 10), dict(exact.search(queries[1], 50))
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    assert all(score == pytest.approx(want[i], abs=1e-5) for i, score in got)


def test_below_approximate_from_or_with_zero_it_stays_exact(tmp_path, store):
    topics = Topics()
    _add(store, topics.draw(FROM - PER_ARTICLE), "a")
    small = _shared(tmp_path, store)
    small.search(topics.draw(1)[0], 10)
    assert small.wait_for_build(WAIT_S) and not small.approximate
    _add(store, topics.draw(FROM), "b")
    never = _shared(tmp_path, store, approximate_from=0)
    never.search(topics.draw(1)[0], 10)
    assert never.wait_for_build(WAIT_S) and not never.approximate


def _article_of(store: Store, passage_id: int) -> int:
    return store.passages([passage_id])[passage_id].article_id


def test_an_exact_file_of_an_index_past_the_switch_is_made_approximate_on_open(tmp_path, store):
    topics = Topics()
    _add(store, topics.draw(1000), "a")
    exact = _shared(tmp_path, store, approximate_from=0)  # saved exact (the setting was off)
    _publish(exact)
    assert not VectorIndex.load(exact.file, DIM).approximate
    reopened = _shared(tmp_path, store)  # the file agrees with the database: no commit due
    reopened.refresh()
    assert reopened.wait_for_build(WAIT_S) and reopened.approximate


def test_deleted_passages_leave_the_results(tmp_path, store):
    topics = Topics()
    ids = _add(store, topics.draw(1000), "a")
    vectors = _shared(tmp_path, store)
    vectors.refresh()
    assert vectors.wait_for_build(WAIT_S) and vectors.approximate
    target = topics.draw(1)[0]
    before = [i for i, _ in vectors.search(target, 10)]
    doomed = {_article_of(store, i) for i in before[:3]}
    with store.transaction():
        gone = [pid for article in doomed for pid in store.delete_article(article)]
    _publish(vectors)
    after = [i for i, _ in vectors.search(target, 10)]
    assert len(after) == 10 and not set(after) & set(gone)
    assert vectors.ids().tolist() == sorted(set(ids) - set(gone))
    assert _recall(vectors, _exact(store), topics.draw(50)) >= 0.97


def test_reopening_loads_the_saved_approximate_index(tmp_path, store, monkeypatch):
    topics = Topics()
    _add(store, topics.draw(1000), "a")
    first = _shared(tmp_path, store)
    first.refresh()
    assert first.wait_for_build(WAIT_S) and first.approximate
    _publish(first)

    def no_training(*args, **kwargs):
        raise AssertionError("trained again although the saved index is approximate")

    monkeypatch.setattr(VectorIndex, "trained", no_training)
    again = _shared(tmp_path, store)
    query = topics.draw(1)[0]
    assert again.search(query, 10) == first.search(query, 10)
    assert again.approximate and again.ids().tolist() == store.passage_ids().tolist()


def _crashing_write(monkeypatch) -> None:
    """faiss.write_index that dies halfway through (as a kill -9 would leave it)."""
    real = faiss.write_index

    def write(index, path):
        real(index, path)
        Path(path).write_bytes(Path(path).read_bytes()[:1000])
        raise KeyboardInterrupt

    monkeypatch.setattr(faiss, "write_index", write)


@pytest.mark.parametrize("saved_before", ["exact", "approximate"])
def test_a_crash_mid_save_leaves_a_consistent_index(tmp_path, store, monkeypatch, saved_before):
    topics = Topics()
    _add(store, topics.draw(1000 if saved_before == "approximate" else 400), "a")
    first = _shared(tmp_path, store)
    first.refresh()
    assert first.wait_for_build(WAIT_S)
    _publish(first)
    assert VectorIndex.load(first.file, DIM).approximate == (saved_before == "approximate")
    _add(store, topics.draw(400), "b")  # the index now switches, or grows
    first.refresh()
    assert first.wait_for_build(WAIT_S) and first.approximate
    with monkeypatch.context() as patch:
        _crashing_write(patch)
        with pytest.raises(KeyboardInterrupt):
            _publish(first)
    reopened = _shared(tmp_path, store)
    assert reopened.ids().tolist() == store.passage_ids().tolist()  # caught up or rebuilt
    assert reopened.wait_for_build(WAIT_S) and reopened.approximate
    assert _recall(reopened, _exact(store), topics.draw(50)) >= 0.97
    assert not list(tmp_path.glob(TEMP_GLOB))  # the next writer tidied up


def test_questions_are_answered_from_the_exact_index_while_the_build_runs(
    tmp_path, store, monkeypatch
):
    topics = Topics()
    _add(store, topics.draw(1000), "a")
    started, release = threading.Event(), threading.Event()
    real = VectorIndex.trained

    def slow(dim, sample, size):
        started.set()
        assert release.wait(WAIT_S)
        return real(dim, sample, size)

    monkeypatch.setattr(VectorIndex, "trained", staticmethod(slow))
    vectors = _shared(tmp_path, store)
    vectors.refresh()
    assert started.wait(WAIT_S)
    exact = _exact(store)
    query = topics.draw(1)[0]
    assert vectors.search(query, 10) == exact.search(query, 10)  # not waiting
    late = _add(store, topics.draw(100), "late")  # committed during the build
    _publish(vectors)
    assert not vectors.approximate and set(late) <= set(vectors.ids().tolist())
    release.set()
    assert vectors.wait_for_build(WAIT_S)
    assert vectors.approximate
    assert vectors.ids().tolist() == store.passage_ids().tolist()  # late ones included
    assert _recall(vectors, _exact(store), topics.draw(50)) >= 0.97


def test_it_retrains_once_it_holds_four_times_the_passages(tmp_path, store):
    topics = Topics()
    _add(store, topics.draw(600), "a")
    vectors = _shared(tmp_path, store)
    vectors.refresh()
    assert vectors.wait_for_build(WAIT_S) and vectors.approximate
    lists = vectors.lists
    _add(store, topics.draw(1800), "b")
    vectors.refresh()
    assert vectors.wait_for_build(WAIT_S)
    assert vectors.lists >= 2 * lists and vectors.size == 2400
    assert _recall(vectors, _exact(store), topics.draw(50)) >= 0.97


def _story(n: int) -> Article:
    words = " ".join(f"topic{n} harbour{n} detail{n}x{i}" for i in range(12))
    return Article(title=f"Report {n}", text=f"Report {n}. {words}.", url=f"https://n.test/{n}")


def test_the_engine_answers_right_past_the_switch(tmp_path):
    config = IndexConfig(path=str(tmp_path), approximate_from=150)
    with NewsIndex.open(tmp_path, config, HashEmbedder()) as index:
        index.ingest_articles([_story(n) for n in range(200)])
        index.search("harbour1", k=1, mode="dense")
        assert index._vectors.wait_for_build(WAIT_S) and index._vectors.approximate
        index.ingest_articles([_story(n) for n in range(200, 220)])  # after the switch
        for n in (3, 77, 150, 210):
            hits = index.search(f"topic{n} harbour{n}", k=3)
            assert hits[0].passage.title == f"Report {n}"
    with NewsIndex.open(tmp_path, config, HashEmbedder()) as index:
        assert index.search("topic5 harbour5", k=1)[0].passage.title == "Report 5"
        assert index._vectors.approximate


def test_a_closing_index_stops_its_build_and_installs_nothing(tmp_path, store, monkeypatch):
    """`stop()` (NewsIndex.close) makes a running build give up at its next chunk: the
    exact index stays, and no build starts afterwards."""
    import threading

    from index.storage import vectors as vectors_module
    from index.storage.vector_index import VectorIndex

    topics = Topics()
    _add(store, topics.draw(2000), "a")
    training, release = threading.Event(), threading.Event()
    trained = VectorIndex.trained.__func__  # type: ignore[attr-defined]

    def slow_training(cls, dim, sample, size):
        training.set()
        release.wait(WAIT_S)
        return trained(cls, dim, sample, size)

    monkeypatch.setattr(VectorIndex, "trained", classmethod(slow_training))
    monkeypatch.setattr(vectors_module, "BUILD_CHUNK", 100)
    vectors = _shared(tmp_path, store)
    vectors.search(topics.draw(1)[0], 10)  # loads the exact index and starts the build
    assert training.wait(WAIT_S)
    vectors.stop()
    release.set()
    assert vectors.wait_for_build(WAIT_S)
    assert not vectors.approximate and vectors.size == 2000
    first = vectors._builder
    _add(store, topics.draw(20), "b")
    vectors.refresh()  # a sync starts a due build: not once stopped
    assert vectors._builder is first and vectors.size == 2020
    assert vectors.search(topics.draw(1)[0], 10)  # the exact index still answers
