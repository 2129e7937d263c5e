"""Retention: old articles leave SQLite, FTS5 and FAISS together, a crash anywhere in a
prune leaves a consistent index, other processes follow, and the disk stays bounded."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.config import IndexConfig
from index.engine import DB_FILE, VECTORS_FILE, NewsIndex
from index.records import Article
from index.storage import retention
from index.storage.vector_index import VectorIndex
from index.storage.vector_rows import DELETED_LOG_FLOOR
from tests.support.embedders import HashEmbedder

CTX = multiprocessing.get_context("spawn")
WAIT_S = 120
TODAY = date(2025, 8, 17)
WINDOW = 90


def _open(path: str | Path) -> NewsIndex:
    return NewsIndex.open(path, IndexConfig(path=str(path)), HashEmbedder())


def _article(name: str, published: date | None, *, sentences: int = 24) -> Article:
    """An article whose every passage carries its own marker word `name` (24 sentences
    make 3 passages)."""
    text = " ".join(
        f"{name} sentence {s}: the {name} council weighed budget item {s} of {name}."
        for s in range(sentences)
    )
    return Article(
        title=f"{name} report",
        text=text,
        source="Wire",
        url=f"https://news.test/{name}",
        published=published.isoformat() if published else "",
    )


def _consistent(index: NewsIndex) -> list[int]:
    """Assert SQLite, FTS5 and FAISS agree; return the stored passage ids."""
    stored = [p.id for p in index.all_passages()]
    assert index.vector_ids().tolist() == stored
    index.check_full_text()
    return stored


def _titles(path: Path) -> set[str]:
    db = sqlite3.connect(path / DB_FILE)
    try:
        return {r[0] for r in db.execute("SELECT title FROM articles")}
    finally:
        db.close()


def _set_ingested(path: Path, title: str, day: date) -> None:
    """Pretend an article was read on `day` (an undated one counts from then)."""
    db = sqlite3.connect(path / DB_FILE)
    with db:
        db.execute(
            "UPDATE articles SET ingested_at = ? WHERE title = ?", (f"{day}T08:00:00+00:00", title)
        )
    db.close()


# -- what a prune removes and keeps -------------------------------------------------
GONE = ("walrus", "heron", "stoat")


def test_old_articles_leave_sqlite_fts_and_faiss_the_rest_stays(hash_index) -> None:
    old = TODAY - timedelta(days=WINDOW + 1)
    hash_index.ingest_articles(
        [
            _article("walrus", old),
            _article("heron", TODAY - timedelta(days=400)),
            _article("otter", TODAY - timedelta(days=WINDOW)),  # exactly 90 days: stays
            _article("badger", TODAY - timedelta(days=3)),
            _article("lynx", TODAY + timedelta(days=30)),  # dated in the future: stays
            _article("marten", None),  # undated, read today: stays
            _article("stoat", None),  # undated, read long ago: goes
        ]
    )
    _set_ingested(hash_index.path, "stoat report", old)
    walrus_ids = [p.id for p in hash_index.all_passages() if p.title == "walrus report"]
    doomed = [p for p in hash_index.all_passages() if p.title.split()[0] in GONE]
    assert hash_index.search("walrus council", now=TODAY)[0].passage.title == "walrus report"

    report = hash_index.prune(now=TODAY, days=WINDOW)

    assert report.articles == 3 and report.cutoff == (TODAY - timedelta(days=WINDOW)).isoformat()
    assert _titles(hash_index.path) == {
        "otter report",
        "badger report",
        "lynx report",
        "marten report",
    }
    stored = _consistent(hash_index)
    assert report.passages == len(doomed) and not set(walrus_ids) & set(stored)
    for gone in GONE:
        hits = hash_index.search(f"{gone} council budget", now=TODAY + timedelta(days=60))
        assert all(not h.passage.title.startswith(gone) for h in hits)
        assert hash_index._store.lexical([gone]) == {}
        assert hash_index._store.article_lexical([gone]) == {}
    # The FAISS file on disk was saved without them (what a fresh process loads).
    saved = VectorIndex.load(hash_index.path / VECTORS_FILE, HashEmbedder().dim)
    assert saved is not None and saved.ids().tolist() == stored
    # Another prune finds nothing more.
    again = hash_index.prune(now=TODAY, days=WINDOW)
    assert (again.articles, again.passages) == (0, 0)


def test_the_configured_window_applies_and_zero_keeps_everything(tmp_path) -> None:
    path = tmp_path / "index"
    config = IndexConfig(path=str(path), retention_days=10)
    with NewsIndex.open(path, config, HashEmbedder()) as index:
        index.ingest_articles(
            [_article("alpha", TODAY - timedelta(days=11)), _article("beta", TODAY)]
        )
        assert index.prune(now=TODAY, days=0).articles == 0
        assert len(_titles(path)) == 2
        report = index.prune(now=TODAY)  # retention_days = 10
        assert report.articles == 1 and _titles(path) == {"beta report"}
        _consistent(index)
    with NewsIndex.open(path, IndexConfig(path=str(path), retention_days=0), HashEmbedder()) as ix:
        report = ix.prune(now=TODAY + timedelta(days=1000))
        assert (report.articles, report.cutoff) == (0, "")
        assert _titles(path) == {"beta report"}


def test_a_large_prune_commits_in_chunks_each_consistent(hash_index, monkeypatch) -> None:
    hash_index.ingest_articles(
        [_article(f"old{n}", TODAY - timedelta(days=200 + n)) for n in range(30)]
        + [_article("fresh", TODAY)]
    )
    generation = hash_index._store.generation()
    published: list[int] = []
    real_publish = hash_index._vectors.publish

    def publish(**options: bool) -> None:
        real_publish(**options)
        # Between two chunks, what is committed is also what FAISS saved.
        published.append(hash_index._store.generation())
        saved = VectorIndex.load(hash_index.path / VECTORS_FILE, HashEmbedder().dim)
        assert saved is not None
        assert saved.ids().tolist() == [p.id for p in hash_index.all_passages()]

    monkeypatch.setattr(hash_index._vectors, "publish", publish)
    monkeypatch.setattr(retention, "CHUNK_PASSAGES", 10)
    report = hash_index.prune(now=TODAY, days=WINDOW)
    assert report.articles == 30
    assert len(published) >= 8  # 90 passages, 3 an article, chunks of 10 passages or so
    assert published == list(range(generation + 1, generation + 1 + len(published)))
    assert _titles(hash_index.path) == {"fresh report"}
    _consistent(hash_index)


def test_freed_space_is_reused_and_vacuum_gives_it_back(hash_index) -> None:
    hash_index.ingest_articles(
        [_article(f"old{n}", TODAY - timedelta(days=200), sentences=40) for n in range(60)]
    )
    report = hash_index.prune(now=TODAY, days=WINDOW)
    assert report.articles == 60 and report.bytes_after <= report.bytes_before
    db_size = (hash_index.path / DB_FILE).stat().st_size
    hash_index.ingest_articles([_article(f"new{n}", TODAY, sentences=40) for n in range(60)])
    # The same amount of new text fits in the pages the prune freed.
    assert (hash_index.path / DB_FILE).stat().st_size <= db_size * 1.1
    new = TODAY + timedelta(days=200)
    vacuumed = hash_index.prune(now=new, days=WINDOW, vacuum=True)
    assert vacuumed.articles == 60 and vacuumed.vacuumed
    assert vacuumed.bytes_after < vacuumed.bytes_before / 4
    wal = hash_index.path / (DB_FILE + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # emptied, though connections are open
    _consistent(hash_index)


# -- the log of deleted passages --------------------------------------------------
def _log_rows(path: Path) -> list[tuple[int, int]]:
    db = sqlite3.connect(path / DB_FILE)
    try:
        return db.execute("SELECT id, generation FROM deleted_passages").fetchall()
    finally:
        db.close()


def test_each_trim_drops_the_log_rows_older_than_the_previous_trim(hash_index) -> None:
    store = hash_index._store
    for n in range(4):  # each update logs the passages it replaced, in its own generation
        hash_index.ingest_articles([_article("same", TODAY, sentences=24 + n)])
    first = store.generation()
    logged = _log_rows(hash_index.path)
    assert logged and retention.trim_deleted_log(store) == 0  # nothing before a trim yet
    for n in range(3):
        hash_index.ingest_articles([_article("same", TODAY, sentences=30 + n)])
    assert retention.trim_deleted_log(store) == len(logged)
    left = _log_rows(hash_index.path)
    assert left and min(g for _, g in left) > first
    assert store.get_meta(DELETED_LOG_FLOOR) == str(first)
    # A reader at or above the floor still reads the log; below it, the stored ids.
    assert store.changes_since(first, 10**9).kept is None
    behind = store.changes_since(first - 1, 10**9)
    assert behind.kept is not None
    assert behind.kept.tolist() == [p.id for p in hash_index.all_passages()]


def test_a_reader_behind_the_trimmed_log_catches_up_by_ids(tmp_path, caplog) -> None:
    path = tmp_path / "index"
    with _open(path) as writer, _open(path) as reader:
        writer.ingest_articles(
            [_article(f"old{n}", TODAY - timedelta(days=300 - 150 * (n % 2))) for n in range(6)]
            + [_article("keeper", TODAY)]
        )
        assert reader.search("old3 council", now=TODAY)[0].passage.title == "old3 report"
        lagging_at = reader._vectors._generation
        # Two daily prunes, news read in between: the second trims the first's log rows.
        assert writer.prune(now=TODAY - timedelta(days=1), days=200).articles == 3
        writer.ingest_articles([_article("new1", TODAY), _article("new2", TODAY)])
        assert writer.prune(now=TODAY, days=WINDOW).articles == 3
        assert int(writer._store.get_meta(DELETED_LOG_FLOOR) or 0) > lagging_at
        changes = reader._store.changes_since(lagging_at, reader._vectors._max_id)
        assert changes.kept is not None and changes.deleted == []

        caplog.clear()
        with caplog.at_level(logging.INFO, logger="index"):
            hits = reader.search("old3 council budget", now=TODAY)
        assert all(not h.passage.title.startswith("old") for h in hits)
        assert reader.vector_ids().tolist() == [p.id for p in reader.all_passages()]
        # It compared ids; it did not fall back to reading every vector again.
        assert not [r for r in caplog.records if "rebuild" in r.getMessage()]
        assert reader.search("new2 council", now=TODAY)[0].passage.title == "new2 report"


# -- another process with the index open -----------------------------------------------
def _reader(path: str, asked: Any, pruned: Any, results: Any) -> None:
    with _open(path) as index:
        first = [h.passage.title for h in index.search("walrus council budget", now=TODAY)]
        asked.set()
        assert pruned.wait(WAIT_S)
        second = [h.passage.title for h in index.search("walrus council budget", now=TODAY)]
        agree = index.vector_ids().tolist() == [p.id for p in index.all_passages()]
        results.put((first, second, agree))


def test_another_process_sees_the_prune_on_its_next_question(tmp_path) -> None:
    path = tmp_path / "index"
    with _open(path) as index:
        index.ingest_articles(
            [_article("walrus", TODAY - timedelta(days=200)), _article("seal", TODAY)]
        )
    asked, pruned, results = CTX.Event(), CTX.Event(), CTX.Queue()
    reader = CTX.Process(target=_reader, args=(str(path), asked, pruned, results))
    reader.start()
    try:
        assert asked.wait(WAIT_S)
        with _open(path) as index:
            assert index.prune(now=TODAY, days=WINDOW).articles == 1
        pruned.set()
        first, second, agree = results.get(timeout=WAIT_S)
        reader.join(WAIT_S)
    finally:
        if reader.is_alive():
            reader.kill()
    assert reader.exitcode == 0
    assert first[0] == "walrus report"
    assert "walrus report" not in second and agree


# -- kill -9 during a prune ------------------------------------------------------------
OLD_ARTICLES = 160
RECENT = [f"recent{n}" for n in range(10)]


CHUNK = 40  # passages per transaction in these tests: several chunks per prune


def _doomed_prune(path: str, stage: str, vacuum: bool, nth_delete: int, ready: Any) -> None:
    """Prune in small chunks; at `stage`, tell the parent and wait to be killed."""
    import faiss

    from index import engine as engine_module
    from index.storage import store as store_module
    from index.storage import vector_index as vector_index_module
    from index.storage import vectors as vectors_module

    retention.CHUNK_PASSAGES = CHUNK

    def stop_here() -> None:
        ready.set()
        time.sleep(WAIT_S)

    if stage == "in-transaction":  # inside the transaction of the `nth_delete`
        real_delete = store_module.Store.delete_article
        calls = [0]

        def delete_article(self: Any, article_id: int) -> list[int]:
            calls[0] += 1
            if calls[0] == nth_delete:
                stop_here()
            return real_delete(self, article_id)

        store_module.Store.delete_article = delete_article  # type: ignore[method-assign]
    elif stage == "after-commit":  # the first chunk committed, FAISS not saved
        vectors_module.SharedVectors.publish = lambda self, **_: stop_here()  # type: ignore[method-assign]
    elif stage == "during-save":  # the temporary FAISS file written, not renamed
        real_write = faiss.write_index

        def write_index(index: Any, file: str) -> None:
            real_write(index, file)
            stop_here()

        vector_index_module.faiss.write_index = write_index  # type: ignore[assignment]
    elif stage == "vacuum":  # every chunk done; killed a moment into the VACUUM
        real_vacuum = retention.vacuum_database

        def vacuum_database(db_path: Path, lock: Any) -> None:
            ready.set()
            real_vacuum(db_path, lock)

        engine_module.vacuum_database = vacuum_database
    with _open(path) as index:
        if stage == "started":
            ready.set()
        index.prune(now=TODAY, days=WINDOW, vacuum=vacuum)
    time.sleep(WAIT_S)  # finished before the kill: keep the parent's timing simple


def _expired(path: Path) -> int:
    return sum(1 for t in _titles(path) if t.startswith("old"))


@pytest.mark.parametrize(
    ("stage", "delay_s", "vacuum"),
    [
        ("in-transaction", 0.0, False),
        ("after-commit", 0.0, False),
        ("during-save", 0.0, False),
        ("vacuum", 0.01, True),
        ("started", 0.05, False),
        ("started", 0.15, True),
    ],
)
def test_a_prune_killed_anywhere_leaves_a_consistent_index(
    tmp_path, stage: str, delay_s: float, vacuum: bool
) -> None:
    path = tmp_path / "index"
    with _open(path) as index:
        index.ingest_articles(
            [_article(f"old{n}", TODAY - timedelta(days=100 + n)) for n in range(OLD_ARTICLES)]
            + [_article(name, TODAY - timedelta(days=5)) for name in RECENT]
        )
        kept_ids = [p.id for p in index.all_passages() if p.title.startswith("recent")]
        per_article = sum(1 for p in index.all_passages() if p.title == "old0 report")
    per_chunk = -(-CHUNK // per_article)  # articles the first transaction deletes
    ready = CTX.Event()
    doomed = CTX.Process(
        target=_doomed_prune, args=(str(path), stage, vacuum, per_chunk + 3, ready)
    )
    doomed.start()
    try:
        assert ready.wait(WAIT_S)
        time.sleep(delay_s)
    finally:
        doomed.kill()  # SIGKILL: no cleanup of any kind
        doomed.join(WAIT_S)
    left = _expired(path)
    if stage == "vacuum":
        assert left == 0
    elif stage != "started":  # the first chunk committed; the second rolled back if begun
        assert left == OLD_ARTICLES - per_chunk
    else:
        assert 0 <= left <= OLD_ARTICLES
    with _open(path) as index:
        stored = _consistent(index)
        assert set(kept_ids) <= set(stored)
        assert _expired(path) == left
        report = index.prune(now=TODAY, days=WINDOW)
        assert report.articles == left
        assert _titles(path) == {f"{name} report" for name in RECENT}
        assert [p.id for p in index.all_passages()] == kept_ids == _consistent(index)
    assert not list(path.glob(".vectors-*.tmp"))


# -- disk stays bounded ------------------------------------------------------------------
ROUNDS = 48


def test_ingest_and_prune_rounds_keep_the_disk_bounded(hash_index) -> None:
    """A bot that reads 30 articles a day and keeps 5 days: once the window is full, the
    files stop growing (freed pages are reused; FTS5 segments and the deletions log stay
    bounded). Without retention they would grow 8-fold over these rounds."""
    sizes, log_rows = [], []
    for day in range(ROUNDS):
        now = TODAY + timedelta(days=day)
        hash_index.ingest_articles([_article(f"d{day}n{n}", now, sentences=20) for n in range(30)])
        hash_index.prune(now=now, days=5)
        sizes.append(sum((hash_index.path / f).stat().st_size for f in (DB_FILE, VECTORS_FILE)))
        log_rows.append(len(_log_rows(hash_index.path)))
    assert hash_index.stats().articles == 6 * 30
    third = ROUNDS // 3
    assert max(sizes[2 * third :]) <= max(sizes[third : 2 * third]) * 1.05, sizes
    assert max(sizes) <= 1.35 * sizes[6], sizes  # about one window of news
    # The log holds about one day's deletions (30 articles x 3 passages), not all of them.
    assert max(log_rows[third:]) <= 2 * 30 * 3, log_rows
    _consistent(hash_index)


# -- the real model ----------------------------------------------------------------------
@pytest.mark.model
def test_a_pruned_article_is_no_longer_an_answer(tmp_path, real_embedder) -> None:
    path = tmp_path / "index"
    aid = Article(
        title="Aid sites in Gaza draw crowds",
        text=(
            "The Gaza Humanitarian Foundation runs the distribution points that have become"
            " the main source of aid since they opened in May. Crowds gather before dawn."
            " The foundation said its sites are located in military-controlled areas."
        ),
        source="Wire",
        url="https://news.test/aid",
        published=(TODAY - timedelta(days=120)).isoformat(),
    )
    dam = Article(
        title="Reservoir reopens after repairs",
        text="Engineers reopened the northern reservoir on Monday after two years of repairs.",
        source="Wire",
        url="https://news.test/dam",
        published=(TODAY - timedelta(days=3)).isoformat(),
    )
    question = "Who runs the aid distribution points in Gaza?"
    with NewsIndex.open(path, IndexConfig(path=str(path)), real_embedder) as index:
        index.ingest_articles([aid, dam])
        before = index.answer(question, now=TODAY)
        assert not before.abstained and before.hit is not None
        assert before.hit.passage.title == aid.title
        report = index.prune(now=TODAY)  # the default 90 days
        assert (report.articles, report.cutoff) == (1, "2025-05-19")
        after = index.answer(question, now=TODAY)
        assert after.abstained or after.hit is None or after.hit.passage.title != aid.title
        assert all(h.passage.title != aid.title for h in after.hits)
        assert np.array_equal(index.vector_ids(), [p.id for p in index.all_passages()])
