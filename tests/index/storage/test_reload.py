"""An open index keeps up with others: what another process commits, questions while
its own ingest runs, lazy loading of the vectors, leftovers of a killed save."""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import threading
import traceback
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.config import IndexConfig
from index.engine import LOCK_FILE, VECTORS_FILE, NewsIndex
from index.records import Article
from index.storage.vector_index import VectorIndex
from tests.support.embedders import HashEmbedder

CTX = multiprocessing.get_context("spawn")
WAIT_S = 60


def _open(path: str | Path, embedder: HashEmbedder | None = None) -> NewsIndex:
    return NewsIndex.open(path, IndexConfig(path=str(path)), embedder or HashEmbedder())


def _article(n: int, *, words: int = 60, url: bool = True) -> Article:
    text = " ".join(f"Item{n} topic{n * 13 % 101} word{i} placename{n}." for i in range(words // 4))
    return Article(
        title=f"Report {n}",
        text=f"Report {n} from harbour{n}. {text}",
        url=f"https://news.test/{n}" if url else "",
    )


def _passage_ids(index: NewsIndex) -> list[int]:
    return [p.id for p in index.all_passages()]


# -- another process's commits -----------------------------------------------------
NEW = range(100, 140)


def _reader(path: str, ready: Any, ingested: Any, results: Any) -> None:
    try:
        with _open(path) as index:
            index.search("harbour1", mode="dense")  # the vectors are loaded now
            ready.set()
            assert ingested.wait(WAIT_S)
            found = 0
            for n in NEW:
                hits = index.search(f"harbour{n} placename{n} item{n}", k=3, mode="dense")
                found += any(h.passage.title == f"Report {n}" for h in hits)
            same = index.vector_ids().tolist() == _passage_ids(index)
            results.put((found, same, ""))
    except Exception:
        results.put((0, False, traceback.format_exc()))


def test_a_reader_process_sees_what_another_process_ingests(tmp_path) -> None:
    with _open(tmp_path) as index:
        index.ingest_articles([_article(n) for n in range(5)])
    ready, ingested, results = CTX.Event(), CTX.Event(), CTX.Queue()
    reader = CTX.Process(target=_reader, args=(str(tmp_path), ready, ingested, results))
    reader.start()
    try:
        assert ready.wait(WAIT_S)
        with _open(tmp_path) as index:
            assert index.ingest_articles([_article(n) for n in NEW]).articles_added == len(NEW)
        ingested.set()
        found, same, error = results.get(timeout=WAIT_S)
    finally:
        reader.join(WAIT_S)
        if reader.is_alive():
            reader.kill()
    assert error == ""
    assert found == len(NEW)  # by dense search, without reopening
    assert same


def test_updates_and_additions_by_another_handle_reach_search_and_the_file(tmp_path) -> None:
    old = Article(title="Vote", text="The vote is on Monday in the hall.", url="https://n.test/v")
    new = Article(title="Vote", text="The vote moved to Friday night.", url="https://n.test/v")
    # Two handles on one directory: two connections, two FAISS indexes, as two processes.
    with _open(tmp_path) as first, _open(tmp_path) as second:
        first.ingest_articles([old, _article(1)])
        assert second.search("vote Monday hall", k=1, mode="dense")[0].passage.title == "Vote"
        first.ingest_articles([new, _article(2)])  # replaces one passage, adds others
        assert second.vector_ids().tolist() == _passage_ids(second)
        hit = second.search("vote moved Friday night", k=1, mode="dense")[0]
        assert hit.passage.text == new.text
        second.ingest_articles([_article(3)])
        second.close()  # a closing writer saves what changed since the last save
        # The last writer's file holds every process's passages, not only its own.
        saved = VectorIndex.load(tmp_path / VECTORS_FILE, HashEmbedder().dim)
        assert saved is not None and saved.ids().tolist() == _passage_ids(first)
        assert first.vector_ids().tolist() == _passage_ids(first)


# -- a question during this process's own ingest -------------------------------------
class _Stalling(HashEmbedder):
    """Blocks in the second ingest batch until released; questions embed freely."""

    def __init__(self) -> None:
        super().__init__()
        self.batches = 0
        self.stalled = threading.Event()
        self.release = threading.Event()

    def encode(self, texts, *, progress=False):
        if len(texts) > 1:
            self.batches += 1
            if self.batches == 2:
                self.stalled.set()
                assert self.release.wait(WAIT_S)
        return super().encode(texts, progress=progress)


def test_a_question_returns_while_an_ingest_of_its_own_process_is_embedding(tmp_path) -> None:
    embedder = _Stalling()
    articles = [_article(n, words=800) for n in range(40)]  # three batches
    with _open(tmp_path, embedder) as index:
        ingest = threading.Thread(target=index.ingest_articles, args=(articles,))
        ingest.start()
        try:
            while ingest.is_alive() and not embedder.stalled.wait(0.1):
                pass
            assert embedder.stalled.is_set()
            answers: list[Any] = []
            question = threading.Thread(
                target=lambda: answers.append(index.answer("harbour0 placename0 report"))
            )
            question.start()
            question.join(20)
            assert not question.is_alive(), "the question waited for the ingest"
            assert ingest.is_alive() and not embedder.release.is_set()
            # The first batch is committed and answerable.
            assert answers[0].hit is not None and answers[0].hit.passage.title == "Report 0"
        finally:
            embedder.release.set()
            ingest.join(WAIT_S)
        assert index.stats().articles == 40
        assert index.vector_ids().tolist() == _passage_ids(index)


def test_a_question_reads_while_a_write_transaction_of_its_process_is_open(hash_index) -> None:
    hash_index.ingest_articles([_article(1)])
    inside, release = threading.Event(), threading.Event()

    def commit_slowly() -> None:
        with hash_index._store.transaction():
            inside.set()
            release.wait(WAIT_S)

    writer = threading.Thread(target=commit_slowly)
    writer.start()
    try:
        assert inside.wait(WAIT_S)
        answers: list[Any] = []
        question = threading.Thread(target=lambda: answers.append(hash_index.answer("harbour1")))
        question.start()
        question.join(20)
        assert not question.is_alive(), "the question waited for the write transaction"
        assert answers[0].hit is not None and answers[0].hit.passage.title == "Report 1"
    finally:
        release.set()
        writer.join(WAIT_S)


# -- lazy loading ------------------------------------------------------------------
def test_open_and_stats_do_not_read_the_vector_file(tmp_path, monkeypatch, caplog) -> None:
    with _open(tmp_path) as index:
        index.ingest_articles([_article(n) for n in range(3)])
        expected = index.stats()
    file = tmp_path / VECTORS_FILE
    file.write_bytes(b"garbage, not a FAISS index")
    reads: list[str] = []
    real_read = faiss.read_index
    monkeypatch.setattr(faiss, "read_index", lambda *a: reads.append(a[0]) or real_read(*a))
    with caplog.at_level(logging.INFO), _open(tmp_path) as index:
        assert index.stats() == expected
        assert reads == [] and caplog.records == []
        assert file.read_bytes() == b"garbage, not a FAISS index"
        # The first search reads it, finds it unreadable and rebuilds it from SQLite.
        hits = index.search("harbour2 placename2", k=1, mode="dense")
        assert hits[0].passage.title == "Report 2"
        assert reads == [str(file)]
    saved = VectorIndex.load(file, HashEmbedder().dim)
    assert saved is not None and saved.size == expected.passages


# -- temporary files of a killed save -------------------------------------------------
def test_stale_temp_files_are_removed_on_open_unless_another_writer_is_active(tmp_path) -> None:
    _open(tmp_path).close()
    stale = tmp_path / ".vectors-k1ll3d.tmp"
    stale.write_bytes(b"\0" * 1024)
    _open(tmp_path).close()
    assert not stale.exists()

    stale.write_bytes(b"\0" * 1024)  # this time, maybe a live writer's file
    fd = os.open(tmp_path / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process is committing a batch
        _open(tmp_path).close()
        assert stale.exists()
    finally:
        os.close(fd)
    with _open(tmp_path) as index:  # a writer cleans up under the lock too
        index.ingest_articles([_article(1)])
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_generation_counts_commits_and_a_question_reads_only_it(tmp_path) -> None:
    with _open(tmp_path) as writer, _open(tmp_path) as reader:
        store = reader._store
        start = store.generation()
        writer.ingest_articles([_article(1), _article(2)])
        writer.ingest_articles([_article(1)])  # unchanged: no commit, no new generation
        assert store.generation() == start + 1
        reader.search("harbour1", mode="dense")

        calls = []
        real = store.changes_since
        store.changes_since = lambda *a: calls.append(a) or real(*a)  # type: ignore[method-assign]
        reader.search("harbour2", mode="dense")  # nothing new: no reload
        assert calls == []
        writer.ingest_articles([_article(3)])
        reader.search("harbour3", mode="dense")
        assert len(calls) == 1
        assert np.array_equal(reader.vector_ids(), writer.vector_ids())


def test_a_file_only_behind_the_database_catches_up_without_a_rebuild(tmp_path, caplog) -> None:
    file = tmp_path / VECTORS_FILE
    with _open(tmp_path) as index:
        index.ingest_articles([_article(n) for n in range(4)])
        behind = file.read_bytes()
        changed = Article(title="Report 1", text="Report 1 was corrected.", url=_article(1).url)
        index.ingest_articles([changed, *(_article(n) for n in range(4, 8))])
        expected = index.vector_ids().tolist()
    file.write_bytes(behind)  # as if the last writer was killed before its save
    with caplog.at_level(logging.INFO, logger="index"), _open(tmp_path) as index:
        assert index.vector_ids().tolist() == expected == _passage_ids(index)
        assert index.search("Report 1 was corrected", k=1, mode="dense")[0].passage.text == (
            changed.text
        )
    messages = [r.getMessage() for r in caplog.records]
    assert any("behind the database" in m for m in messages)
    assert not any("rebuild" in m for m in messages)
    saved = VectorIndex.load(file, HashEmbedder().dim)
    assert saved is not None and saved.ids().tolist() == expected  # repaired on disk
