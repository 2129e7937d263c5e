"""Bounded bm25: common terms leave the match while a rarer one remains, and every row
returned keeps the score the full match gives it."""

from __future__ import annotations

import numpy as np
import pytest

from index.records import Article
from index.storage.fts import match_any
from index.storage.store import NewPassage, Store

TEXTS = [
    "The council met on Monday about the budget.",
    "The council approved the harbour budget after a long debate.",
    "Storm warnings closed the harbour; the council met again.",
    "A storm hit the coast and the harbour flooded.",
    "Budget talks: the council, the harbour and the storm.",
    "Farmers sold apples at the market.",
    "The market reopened after the storm.",
    "Apples and pears: the market report of the council.",
]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "news.sqlite3")
    for number, text in enumerate(TEXTS):
        article = Article(title=f"Report {number}", text=text, source="Wire")
        passage = NewPassage(0, text, np.ones(4, dtype=np.float32) / 2)
        with store.transaction():
            store.add_article(article, f"k{number}", f"h{number}", [passage])
    yield store
    store.close()


def _full(store: Store, table: str, weight: float, terms: list[str]) -> dict[int, float]:
    """The unpruned ranking: one match of every term."""
    with store._read() as db:
        return store._ranked(db, table, weight, match_any(terms), -1)


QUESTIONS = [["council", "harbour"], ["storm", "apples", "budget"], ["market", "pears"], ["nope"]]


@pytest.mark.parametrize("terms", QUESTIONS)
def test_with_no_common_term_the_ranking_is_the_full_one(store, terms) -> None:
    store.common_rows = len(TEXTS)  # no term is in more rows than that
    assert store.lexical(terms, limit=-1) == _full(store, "passages_fts", 0.3, terms)
    assert store.article_lexical(terms, limit=-1) == _full(store, "articles_fts", 0.5, terms)


@pytest.mark.parametrize("terms", QUESTIONS)
def test_pruned_rows_keep_their_full_scores(store, terms) -> None:
    full = _full(store, "passages_fts", 0.3, terms)
    for common_rows in (0, 1, 2, 3):
        store.common_rows = common_rows
        got = store.lexical(terms, limit=-1)
        assert got.keys() <= full.keys()
        assert got == pytest.approx({pid: full[pid] for pid in got})
        assert list(got.values()) == sorted(got.values(), reverse=True)  # best first


def test_a_common_term_is_pruned_only_while_a_rarer_one_remains(store) -> None:
    store.common_rows = 2  # "council" is in 5 rows, "pears" in 1, "storm" in 4
    council = set(store.lexical(["council"]))
    assert len(council) == 5  # alone, a common term still matches
    pears = set(store.lexical(["pears"]))
    # With "pears", rows with only "council" are left out; the one with both stays.
    assert set(store.lexical(["council", "pears"])) == pears
    # Both common: the rarer ("storm") is kept, "council" only rescores its rows.
    both = store.lexical(["council", "storm"])
    assert set(both) == set(store.lexical(["storm"]))
    full = _full(store, "passages_fts", 0.3, ["council", "storm"])
    assert both == pytest.approx({pid: full[pid] for pid in both})
    assert len(store.lexical(["council", "storm"], limit=2)) == 2


def test_document_frequencies_equal_the_matching_rows(store) -> None:
    total, counts = store.document_frequencies(["council", "storm", "pears", "nope", '"'])
    assert total == len(TEXTS)
    assert counts == {"council": 5, "storm": 4, "pears": 1, "nope": 0}
    assert counts["council"] == len(store.lexical(["council"]))


HOSTILE = ['"', 'council" OR "storm', "NEAR(council storm)", "*", "^council", "council*"]
HOSTILE += ["title:council", "AND", "OR", "NOT", "-", "'); --", "(", "council)", "{title}: x"]


@pytest.mark.parametrize("common_rows", [0, 2, 100])
def test_terms_cannot_inject_syntax_when_pruned(store, common_rows) -> None:
    store.common_rows = common_rows
    for term in HOSTILE:
        store.lexical([term, "council", "pears"])  # no FTS5 syntax error
        store.article_lexical([term, "storm"])
    # 'council" OR "storm' is one phrase of three words, found in no row.
    assert store.lexical(['council" OR "storm']) == {}
    assert store.lexical(["NEAR(council storm)"]) == {}
    assert store.lexical(["^council*"]) == store.lexical(["council"])
