"""The passages' own postings (storage.postings): the bm25 rankings FTS5 gives, to the
bit, through adds, deletes, rollbacks and the migration that builds them."""

from __future__ import annotations

import random
import sqlite3
import zlib

import numpy as np
import pytest

from index.errors import StoreError
from index.records import Article
from index.storage import posting_codec, posting_writes, postings, schema
from index.storage.fts import fts_phrase
from index.storage.posting_codec import decode, encode
from index.storage.posting_writes import postings_mismatch
from index.storage.postings import TOKENIZER, phrase_tokens
from index.storage.store import NewPassage, Store

# Words of very different frequencies: a few in most passages, most in a handful.
COMMON = ["the", "council", "storm", "market", "said"]
RARE = [f"w{i}" for i in range(60)] + ["café", "naïve", "Zürich", "2024", "talks", "talk"]
# Phrases of several tokens (adjacent in FTS5's match), and their tokens apart.
RARE += ["covid-19", "covid", "19", "U.S.", "us", "O'Brien", "brien", "won't"]


def _text(rng: random.Random) -> str:
    words = [rng.choice(COMMON) for _ in range(rng.randint(3, 30))]
    words += [rng.choice(RARE) for _ in range(rng.randint(0, 6))]
    rng.shuffle(words)
    return " ".join(words) + "."


def _add(store: Store, rng: random.Random, key: str) -> None:
    title = " ".join(rng.choice(COMMON + RARE) for _ in range(rng.randint(0, 5)))
    passages = [
        NewPassage(i, _text(rng), np.ones(4, dtype=np.float32) / 2)
        for i in range(rng.randint(1, 4))
    ]
    article = Article(title=title, text=" ".join(p.text for p in passages), source="Wire")
    with store.transaction():
        store.add_article(article, key, f"h-{key}", passages)


def _fts5(store: Store, terms: list[str], limit: int = -1) -> dict[int, float]:
    """The same ranking through FTS5's own bm25 (the path before postings)."""
    store.use_postings = False
    try:
        return store.lexical(terms, limit=limit)
    finally:
        del store.use_postings  # the class's True again


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "news.sqlite3")
    rng = random.Random(7)
    for number in range(40):
        _add(store, rng, f"a{number}")
    yield store
    store.close()


def _questions(seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [rng.sample(COMMON + RARE + ["absent"], rng.randint(1, 7)) for _ in range(60)]


@pytest.mark.parametrize("common_rows", [0, 3, 10, 5000])
def test_the_rankings_equal_fts5s_to_the_bit(store, monkeypatch, common_rows) -> None:
    monkeypatch.setattr(Store, "common_rows", common_rows)
    for terms in _questions(common_rows):
        for limit in (-1, 5):
            got = store.lexical(terms, limit=limit)
            want = _fts5(store, terms, limit)
            assert got == want and list(got) == list(want), terms


def test_deleted_passages_leave_the_postings_and_the_scores_follow(store) -> None:
    with store.transaction():
        for article_id in (2, 5, 11, 12, 30):
            store.delete_article(article_id)
    rng = random.Random(3)
    for number in range(5):  # new passages after the deletions
        _add(store, rng, f"b{number}")
    store.check_full_text()
    for terms in _questions(1):
        got = store.lexical(terms)
        assert got == _fts5(store, terms) and list(got) == list(_fts5(store, terms))


def test_a_rolled_back_transaction_writes_no_postings(store) -> None:
    before = store.lexical(["w1", "council"])
    passage = NewPassage(0, "w1 w1 council", np.ones(4, dtype=np.float32) / 2)
    with pytest.raises(RuntimeError), store.transaction():
        store.add_article(Article(title="t", text="w1", source="Wire"), "x", "hx", [passage])
        store.delete_article(1)
        raise RuntimeError("killed before commit")
    store.check_full_text()
    assert store.lexical(["w1", "council"]) == before


def test_a_phrase_of_several_tokens_is_ranked_by_fts5(store) -> None:
    _add_text(store, "covid", "Covid-19 cases rose; the U.S. said covid 19 is back.")
    for terms in (["covid-19"], ["u.s.", "storm"], ["covid-19", "w3", "the"]):
        assert phrase_tokens(terms[0]) != (terms[0],)
        assert store.lexical(terms) == _fts5(store, terms)
    assert store.lexical(["covid-19"])  # found, as a phrase


def test_a_phrase_of_several_tokens_is_scored_alone_only_while_it_is_rare(
    store, monkeypatch
) -> None:
    # Rare ("o brien": "brien" in few passages): FTS5 scores that phrase alone and the
    # postings the rest. Possibly common (each token in more than `common_rows` rows):
    # the whole question goes through FTS5, which scores a common phrase only beside a
    # rare one, instead of scoring all the phrase's rows.
    _add_text(store, "ob", "O'Brien said the council met. O said Brien left.")
    phrases = ['"O\'Brien"', '"council"', '"w3"']
    own = store._own_bm25
    with store._read() as db:
        db.execute("BEGIN")
        try:
            assert own(db, 0.3, phrases, -1) == _fts5(store, ["O'Brien", "council", "w3"])
            monkeypatch.setattr(Store, "common_rows", 0)
            assert own(db, 0.3, phrases, -1) is None
        finally:
            db.execute("COMMIT")
    assert store.lexical(["O'Brien", "council", "w3"]) == _fts5(store, ["O'Brien", "council", "w3"])


def _add_text(store: Store, key: str, text: str, title: str = "") -> None:
    passage = NewPassage(0, text, np.ones(4, dtype=np.float32) / 2)
    with store.transaction():
        store.add_article(Article(title=title, text=text, source="Wire"), key, f"h{key}", [passage])


def test_tokens_are_fts5s_tokens(store) -> None:
    # porter stems, diacritics removed, case folded: what FTS5 itself matches.
    assert phrase_tokens("Talks") == ("talk",)
    assert phrase_tokens("Zürich") == ("zurich",)
    assert phrase_tokens("!!") == ()
    for word in ("talks", "Zurich", "cafe", "NAIVE"):
        assert store.lexical([word]) == _fts5(store, [word])


def test_a_ranking_inside_a_write_transaction_sees_its_own_rows(store) -> None:
    passage = NewPassage(0, "quokka sighting", np.ones(4, dtype=np.float32) / 2)
    with store.transaction():
        ids = store.add_article(
            Article(title="", text="quokka", source="Wire"), "q", "hq", [passage]
        )
        assert list(store.lexical(["quokka"])) == ids  # FTS5, as postings come at commit
    assert list(store.lexical(["quokka"])) == ids


def _closed_index(path, seed: int) -> dict[tuple[str, ...], dict[int, float]]:
    """Write 25 random articles to a new index at `path`, close it, and return its
    rankings of `_questions(5)` (to compare after an older schema is migrated)."""
    store = Store(path)
    rng = random.Random(seed)
    for number in range(25):
        _add(store, rng, f"a{number}")
    expected = {tuple(t): store.lexical(t) for t in _questions(5)}
    store.close()
    return expected


def test_the_migration_builds_the_postings_of_an_older_index(tmp_path) -> None:
    path = tmp_path / "news.sqlite3"
    expected = _closed_index(path, 11)
    db = sqlite3.connect(path)  # back to schema 7: no postings
    db.execute("DROP TABLE passage_postings")
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()
    reopened = Store(path)
    try:
        reopened.check_full_text()
        assert {tuple(t): reopened.lexical(t) for t in _questions(5)} == expected
    finally:
        reopened.close()


def test_migration_9_keys_the_postings_by_epoch_first(tmp_path) -> None:
    path = tmp_path / "news.sqlite3"
    expected = _closed_index(path, 12)
    db = sqlite3.connect(path)  # back to schema 8: the same rows, keyed token first
    db.execute(schema.POSTINGS_TABLE.format(name="old").replace("(epoch, token,", "(token, epoch,"))
    db.execute("INSERT INTO old SELECT * FROM passage_postings")
    db.execute("DROP TABLE passage_postings")
    db.execute("ALTER TABLE old RENAME TO passage_postings")
    db.execute("PRAGMA user_version = 8")
    db.commit()
    db.close()
    reopened = Store(path)
    try:
        with reopened._read() as db:
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'passage_postings'")
            assert "PRIMARY KEY (epoch, token, part)" in sql.fetchone()[0]
            # A token's postings: one seek an epoch on the key, no sort.
            plan = db.execute(
                "EXPLAIN QUERY PLAN SELECT epoch, data FROM passage_postings"
                " WHERE epoch IN (0, 1) AND token = ? ORDER BY epoch, part",
                ("council",),
            ).fetchall()
            assert [row[3] for row in plan] == [
                "SEARCH passage_postings USING PRIMARY KEY (epoch=? AND token=?)"
            ]
        reopened.check_full_text()
        assert {tuple(t): reopened.lexical(t) for t in _questions(5)} == expected
    finally:
        reopened.close()


def test_the_check_finds_postings_that_disagree(store) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM passage_postings WHERE token = 'council'")
    with pytest.raises(StoreError, match="passage_postings does not match"):
        store.check_full_text()
    with store._read() as db:
        assert "council" in postings_mismatch(db)


def test_the_check_finds_a_part_whose_count_disagrees_with_its_data(store) -> None:
    """A read sizes its arrays by a part's `rows`: the check compares it with the data."""
    with store.transaction() as db:
        db.execute("UPDATE passage_postings SET rows = rows + 1 WHERE token = 'storm'")
    with pytest.raises(StoreError, match="passage_postings does not match"):
        store.check_full_text()
    with store._read() as db:
        assert "'storm'" in postings_mismatch(db) and "damaged" in postings_mismatch(db)
    with pytest.raises(StoreError, match="postings part"):
        store.lexical(["storm"])


def test_encoding_round_trips_an_epoch_and_clips_counts() -> None:
    epoch = 3
    ids = (
        np.array([0, 1, 17, posting_codec.EPOCH - 1], dtype=np.int64) + epoch * posting_codec.EPOCH
    )
    held = posting_codec.Postings(
        ids,
        np.array([1, 0, 255, 2], dtype=np.uint8),
        np.array([0, 1, 0, 3], dtype=np.uint8),
        np.array([10, 3, 65535, 7], dtype=np.uint16),
    )
    for packed in (False, True):
        back = decode(encode(held, epoch, packed=packed), epoch)
        for a, b in zip(
            (back.ids, back.text, back.title, back.length),
            (ids, held.text, held.title, held.length),
            strict=True,
        ):
            assert np.array_equal(a, b)
    made = TOKENIZER.postings([(5, " ".join(["spam"] * 300), "spam")])["spam"]
    assert (int(made.text[0]), int(made.title[0]), int(made.length[0])) == (255, 1, 301)


def test_a_passage_past_the_caps_is_scored_by_fts5(store) -> None:
    _add_text(store, "spam", " ".join(["zeta"] * 300) + " council", title="zeta " * 3)
    assert store.lexical(["zeta"]) == _fts5(store, ["zeta"])  # 300 repeats: FTS5's score
    assert store.lexical(["zeta", "council"]) == _fts5(store, ["zeta", "council"])


def test_a_passage_added_and_deleted_in_one_transaction_leaves_no_postings(tmp_path) -> None:
    store = Store(tmp_path / "news.sqlite3")
    try:
        passage = NewPassage(0, "ephemeral words", np.ones(4, dtype=np.float32) / 2)
        with store.transaction():
            store.add_article(Article(title="t", text="e", source="Wire"), "e", "he", [passage])
            store.delete_article(1)
        store.check_full_text()
        assert store.lexical(["ephemeral"]) == {}
    finally:
        store.close()


def test_commits_extend_a_raw_tail_and_merge_sealed_parts_by_tier(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(posting_writes, "TAIL", 2)  # "council": sealed every 2, merged by 4
    store = Store(tmp_path / "news.sqlite3")
    try:
        rng = random.Random(5)
        for number in range(60):  # one commit each
            _add(store, rng, f"a{number}")
            store.check_full_text()
        with store._read() as db:
            parts = db.execute(
                "SELECT rows, substr(data, 1, 1) FROM passage_postings"
                " WHERE token = 'council' ORDER BY epoch, part"
            ).fetchall()
        kinds = [kind for _, kind in parts]
        assert posting_codec.RAW not in kinds[:-1]  # only the last part may be raw
        if kinds[-1] == posting_codec.RAW:
            assert parts[-1][0] < 2
        levels = [
            posting_writes._level(rows) for rows, kind in parts if kind == posting_codec.PACKED
        ]
        assert max(levels) >= 2  # merged twice over
        assert all(levels.count(level) < 4 for level in set(levels))  # tiers kept small
        with store.transaction():  # deletions rewrite the parts they touch
            for article_id in (1, 4, 9, 20, 33):
                store.delete_article(article_id)
        store.check_full_text()
        rng = random.Random(6)
        for number in range(5):  # and appends go on after a rewrite
            _add(store, rng, f"b{number}")
        store.check_full_text()
        for terms in _questions(9):
            assert store.lexical(terms) == _fts5(store, terms)
    finally:
        store.close()


def test_kept_postings_follow_every_commit(tmp_path, monkeypatch) -> None:
    """Every token kept decoded (FROM 1), in a cache too small for all of them: the
    rankings stay FTS5's through appends, sealed merges, deletions and evictions."""
    monkeypatch.setattr(postings.PostingsCache, "FROM", 1)
    monkeypatch.setattr(postings, "TAIL", 3)  # the cache keys sealed parts as such
    monkeypatch.setattr(posting_writes, "TAIL", 3)
    store = Store(tmp_path / "news.sqlite3")
    store._postings.budget = 120
    try:
        rng = random.Random(21)
        questions = _questions(21)
        for number in range(45):
            _add(store, rng, f"a{number}")
            if number % 9 == 8:
                with store.transaction():
                    store.delete_article(rng.randint(1, number))
            for terms in questions[number % 6 :: 6]:
                assert store.lexical(terms) == _fts5(store, terms), terms
        kept = store._postings._held
        assert kept and store._postings._size <= 120  # some kept, the budget held
        held = next(iter(kept.values())).postings
        with pytest.raises(ValueError):
            held.ids[0] = 0  # shared arrays are read-only
    finally:
        store.close()


def test_kept_postings_follow_a_rewrite_that_shifts_the_raw_part(tmp_path, monkeypatch) -> None:
    """Deleting postings rewrites an epoch: its new raw part can end at the same id with
    the same count and size as the one kept, holding other passages."""
    monkeypatch.setattr(postings.PostingsCache, "FROM", 1)
    monkeypatch.setattr(postings, "TAIL", 3)
    monkeypatch.setattr(posting_writes, "TAIL", 3)
    store = Store(tmp_path / "news.sqlite3")
    try:
        for i in range(9):
            text = "storm " * (i % 4 + 1) + f"filler{i} word"
            passage = NewPassage(0, text, np.ones(4, dtype=np.float32) / 2)
            with store.transaction():
                store.add_article(
                    Article(title="", text=text, source="W"), f"k{i}", f"h{i}", [passage]
                )
        with store.transaction():
            store.delete_article(1)
        assert store.lexical(["storm"]) == _fts5(store, ["storm"])  # kept now
        with store._read() as db:
            before = db.execute(
                "SELECT rows, last, length(data) FROM passage_postings WHERE part = 1"
                " AND token = 'storm'"
            ).fetchall()
        with store.transaction():
            for article_id in (2, 3, 8):
                store.delete_article(article_id)
        with store._read() as db:
            after = db.execute(
                "SELECT rows, last, length(data) FROM passage_postings WHERE part = 1"
                " AND token = 'storm'"
            ).fetchall()
        assert before == after  # the case: same count, last id and size
        assert store.lexical(["storm"]) == _fts5(store, ["storm"])
    finally:
        store.close()


def test_parts_written_by_zlib_are_read_and_merged_with_new_ones(tmp_path, monkeypatch) -> None:
    """An index whose sealed parts are zlib (written before the packed format) ranks as
    FTS5 does, and commits merge those parts with new ones."""
    monkeypatch.setattr(posting_writes, "TAIL", 2)
    store = Store(tmp_path / "news.sqlite3")
    try:
        rng = random.Random(7)
        for number in range(24):
            _add(store, rng, f"a{number}")
        with store.transaction() as db:
            sealed = db.execute(
                "SELECT token, epoch, part, data FROM passage_postings"
                " WHERE substr(data, 1, 1) = ?",
                (posting_codec.PACKED,),
            ).fetchall()
            for token, epoch, part, data in sealed:
                old = posting_codec.ZLIB + zlib.compress(
                    posting_codec.encode(decode(data, epoch), epoch, packed=False)[1:], 1
                )
                db.execute(
                    "UPDATE passage_postings SET data = ?"
                    " WHERE token = ? AND epoch = ? AND part = ?",
                    (old, token, epoch, part),
                )
        assert len(sealed) > 10
        store.check_full_text()
        for terms in _questions(11):
            assert store.lexical(terms) == _fts5(store, terms)
        for number in range(24):  # merges read zlib parts and write packed ones
            _add(store, rng, f"b{number}")
        store.check_full_text()
        with store._read() as db:
            kinds = {r[0] for r in db.execute("SELECT substr(data, 1, 1) FROM passage_postings")}
        assert posting_codec.PACKED in kinds
        for terms in _questions(12):
            assert store.lexical(terms) == _fts5(store, terms)
    finally:
        store.close()


def _small_epochs(monkeypatch, epoch: int = 8, tail: int = 2) -> None:
    """Epochs of `epoch` passages and raw tails of `tail` postings: a store of a few
    dozen articles then has frozen epochs of several parts a token."""
    monkeypatch.setattr(posting_codec, "EPOCH", epoch)
    monkeypatch.setattr(posting_writes, "EPOCH", epoch)
    monkeypatch.setattr(postings, "TAIL", tail)
    monkeypatch.setattr(posting_writes, "TAIL", tail)


def _parts_by_epoch(store: Store) -> dict[int, dict[str, int]]:
    with store._read() as db:
        found = db.execute(
            "SELECT epoch, token, COUNT(*) FROM passage_postings GROUP BY epoch, token"
        ).fetchall()
    by_epoch: dict[int, dict[str, int]] = {}
    for epoch, token, parts in found:
        by_epoch.setdefault(epoch, {})[token] = parts
    return by_epoch


def test_frozen_epochs_are_merged_to_one_part_a_token(tmp_path, monkeypatch) -> None:
    """Commits merge the parts of the epochs new passages no longer fall in, and the
    rankings stay FTS5's; a deletion there rewrites the token as one part."""
    _small_epochs(monkeypatch)
    monkeypatch.setattr(posting_writes, "COMPACT_SHARE", 1000)  # all of it, at once
    store = Store(tmp_path / "news.sqlite3")
    try:
        rng = random.Random(3)
        for number in range(50):
            _add(store, rng, f"a{number}")
        store.check_full_text()
        by_epoch = _parts_by_epoch(store)
        newest = max(by_epoch)
        assert newest >= 5
        assert max(by_epoch[newest].values()) > 1  # the newest epoch keeps its tiers
        for epoch in range(newest):
            assert set(by_epoch[epoch].values()) == {1}, epoch
        for terms in _questions(13):
            assert store.lexical(terms) == _fts5(store, terms)
        with store.transaction():
            for article_id in (2, 7, 11):
                store.delete_article(article_id)
        store.check_full_text()
        by_epoch = _parts_by_epoch(store)
        assert all(set(by_epoch[epoch].values()) == {1} for epoch in by_epoch if epoch < newest)
        for terms in _questions(14):
            assert store.lexical(terms) == _fts5(store, terms)
    finally:
        store.close()


def test_a_commit_merges_a_bounded_share_and_the_next_goes_on(tmp_path, monkeypatch) -> None:
    """A commit's merges are bounded by the postings it adds: the merging of the frozen
    epochs spreads over the following commits, from where the last one stopped, while
    every cached token follows it."""
    _small_epochs(monkeypatch)
    monkeypatch.setattr(postings.PostingsCache, "FROM", 1)
    store = Store(tmp_path / "news.sqlite3")
    try:
        monkeypatch.setattr(posting_writes, "COMPACT_SHARE", 0)  # no merges yet
        rng = random.Random(4)
        for number in range(40):
            _add(store, rng, f"a{number}")
        before = _parts_by_epoch(store)
        newest = max(before)
        several = sum(1 for e in range(newest) for parts in before[e].values() if parts > 1)
        assert several > 20
        monkeypatch.setattr(posting_writes, "COMPACT_SHARE", 3)
        questions = _questions(15)
        progress = []
        for number in range(60):
            _add(store, rng, f"b{number}")
            by_epoch = _parts_by_epoch(store)
            left = sum(
                1 for e in by_epoch if e < max(by_epoch) for p in by_epoch[e].values() if p > 1
            )
            progress.append(left)
            for terms in questions[number % 4 :: 4]:
                assert store.lexical(terms) == _fts5(store, terms), terms
        store.check_full_text()
        assert progress[0] > 0  # one commit did not merge everything
        assert progress[-1] == 0, progress  # the following ones went on until all were merged
    finally:
        store.close()


# A frozen token's parts damaged: the change and its values, the parts it changes, and
# what the check says then.
DAMAGES = {
    "a count its data disagrees with": ("rows = rows + 1", (), "part = 0", "damaged part"),
    "no postings": ("rows = 0, data = ?", (posting_codec.RAW,), "1", "does not match"),
    "text for bytes": ("data = 'garbage'", (), "part = 0", "damaged part"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_part_in_a_frozen_epoch_is_left_for_the_check(
    tmp_path, monkeypatch, damage
) -> None:
    """Merging skips a token whose parts are damaged (a count its data disagrees with;
    parts that claim no postings or hold text, found in review): later commits still add
    passages, and the check names it."""
    _small_epochs(monkeypatch)
    store = Store(tmp_path / "news.sqlite3")
    try:
        monkeypatch.setattr(posting_writes, "COMPACT_SHARE", 0)
        rng = random.Random(8)
        for number in range(12):
            _add(store, rng, f"a{number}")
        change, values, parts, message = DAMAGES[damage]
        with store.transaction() as db:
            token = db.execute(
                "SELECT token FROM passage_postings WHERE epoch = 0"
                " GROUP BY token HAVING COUNT(*) > 1 LIMIT 1"
            ).fetchone()[0]
            db.execute(
                f"UPDATE passage_postings SET {change} WHERE token = ? AND epoch = 0 AND {parts}",
                (*values, token),
            )
        monkeypatch.setattr(posting_writes, "COMPACT_SHARE", 1000)
        for number in range(3):
            _add(store, rng, f"b{number}")  # merges everything else
        assert _parts_by_epoch(store)[0][token] > 1
        with pytest.raises(StoreError, match=message):
            store.check_full_text()
    finally:
        store.close()


def _counted(monkeypatch) -> list[tuple[str, str]]:
    """Every (table, phrase) Store counts the matching rows of from now on."""
    asked: list[tuple[str, str]] = []
    count_rows = Store._count_rows

    def spy(db: sqlite3.Connection, table: str, phrase: str) -> int:
        asked.append((table, phrase))
        return count_rows(db, table, phrase)

    monkeypatch.setattr(Store, "_count_rows", staticmethod(spy))
    return asked


def fts5_counts(db: sqlite3.Connection, terms: list[str]) -> dict[str, int]:
    """The rows FTS5 matches for each term (those that make a phrase)."""
    phrases = {term: fts_phrase(term) for term in terms}
    sql = "SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH ?"
    return {term: db.execute(sql, (p,)).fetchone()[0] for term, p in phrases.items() if p}


def test_document_frequencies_ask_fts5_only_for_phrases_of_several_tokens(
    store, monkeypatch
) -> None:
    """A question's one-token terms are counted from their postings even beside a term
    of several tokens ("O'Brien": o, brien), which FTS5 counts; all as FTS5 would."""
    asked = _counted(monkeypatch)
    terms = ["council", "O'Brien", "storm", "won't", "w3", "absent"]
    total, counts = store.document_frequencies(terms)
    with store._read() as db:
        fts5 = fts5_counts(db, terms)
    assert counts == fts5 and counts["council"] > 10 and counts["O'Brien"] > 0
    assert total == store.stats().passages
    assert {phrase for table, phrase in asked if table == "passages_fts"} == {
        '"O\'Brien"',
        '"won\'t"',
    }


def test_a_bm25_read_leaves_its_counts_for_the_idf_weights(store, monkeypatch) -> None:
    """The answer step's document frequencies after a question's bm25 read are that
    read's counts, FTS5's own, counted again only after a commit."""
    asked = _counted(monkeypatch)
    terms = ["council", "storm", "O'Brien", "w7", "absent"]
    store.lexical(terms)
    _, counts = store.document_frequencies(terms)
    assert not [phrase for _, phrase in asked if phrase]  # only the passages' total
    with store._read() as db:
        assert counts == fts5_counts(db, terms)
    store.use_postings = False  # FTS5 counts every term
    try:
        assert counts == store.document_frequencies(terms)[1]
    finally:
        del store.use_postings
    _add(store, random.Random(99), "later")
    asked.clear()
    _, after = store.document_frequencies(terms)
    assert {'"council"', '"storm"'} <= {phrase for _, phrase in asked}
    assert after["council"] >= counts["council"]
