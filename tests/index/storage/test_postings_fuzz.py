"""Random commits over small epochs (adds that cross epochs, deletions, the whole newest
epoch deleted, rollbacks, merges of frozen epochs at any share): after every commit the
postings agree with the passages, rank as FTS5 does, count as FTS5 counts, and every
token the merges have passed holds one part an epoch. Written in review of the merges;
`-m fuzz_long` runs more seeds."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from index.records import Article
from index.storage import posting_writes, postings
from index.storage.store import NewPassage, Store
from tests.index.storage.test_postings import (
    COMMON,
    RARE,
    _fts5,
    _small_epochs,
    _text,
    fts5_counts,
)

TERMS = COMMON + RARE + ["absent", "!!", "-", "o'brien", "ok'd", "the council"]


def _article(rng, key):
    title = " ".join(rng.choice(COMMON + RARE) for _ in range(rng.randint(0, 5)))
    passages = [
        NewPassage(i, _text(rng), np.ones(4, dtype=np.float32) / 2)
        for i in range(rng.randint(1, 4))
    ]
    art = Article(title=title, text=" ".join(p.text for p in passages), source="Wire")
    return art, key, f"h-{key}", passages


def _cursor_invariant(store: Store) -> None:
    with store._read() as db:
        row = db.execute(
            "SELECT value FROM meta WHERE key = ?", (posting_writes.COMPACTED,)
        ).fetchone()
        if not row:
            return
        epoch, after = json.loads(row[0])
        bad = db.execute(
            "SELECT epoch, token, COUNT(*) FROM passage_postings"
            " WHERE epoch < ? OR (epoch = ? AND token <= ?)"
            " GROUP BY epoch, token HAVING COUNT(*) > 1",
            (epoch, epoch, after),
        ).fetchall()
    assert not bad, (epoch, after, bad[:5])


SEEDS = [
    pytest.param(seed, marks=pytest.mark.fuzz_long) if seed >= 6 else seed for seed in range(60)
]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_commits_keep_the_postings_fts5s(tmp_path, monkeypatch, seed) -> None:
    rng = random.Random(seed)
    _small_epochs(monkeypatch, epoch=rng.choice([4, 8, 16, 32]), tail=rng.choice([2, 3]))
    monkeypatch.setattr(postings.PostingsCache, "FROM", 1)
    monkeypatch.setattr(posting_writes, "COMPACT_SHARE", rng.choice([1, 2, 3, 8, 1000]))
    store = Store(tmp_path / "news.sqlite3")
    added = 0
    try:
        for step in range(80):
            op = rng.random()
            with store._read() as db:
                ids = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY id")]
                newest_arts = [
                    r[0]
                    for r in db.execute(
                        "SELECT DISTINCT article_id FROM passages WHERE id >= "
                        "(SELECT MAX(id) FROM passages) / ? * ?",
                        (posting_writes.EPOCH, posting_writes.EPOCH),
                    )
                ]
            try:
                with store.transaction() as wdb:
                    if op < 0.55 or not ids:
                        for _ in range(rng.randint(1, 5)):
                            added += 1
                            store.add_article(*_article(rng, f"k{added}"))
                        if rng.random() < 0.2 and ids:
                            store.delete_article(rng.choice(ids))
                    elif op < 0.75:
                        for a in rng.sample(ids, min(len(ids), rng.randint(1, 3))):
                            store.delete_article(a)
                    elif op < 0.85:
                        for a in newest_arts:  # the whole newest epoch
                            store.delete_article(a)
                    else:
                        added += 1
                        store.add_article(*_article(rng, f"k{added}"))
                        if rng.random() < 0.5:
                            store.delete_article(ids[-1])
                        terms = rng.sample(TERMS, 4)
                        _, got = store.document_frequencies(terms)
                        assert got == fts5_counts(wdb, terms), ("in tx", terms)
                        if rng.random() < 0.5:
                            raise RuntimeError("rollback")
            except RuntimeError:
                pass
            store.check_full_text()
            _cursor_invariant(store)
            for _ in range(3):
                terms = rng.sample(TERMS, rng.randint(1, 6))
                assert store.lexical(terms) == _fts5(store, terms), (step, terms)
                _, got = store.document_frequencies(terms)
                with store._read() as db:
                    assert got == fts5_counts(db, terms), (step, terms)
    finally:
        store.close()
