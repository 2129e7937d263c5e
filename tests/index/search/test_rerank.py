"""The reranker over the top fused hits: its features, its order, its fit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from index.evaluation.calibration import split_by_date
from index.records import Article, Hit, Passage
from index.search.answer import answer_question
from index.search.fusion import SearchSettings
from index.search.query import parse_query
from index.search.rerank import (
    FEATURES,
    RerankSettings,
    features,
    fit_pairwise,
    local_weights,
    rerank,
    settings_from,
)

HOW_MANY = parse_query("How many people were displaced by the floods in Ruritania?")
LEAD = "Dozens of people were displaced by the floods in Ruritania, officials said."
COUNT = "Officials said 2,300 people were displaced by the floods in Ruritania."


def _hit(text: str, score: float, position: int = 0, pid: int | None = None) -> Hit:
    pid = pid if pid is not None else abs(hash((text, score, position))) % 10**9
    passage = Passage(pid, pid, position, text, "", "", "", "2022-06-01")
    return Hit(passage=passage, score=score)


def test_the_passage_with_the_number_beats_the_lead_that_says_dozens() -> None:
    hits = [_hit(LEAD, 1.0, position=0, pid=1), _hit(COUNT, 0.9, position=3, pid=2)]
    x = features(HOW_MANY, hits)
    kind = FEATURES.index("kind")
    assert x[0, kind] == 0.0  # "dozens" is no count
    assert x[1, kind] > 0.5
    reranked = rerank(HOW_MANY, hits, RerankSettings(kind=0.3))
    assert [h.passage.id for h in reranked] == [2, 1]
    # Without weight on the answer type the fused order stands.
    assert [h.passage.id for h in rerank(HOW_MANY, hits, RerankSettings())] == [1, 2]


def test_a_number_the_question_names_is_no_answer() -> None:
    query = parse_query("How many people live in the 2,300 villages of Ruritania?")
    x = features(query, [_hit("People live in 2,300 villages of Ruritania.", 1.0)])
    assert x[0, FEATURES.index("kind")] == 0.0


def test_ties_keep_the_fused_order() -> None:
    hits = [_hit(LEAD, 1.0, pid=i) for i in range(5)]
    for settings in (RerankSettings(), RerankSettings(sentence=1.0, kind=1.0, lead=1.0)):
        assert [h.passage.id for h in rerank(HOW_MANY, hits, settings)] == list(range(5))


def test_the_fused_feature_follows_the_order_given_not_the_scores() -> None:
    # `rank` may put a lower score first (one article's share): that order is kept.
    hits = [_hit(LEAD, 1.0, pid=1), _hit(LEAD, 0.5, pid=2), _hit(LEAD, 0.8, pid=3)]
    x = features(HOW_MANY, hits)
    assert x[:, 0].tolist() == [0.0, -0.5, -0.5]
    assert [h.passage.id for h in rerank(HOW_MANY, hits, RerankSettings())] == [1, 2, 3]


def test_only_the_top_is_reordered() -> None:
    hits = [_hit(LEAD, 1.0, pid=1), _hit(LEAD, 0.9, pid=2), _hit(COUNT, 0.1, pid=3)]
    out = rerank(HOW_MANY, hits, RerankSettings(top=2, kind=5.0))
    assert [h.passage.id for h in out] == [1, 2, 3]


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n", "…!?", "a" * 5000, "\x00\ufffd" * 50, "1" * 300, "Ünïcödé Ñame 12.5.3"],
)
def test_empty_and_hostile_text(text: str) -> None:
    hits = [_hit(text, 1.0, pid=1), _hit(COUNT, 0.95, pid=2)]
    for query in (HOW_MANY, parse_query("?"), parse_query(text or "x")):
        x = features(query, hits)
        assert x.shape == (2, len(FEATURES)) and np.isfinite(x).all()
        out = rerank(query, hits, RerankSettings(sentence=1.0, kind=1.0, lead=1.0))
        assert sorted(h.passage.id for h in out) == [1, 2]
    assert rerank(HOW_MANY, [], RerankSettings(kind=1.0)) == []
    assert features(HOW_MANY, []).shape == (0, len(FEATURES))


def test_local_weights_favour_the_word_few_hits_share() -> None:
    weights = local_weights(["floods", "ruritania"], [LEAD, COUNT, "Floods again."])
    assert weights["ruritania"] > weights["floods"]


def _synthetic(rng: np.random.Generator, n: int, day: date) -> list[tuple]:
    """Questions of 10 hits; the answering one has a sentence feature 0.3 higher."""
    out = []
    for _ in range(n):
        x = rng.normal(0, 0.2, (10, len(FEATURES)))
        x[:, 0] = -np.sort(rng.uniform(0, 0.3, 10))  # fused gap, best first
        y = np.zeros(10, dtype=bool)
        y[rng.integers(0, 10)] = True
        x[y, FEATURES.index("sentence")] += 0.3
        out.append((day, x, y))
    return out


def test_fit_on_one_period_measured_on_the_other() -> None:
    rng = np.random.default_rng(0)
    rows = _synthetic(rng, 200, date(2022, 6, 15)) + _synthetic(rng, 200, date(2022, 8, 15))
    early, late = split_by_date(rows, date(2022, 8, 1), lambda r: r[0])
    assert len(early) == len(late) == 200
    w = fit_pairwise([(x, y) for _, x, y in early])
    assert w[FEATURES.index("sentence")] > abs(w[FEATURES.index("kind")])
    settings = settings_from(w, top=10)
    assert settings.sentence > 0

    def at1(rows: list, v: np.ndarray) -> float:
        return float(np.mean([y[int(np.argmax(x @ v))] for _, x, y in rows]))

    assert at1(late, settings.vector()) > at1(late, RerankSettings().vector()) + 0.1


def test_fit_skips_questions_without_both_kinds_of_hits() -> None:
    x = np.ones((3, len(FEATURES)))
    assert fit_pairwise([(x, np.zeros(3, bool)), (x, np.ones(3, bool))]).tolist() == [0.0] * 5
    assert fit_pairwise([]).shape == (0,)


def test_settings_from_counts_the_fused_score_one() -> None:
    s = settings_from(np.array([2.0, -1.0, 0.5, 0.2, 0.0]), top=7)
    assert s == RerankSettings(top=7, rank=-0.5, sentence=0.25, kind=0.1, lead=0.0)


def test_the_answer_step_reranks_and_search_does_not(hash_index) -> None:
    hash_index.ingest_articles(
        [
            Article(title="", text=LEAD, url="https://r.t/1", published="2022-06-01"),
            Article(title="", text=COUNT, url="https://r.t/2", published="2022-06-01"),
        ]
    )
    now = date(2022, 6, 2)
    plain = hash_index.retriever(replace(SearchSettings(), rerank=None))
    on = hash_index.retriever(replace(SearchSettings(), rerank=RerankSettings(kind=50.0)))
    for mode in ("hybrid", "lexical", "dense"):
        assert [h.passage.id for h in on.search(HOW_MANY, now=now, k=2, mode=mode)] == [
            h.passage.id for h in plain.search(HOW_MANY, now=now, k=2, mode=mode)
        ]
    reranked, _ = answer_question(on, hash_index.confidence, HOW_MANY, now)
    assert reranked.hit is not None and reranked.hit.passage.url == "https://r.t/2"
    fused, _ = answer_question(plain, hash_index.confidence, HOW_MANY, now)
    first = plain.search(HOW_MANY, now=now, k=2)[0]
    assert fused.hit is not None and fused.hit.passage.id == first.passage.id


def test_the_shipped_floor_counts_only_a_sentence_restating_the_question() -> None:
    shipped = SearchSettings().rerank
    assert shipped is not None and shipped.floor > 0 and shipped.sentence > 0
    question = parse_query("What did the mayor of Ruritania promise the flooded farmers?")
    restating = "The mayor of Ruritania promised the flooded farmers new dams."
    partial = "Farmers met on Sunday."
    hits = [_hit(partial, 1.0, pid=1), _hit(restating, 1.0 - shipped.sentence / 2, pid=2)]
    x = features(question, hits)
    column = FEATURES.index("sentence")
    assert x[1, column] > shipped.floor > x[0, column]
    assert [h.passage.id for h in rerank(question, hits, shipped)] == [2, 1]
    # Coverage counts only above the floor: at 1.0 nothing does, and the fused order stands.
    high = replace(shipped, floor=1.0)
    assert [h.passage.id for h in rerank(question, hits, high)] == [1, 2]
    assert high.scores(x).tolist() == x[:, 0].tolist()


def test_unread_sentences_change_no_score() -> None:
    # A hit whose whole text covers no more than the floor skips its sentences: the
    # scores are those of every sentence read, over random questions and passages.
    rng = np.random.default_rng(7)
    vocabulary = "floods Ruritania mayor dams 2,300 people farmers the of said new rain".split()
    unread = 0
    for _ in range(200):
        question = parse_query(" ".join(rng.choice(vocabulary, 5)) + "?")
        texts = [
            ". ".join(" ".join(rng.choice(vocabulary, rng.integers(1, 8))) for _ in range(3))
            for _ in range(8)
        ]
        hits = [_hit(t, 1.0 - i / 10, pid=i) for i, t in enumerate(texts)]
        for floor in (0.0, 0.3, 0.6):
            settings = RerankSettings(top=8, sentence=0.5, floor=floor)
            read = features(question, hits, kinds=False)
            unread_rows = features(question, hits, kinds=False, floor=floor)
            unread += int((read != unread_rows).any(axis=1).sum())
            assert settings.scores(read).tolist() == settings.scores(unread_rows).tolist()
    assert unread > 0  # the shortcut was taken where it gives another raw value
