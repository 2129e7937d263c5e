"""The SQLite store on its own: transactions, articles and passages, bm25, schema versions."""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack
from datetime import UTC, datetime

import numpy as np
import pytest

from index.errors import StoreError
from index.records import Article
from index.storage.fts import fts_phrase, match_any
from index.storage.readers import READERS
from index.storage.schema import SCHEMA_VERSION
from index.storage.store import NewPassage, Store

DIM = 4


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "news.sqlite3")
    yield store
    store.close()


def _vector(seed: int) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[seed % DIM] = 1.0
    return vector


def _add(store: Store, key: str, texts: list[str], *, title: str = "", published: str = ""):
    """Store an article with one passage per text; return its passage ids."""
    article = Article(title=title, text="\n\n".join(texts), source="Wire", published=published)
    passages = [NewPassage(i, text, _vector(i)) for i, text in enumerate(texts)]
    with store.transaction():
        return store.add_article(article, key, f"hash-{key}", passages)


def test_a_new_database_has_the_current_schema_and_reopens(tmp_path) -> None:
    path = tmp_path / "news.sqlite3"
    store = Store(path)
    _add(store, "a", ["The dam opened."])
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store = Store(path)  # migrations do not run twice
    try:
        assert store.stats().articles == 1
    finally:
        store.close()


def test_a_schema_newer_than_the_code_is_refused(tmp_path) -> None:
    path = tmp_path / "news.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match=rf"index schema {SCHEMA_VERSION + 1} is newer"):
        Store(path)


def test_a_transaction_commits_or_rolls_back_as_a_whole(store) -> None:
    with pytest.raises(RuntimeError, match="power cut"), store.transaction():
        store.add_article(
            Article(title="T", text="Lost text."),
            "lost",
            "h1",
            [NewPassage(0, "Lost.", _vector(0))],
        )
        raise RuntimeError("power cut")
    assert store.find_article("lost") is None
    assert store.stats().passages == 0 and store.lexical(["lost"]) == {}
    [pid] = _add(store, "kept", ["Kept text."])
    assert store.find_article("kept")[1] == "hash-kept"
    assert store.stats().passages == 1 and list(store.lexical(["kept"])) == [pid]


def test_meta_values_are_set_and_replaced(store) -> None:
    assert store.get_meta("model") is None
    store.set_meta("model", "one")
    store.set_meta("model", "two")
    assert store.get_meta("model") == "two"


def test_delete_article_returns_its_passage_ids_and_forgets_its_text(store) -> None:
    gone = _add(store, "gone", ["The bridge closed.", "Repairs take a year."], title="Bridge")
    kept = _add(store, "kept", ["The bridge reopened."])
    article_id, _ = store.find_article("gone")
    with store.transaction():
        assert store.delete_article(article_id) == gone
    assert store.find_article("gone") is None
    assert list(store.lexical(["bridge", "repairs"])) == kept
    assert store.article_lexical(["repairs"]) == {}
    assert store.passages(gone) == {}
    assert store.passage_ids().tolist() == kept
    assert store.article_text(article_id) == ""


def test_lexical_ranks_by_bm25_and_takes_terms_not_syntax(store) -> None:
    once = _add(store, "once", ["A volcano erupted on the island."])
    twice = _add(store, "twice", ["The volcano erupted: the volcano is still active."])
    neither = _add(store, "neither", ["The ferry resumed service."])
    scores = store.lexical(["volcano"])
    assert set(scores) == set(once + twice)
    assert scores[twice[0]] > scores[once[0]] > 0  # higher is better
    assert neither[0] in store.lexical(["volcano", "ferry"])  # any term matches
    assert len(store.lexical(["volcano", "ferry"], limit=1)) == 1
    # FTS5 syntax in a term is only text: no error; its words still match as a phrase.
    for term in ['"', "NEAR(volcano ferry)", "*", "title:volcano", "AND", "-", "'); --"]:
        assert store.lexical([term]) == {}, term
    assert store.lexical(["^volcano*"]) == scores
    assert store.lexical([]) == {} and store.lexical(['""']) == {}
    assert store.article_lexical(["ferry"]).keys() == {store.find_article("neither")[0]}


def test_fts_quoting_makes_every_term_a_phrase() -> None:
    assert fts_phrase('NEAR("a b")') == '"NEAR(a b)"'
    assert fts_phrase('"') == ""
    assert match_any(["volcano", '"', "ash cloud"]) == '"volcano" OR "ash cloud"'
    assert match_any([]) == ""


def test_passages_come_back_with_their_article(store) -> None:
    before = datetime.now(UTC).date().isoformat()
    [first, second] = _add(store, "a", ["One.", "Two."], title="Title", published="2025-01-02")
    after = datetime.now(UTC).date().isoformat()
    found = store.passages([second, first, 999])
    assert set(found) == {first, second}
    passage = found[second]
    assert (passage.position, passage.text, passage.title, passage.published) == (
        1,
        "Two.",
        "Title",
        "2025-01-02",
    )
    assert passage.ingested in {before, after}  # the (UTC) day it was stored
    assert store.article_text(passage.article_id) == "Title\nOne.\n\nTwo."


def test_ranking_rows_carry_each_articles_dates_kept_only_from_committed_reads(
    store,
) -> None:
    today = datetime.now(UTC).date().isoformat()
    [a0, a1] = _add(store, "a", ["One.", "Two."], published="2025-01-02")
    [b0] = _add(store, "b", ["Three."])  # undated: ranked by the day it was read
    rows = store.ranking_rows([a1, b0, a0, 999])
    assert set(rows) == {a0, a1, b0}
    assert rows[a1][1:3] == (1, "2025-01-02") and rows[b0][1:3] == (0, "")
    assert rows[b0][3] in {today, datetime.now(UTC).date().isoformat()}
    assert rows[a0][0] == rows[a1][0] != rows[b0][0]
    # The same rows with the vectors, read again (the dates now kept in memory).
    again, found, matrix = store.ranking_rows_and_vectors([b0, a0])
    assert again == {pid: rows[pid] for pid in (b0, a0)}
    assert found.tolist() == [b0, a0] and matrix.shape == (2, DIM)
    # A write transaction's own rows are read, not kept: it may roll back.
    with pytest.raises(RuntimeError), store.transaction():
        [c0] = store.add_article(
            Article(title="", text="Four.", source="Wire", published="2025-03-04"),
            "c",
            "hash-c",
            [NewPassage(0, "Four.", _vector(0))],
        )
        inside = store.ranking_rows([c0])[c0]
        assert inside[2] == "2025-03-04"
        raise RuntimeError("roll back")
    assert inside[0] not in store._dates and store.ranking_rows([c0]) == {}
    # A deleted article's passages have no rows, though its dates were kept.
    with store.transaction():
        store.delete_article(rows[a0][0])
    assert set(store.ranking_rows([a0, a1, b0])) == {b0}


def test_vectors_are_stored_with_their_passages(store) -> None:
    ids = _add(store, "a", ["One.", "Two.", "Three."])
    vectors = store.vectors(ids[1:])
    assert set(vectors) == set(ids[1:])
    assert np.array_equal(vectors[ids[1]], _vector(1))
    all_ids, matrix = store.all_vectors()
    assert all_ids.tolist() == ids and matrix.shape == (3, DIM)
    assert np.array_equal(matrix[2], _vector(2))


def test_reads_of_many_passages_come_back_packed_byte_for_byte(store, tmp_path) -> None:
    # More ids than one chunk of `IN (...)`, vectors holding NUL bytes and every other
    # byte value, passages of several articles: the packed read (one aggregate row per
    # chunk) gives what reading row by row gives, in the order asked.
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((700, DIM)).astype(np.float32)
    vectors[::3] = 0.0
    ids: list[int] = []
    for number, start in enumerate(range(0, 700, 100)):
        article = Article(title="", text="x", source="Wire", published=f"2025-01-0{number + 1}")
        passages = [
            NewPassage(i, f"Passage {start + i}.", v) for i, v in enumerate(vectors[start:][:100])
        ]
        with store.transaction():
            ids += store.add_article(article, f"many{number}", f"hash-many{number}", passages)
    asked = [*reversed(ids), 10**9]  # the newest first, and one id not stored
    found, matrix = store.vector_matrix(asked)
    assert found.tolist() == asked[:-1]
    all_ids, stored = store.all_vectors()  # row by row
    assert np.array_equal(matrix, stored[::-1]) and all_ids.tolist() == ids
    rows, again, with_rows = store.ranking_rows_and_vectors(asked)
    assert again.tolist() == asked[:-1] and np.array_equal(with_rows, matrix)
    assert [rows[pid][1] for pid in ids] == [i % 100 for i in range(700)]
    articles = [rows[pid][0] for pid in ids]
    assert articles == sorted(articles) and len(set(articles)) == 7
    assert [rows[pid][2] for pid in ids[::100]] == [f"2025-01-0{n + 1}" for n in range(7)]
    # A blob of another length is damage, said as such, never a misaligned matrix.
    with sqlite3.connect(tmp_path / "news.sqlite3") as db:
        db.execute("UPDATE passages SET vector = x'00' WHERE id = ?", (ids[5],))
    for read in (store.vector_matrix, store.ranking_rows_and_vectors):
        with pytest.raises(StoreError, match="damaged"):
            read(ids)


def test_a_database_in_utf16_is_refused_and_left_as_it_was(tmp_path) -> None:
    # The packed reads pass vector blobs through text, which SQLite would convert.
    path = tmp_path / "news.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA encoding = 'UTF-16be'")
        db.execute("CREATE TABLE mine (x)")
    with pytest.raises(StoreError, match="UTF-16be"):
        Store(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("mine",)]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_passage_ids_are_every_stored_id_ascending(store) -> None:
    assert store.passage_ids().tolist() == []
    a = _add(store, "a", ["One.", "Two.", "Three."])
    b = _add(store, "b", ["Four."])
    c = _add(store, "c", ["Five.", "Six."])
    with store.transaction():
        store.delete_article(store.ranking_rows([b[0]])[b[0]][0])
    ids = store.passage_ids()
    assert ids.dtype == np.int64 and ids.tolist() == [*a, *c]
    generation, snapshot = store.id_snapshot()
    assert generation > 0 and snapshot.tolist() == [*a, *c]


def test_an_empty_store_has_no_vectors(store) -> None:
    ids, matrix = store.all_vectors()
    assert len(ids) == 0 and len(matrix) == 0
    assert store.passages_since("") == []


def test_passages_since_filters_by_date_and_keeps_the_newest_articles(store) -> None:
    old = _add(store, "old", ["Old news."], published="2024-01-01")
    mid = _add(store, "mid", ["Middle news.", "More of it."], published="2025-01-01")
    new = _add(store, "new", ["New news."], published="2025-06-01")
    undated = _add(store, "undated", ["Undated news."])  # counts from the day it was read

    def ids(passages):
        return [p.id for p in passages]

    assert ids(store.passages_since("")) == old + mid + new + undated
    assert ids(store.passages_since("2025-01-01")) == mid + new + undated
    assert ids(store.passages_since("9999-01-01")) == []
    # The newest articles first by date, every passage of each, in passage order.
    assert ids(store.passages_since("", newest_articles=2)) == new + undated
    assert ids(store.passages_since("2020-01-01", newest_articles=3)) == mid + new + undated
    assert ids(store.passages_since("2025-02-01", newest_articles=1)) == undated


def test_document_frequencies_count_matching_passages(store) -> None:
    _add(store, "a", ["Rain fell.", "Rain again and a volcano."])
    _add(store, "b", ["Sun shone."])
    total, counts = store.document_frequencies(["rain", "volcano", "snow", '"'])
    assert total == 3
    assert counts == {"rain": 2, "volcano": 1, "snow": 0}


def test_stats_count_articles_outlets_and_the_newest_date(store) -> None:
    _add(store, "a", ["One."], published="2025-01-02")
    _add(store, "b", ["Two.", "Three."], published="2025-03-04")
    _add(store, "c", ["Four."])
    stats = store.stats()
    assert (stats.articles, stats.passages, stats.sources, stats.newest) == (
        3,
        4,
        1,
        "2025-03-04",
    )


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path) -> None:
    path = tmp_path / "news.sqlite3"
    path.write_text("not a database " * 100)
    with pytest.raises(StoreError, match="cannot open index database"):
        Store(path)


def test_full_text_keeps_one_copy_of_the_text_and_title(store, tmp_path) -> None:
    """The title is stored once per article, not once per passage: FTS5 keeps only its
    index (postings), no copy of the text. Growing a title by 10 KB grows the database
    by its postings in each of the 40 passages (~340 KB measured in FTS5, ~450 KB in
    storage.postings' own) but not by 40 copies of it on top
    (another 400 KB in the layout before migration 3)."""
    texts = [f"Passage {i} on the reservoir levels and the dam." for i in range(40)]
    _add(store, "short", texts, title="Dam")
    store.close()
    small = (tmp_path / "news.sqlite3").stat().st_size
    reopened = Store(tmp_path / "news.sqlite3")
    try:
        big_title = " ".join(f"word{i}" for i in range(1_200))  # ~10 KB, distinct words
        _add(reopened, "long", texts, title=big_title)
        assert len(reopened.lexical(["word7"])) == 40  # the title still finds each passage
        reopened.check_full_text()
        with reopened.transaction() as db:
            shadow = db.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE '%fts_content'"
            ).fetchall()
        assert shadow == []  # no FTS5 table of its own copies
    finally:
        reopened.close()
    grown = (tmp_path / "news.sqlite3").stat().st_size - small
    assert grown < 1_000_000, grown


def test_deleting_an_article_leaves_the_full_text_consistent(store) -> None:
    ids = _add(store, "a", ["The dam opened at noon.", "Water rose downstream."], title="Dam")
    _add(store, "b", ["The bridge closed."], title="Bridge")
    with store.transaction():
        article_id = store.passages(ids)[ids[0]].article_id
        store.delete_article(article_id)
    store.check_full_text()
    assert store.lexical(["dam"]) == {}
    assert store.article_lexical(["dam"]) == {}
    assert len(store.lexical(["bridge"])) == 1


def test_version_2_databases_move_their_full_text_to_external_content(tmp_path) -> None:
    """An index written before migration 3 keeps every search result after it."""
    from index.storage import schema

    path = tmp_path / "news.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    schema._migrate_1(db)
    schema._migrate_2(db)
    db.execute(
        "INSERT INTO articles(id, key, content_hash, title, source, url, published, origin,"
        " ingested_at, text) VALUES (1, 'k', 'h', 'Dam opens', 'Wire', '', '', '', '', 'x')"
    )
    db.execute(
        "INSERT INTO passages(id, article_id, position, text, vector) VALUES (7, 1, 0, ?, ?)",
        ("Floodgates opened at noon.", np.zeros(DIM, dtype=np.float32).tobytes()),
    )
    db.execute(
        "INSERT INTO passages_fts(rowid, text, title)"
        " VALUES (7, 'Floodgates opened at noon.', 'Dam opens')"
    )
    db.execute("INSERT INTO articles_fts(rowid, text, title) VALUES (1, 'x', 'Dam opens')")
    db.execute("PRAGMA user_version = 2")
    db.execute("COMMIT")
    db.close()
    store = Store(path)
    try:
        assert set(store.lexical(["floodgates"])) == {7}
        assert set(store.lexical(["dam"])) == {7}  # the title, read through the view
        assert set(store.article_lexical(["dam"])) == {1}
        store.check_full_text()
    finally:
        store.close()


def test_version_6_databases_keep_their_vectors_in_half_the_bytes(tmp_path) -> None:
    """Migration 7 stores the float32 vectors of an older index as float16: the same
    vectors to 1e-3, half the bytes, and the index searches as before."""
    from index.storage import schema

    path = tmp_path / "news.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    for migrate in schema.MIGRATIONS[:6]:
        migrate(db)
    db.execute(
        "INSERT INTO articles(id, key, content_hash, title, source, url, published, origin,"
        " ingested_at, text) VALUES (1, 'k', 'h', 'Dam opens', 'Wire', '', '', '', '', 'x')"
    )
    rng = np.random.default_rng(7)
    old = rng.standard_normal((2, DIM)).astype(np.float32)
    old /= np.linalg.norm(old, axis=1, keepdims=True)
    for pid, vector in zip((7, 8), old, strict=True):
        db.execute(
            "INSERT INTO passages(id, article_id, position, text, vector) VALUES (?, 1, ?, ?, ?)",
            (pid, pid - 7, f"Floodgates opened at noon {pid}.", vector.tobytes()),
        )
    db.execute("PRAGMA user_version = 6")
    db.execute("COMMIT")
    db.close()
    store = Store(path)
    try:
        stored = store.vectors([7, 8])
        ids, matrix = store.all_vectors()
    finally:
        store.close()
    assert list(ids) == [7, 8]
    for row, pid in enumerate((7, 8)):
        assert stored[pid].dtype == np.float32
        assert np.abs(stored[pid] - old[row]).max() < 1e-3
        assert np.array_equal(matrix[row], stored[pid])
    db = sqlite3.connect(path)
    sizes = [n for (n,) in db.execute("SELECT length(vector) FROM passages")]
    db.close()
    assert sizes == [DIM * 2, DIM * 2]


def test_term_counts_are_remembered_only_until_passages_change(store) -> None:
    """Counts of matching rows are cached per generation: a commit that adds or deletes
    passages is seen at once, and a writer's uncommitted rows never enter the cache."""
    _add(store, "a", ["The bridge reopened.", "Traffic resumed."])
    assert store.document_frequencies(["bridge"]) == (2, {"bridge": 1})
    assert store.document_frequencies(["bridge"]) == (2, {"bridge": 1})  # cached
    article = Article(title="", text="A second bridge.", source="Wire")
    with pytest.raises(RuntimeError), store.transaction():
        store.add_article(article, "b", "hash-b", [NewPassage(0, "A second bridge.", _vector(0))])
        # its own rows, uncommitted: counted, never cached
        assert store._row_counts(store._db, "passages_fts", ['"bridge"']) == {'"bridge"': 2}
        raise RuntimeError("rolled back")
    assert store.document_frequencies(["bridge"]) == (2, {"bridge": 1})
    _add(store, "c", ["Another bridge closed."])
    assert store.document_frequencies(["bridge"]) == (3, {"bridge": 2})
    assert len(store.lexical(["bridge"])) == 2
    with store.transaction():
        store.delete_article(1)
    assert store.document_frequencies(["bridge"]) == (1, {"bridge": 1})
    assert len(store.lexical(["bridge", "closed"])) == 1


def test_the_two_bm25_reads_score_alike_at_once_or_in_turn(store, monkeypatch) -> None:
    """With a second reader free, the rare-term and rare-and-common reads run at once
    on two connections; with none free, one after the other; the scores are the same.
    (Articles: passages are scored from storage.postings, test_postings.py.)"""
    from index.storage import fts

    for i in range(6):
        levee = " The levee held." if i % 3 == 0 else ""
        _add(store, f"k{i}", [f"Storm number {i} hit the coast.{levee}", f"Storm surge {i}."])
    monkeypatch.setattr(Store, "common_rows", 3)  # "storm" (6 articles) is common here
    submitted = []
    real = fts.side_pool("bm25")

    class Recording:
        def submit(self, *args):
            submitted.append(args[4])
            return real.submit(*args)

    monkeypatch.setattr(fts, "side_pool", lambda name: Recording())
    together = store.article_lexical(["storm", "levee"])
    assert submitted == ['("levee") AND ("storm")']
    with ExitStack() as busy:  # every reader but one busy: no spare for the second read
        for _ in range(READERS - 1):
            assert busy.enter_context(store._spare_reader()) is not None
        in_turn = store.article_lexical(["storm", "levee"])
    assert len(submitted) == 1
    assert together == in_turn and list(together) == list(in_turn)
    assert len(together) == 2 and all(score > 0 for score in together.values())


def test_many_threads_share_the_readers_without_deadlock(store, monkeypatch) -> None:
    """Questions on six threads at once, each read taking a second reader when one is
    free: every thread finishes, with the scores one thread alone gets."""
    import threading

    for i in range(6):
        levee = " The levee held." if i % 3 == 0 else ""
        _add(store, f"k{i}", [f"Storm number {i} hit the coast.{levee}", f"Storm surge {i}."])
    monkeypatch.setattr(Store, "common_rows", 3)
    expected = store.lexical(["storm", "levee"])
    results: list[dict[int, float]] = []

    def ask() -> None:
        for _ in range(40):
            results.append(store.lexical(["storm", "levee"]))
            store.vector_snapshot()  # nested reads on the thread's own reader

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert len(results) == 240 and all(r == expected for r in results)


def test_a_read_after_close_fails_clearly_instead_of_waiting(tmp_path) -> None:
    store = Store(tmp_path / "news.sqlite3")
    _add(store, "a", ["The bridge reopened."])
    store.close()
    store.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.lexical(["bridge"])
