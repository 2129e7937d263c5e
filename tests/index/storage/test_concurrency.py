"""Several processes on one index directory at once: creating it and ingesting into it.

Each test starts a few long-lived worker processes (spawn: a fresh interpreter, as
two `newsdesk` commands or the bot and a CLI would be) and lines them up on a
barrier before every round, so that they really start at the same moment.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import traceback
from pathlib import Path
from typing import Any

from index.config import IndexConfig
from index.engine import DB_FILE, VECTORS_FILE, NewsIndex
from tests.support.embedders import HashEmbedder

CTX = multiprocessing.get_context("spawn")
WAIT_S = 120  # a barrier or a worker that takes longer than this has hung


def _open(path: str | Path) -> NewsIndex:
    return NewsIndex.open(path, IndexConfig(path=str(path)), HashEmbedder())


def _run_workers(target: Any, args: list[tuple[Any, ...]]) -> list[Any]:
    """Run `target(*a, results)` in one spawned process per `a`; return what they put."""
    results = CTX.Queue()
    workers = [CTX.Process(target=target, args=(*a, results)) for a in args]
    for worker in workers:
        worker.start()
    out = []
    try:
        for worker in workers:
            worker.join(WAIT_S)
        while not results.empty():
            out.append(results.get(timeout=5))
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
    assert [w.exitcode for w in workers] == [0] * len(workers), out
    return out


# -- creating a new index ------------------------------------------------------
CREATE_ROUNDS = 16


def _create_worker(base: str, barrier: Any, results: Any) -> None:
    for round_ in range(CREATE_ROUNDS):
        barrier.wait(WAIT_S)
        try:
            _open(Path(base) / f"round-{round_}").close()
            results.put((round_, ""))
        except Exception as exc:
            results.put((round_, f"{type(exc).__name__}: {exc}"))


def test_processes_creating_a_new_index_at_once_all_succeed(tmp_path) -> None:
    barrier = CTX.Barrier(3)
    results = _run_workers(_create_worker, [(str(tmp_path), barrier)] * 3)
    assert len(results) == 3 * CREATE_ROUNDS
    assert [r for r in results if r[1]] == []
    for round_ in range(CREATE_ROUNDS):
        with _open(tmp_path / f"round-{round_}") as index:
            assert index.stats().articles == 0


# -- ingesting overlapping files at once -----------------------------------------
INGEST_ROUNDS = 2
STORIES = 140


def _story(n: int) -> dict[str, str]:
    """An article of several passages; every third one has no URL."""
    sentences = " ".join(
        f"Story {n} sentence {s}: the council of town {n} debated budget item {n * 7 + s}."
        for s in range(40)
    )
    row = {"title": f"Story {n}", "text": sentences, "source": "Wire"}
    if n % 3:
        row["url"] = f"https://news.test/story/{n}"
    return row


def _write_jsonl(path: Path, numbers: range | list[int]) -> str:
    path.write_text("".join(json.dumps(_story(n)) + "\n" for n in numbers))
    return str(path)


def _ingest_worker(base: str, files: list[str], barrier: Any, results: Any) -> None:
    for round_ in range(INGEST_ROUNDS):
        path = Path(base) / f"round-{round_}"
        try:
            barrier.wait(WAIT_S)
            with _open(path) as index:
                report = index.ingest_paths(files)
                barrier.wait(WAIT_S)  # every process has finished writing
                vector_ids = index.vector_ids().tolist()
                passage_ids = [p.id for p in index.all_passages()]
            results.put((round_, "", [str(p) for p in report.problems], vector_ids == passage_ids))
        except Exception as exc:
            barrier.abort()
            results.put((round_, f"{exc!r}\n{traceback.format_exc()}", [], False))
            return


def test_processes_ingesting_overlapping_files_at_once_all_complete(tmp_path, caplog) -> None:
    big = _write_jsonl(tmp_path / "big.jsonl", range(STORIES))  # several batches
    small = [
        _write_jsonl(tmp_path / "small-a.jsonl", [*range(0, 30), *range(STORIES, STORIES + 5)]),
        _write_jsonl(tmp_path / "small-b.jsonl", range(STORIES - 20, STORIES + 10)),
    ]
    jobs = [[big], [big], [small[0]], [small[1]]]  # the big file twice at once
    for round_ in range(INGEST_ROUNDS):  # created beforehand: this test is about ingesting
        _open(tmp_path / f"round-{round_}").close()
    barrier = CTX.Barrier(len(jobs))
    results = _run_workers(_ingest_worker, [(str(tmp_path), job, barrier) for job in jobs])
    # No IntegrityError, no "database is locked" (a BrokenBarrierError follows another's).
    errors = [r[1] for r in results if r[1]]
    assert [e for e in errors if not e.startswith("BrokenBarrierError")] == errors == []
    assert len(results) == len(jobs) * INGEST_ROUNDS
    assert [r[2] for r in results if r[2]] == []
    # Every process ends with FAISS ids == SQLite passage ids, without reopening.
    assert all(r[3] for r in results)
    for round_ in range(INGEST_ROUNDS):
        path = tmp_path / f"round-{round_}"
        with sqlite3.connect(path / DB_FILE) as db:
            titles = [r[0] for r in db.execute("SELECT title FROM articles")]
        db.close()
        assert sorted(titles) == sorted(f"Story {n}" for n in range(STORIES + 10))  # each once
        # A fresh open agrees with the saved file as it is: no rebuild.
        before = (path / VECTORS_FILE).stat().st_mtime_ns
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="index"), _open(path) as index:
            assert index.vector_ids().tolist() == [p.id for p in index.all_passages()]
        assert (path / VECTORS_FILE).stat().st_mtime_ns == before
        assert not [r for r in caplog.records if "rebuild" in r.getMessage()]


# -- the content-hash lookup -----------------------------------------------------
def test_the_content_hash_lookup_uses_an_index(hash_index) -> None:
    with sqlite3.connect(hash_index.path / DB_FILE) as db:
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT 1 FROM articles WHERE content_hash = ? LIMIT 1", ("x",)
        ).fetchall()
    db.close()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX" in detail or "USING COVERING INDEX" in detail, detail


# -- kill -9 in the middle of an ingest ----------------------------------------------
KILL_DELAYS_S = (0.0, 0.05, 0.15, 0.3, 0.6)


def _doomed_ingest(path: str, file: str, started: Any) -> None:
    with _open(path) as index:
        started.set()
        index.ingest_paths([file])


def test_a_process_killed_anywhere_in_an_ingest_leaves_a_consistent_index(tmp_path) -> None:
    file = _write_jsonl(tmp_path / "big.jsonl", range(STORIES))
    path = tmp_path / "index"
    seen = []
    for delay in KILL_DELAYS_S:
        started = CTX.Event()
        doomed = CTX.Process(target=_doomed_ingest, args=(str(path), file, started))
        doomed.start()
        assert started.wait(WAIT_S)
        doomed.join(delay)
        doomed.kill()  # SIGKILL: no cleanup of any kind
        doomed.join(WAIT_S)
        with _open(path) as index:
            stats = index.stats()
            seen.append(stats.articles)
            assert index.vector_ids().tolist() == [p.id for p in index.all_passages()]
            index.check_full_text()
        assert not list(path.glob(".vectors-*.tmp"))
    with _open(path) as index:
        report = index.ingest_paths([file])
        assert report.articles_added + report.articles_skipped == STORIES
        assert index.stats().articles == STORIES
        assert index.vector_ids().tolist() == [p.id for p in index.all_passages()]
    assert seen == sorted(seen)  # nothing committed was lost
