"""The fusion weights fitted on one period, measured on another (index/evaluation/
fusion_fit.py): the vectorised grid ranks the candidates exactly as the engine's `fuse`
and `rank` do, and the cross-fit picks on one half and reports on the other."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from index.evaluation.fusion_fit import (
    GRID,
    Gathered,
    _fused,
    best_point,
    collect,
    cross_fit,
    grid_points,
    grid_ranks,
    recall_at,
    report,
)
from index.evaluation.harness import Question
from index.evaluation.matching import answers
from index.search.fusion import Features, SearchSettings, fuse, rank
from index.search.query import parse_query

SHIPPED = {name: getattr(SearchSettings(), name) for name in GRID}


def _question(seed: int, n: int = 60, set_name: str = "a", day: date | None = None) -> Gathered:
    """Random candidates with repeated articles, tied scores and unknown dates."""
    rng = np.random.default_rng(seed)
    dense = rng.random(n).round(2)  # rounded: ties happen
    lexical = np.where(rng.random(n) < 0.3, 0.0, rng.random(n).round(2))
    age = rng.integers(0, 60, n).astype(float)
    age[rng.random(n) < 0.1] = np.inf
    features = Features(
        dense=dense,
        lexical=lexical,
        age_days=age,
        position=rng.integers(0, 30, n),
        article=rng.integers(0, n // 6, n),
        article_lexical=rng.random(n).round(2),
    )
    labels = rng.random(n) < 0.08
    # Syndicated copies: the same features as earlier rows, the opposite label; they tie
    # with their originals, and the engine puts the lower id (the earlier row) first.
    copies = rng.choice(n, n // 5, replace=False)
    features = Features(
        **{name: np.concatenate([value, value[copies]]) for name, value in vars(features).items()}
    )
    labels = np.concatenate([labels, ~labels[copies]])
    return Gathered(set_name, day, features, bool(seed % 2), labels)


def _engine_rank(q: Gathered, point: dict, depth: int = 10) -> int:
    settings = SearchSettings(**point)
    scores = fuse(q.features, settings, time_sensitive=q.time_sensitive)
    rows = np.arange(len(q.features), dtype=np.int64)
    top = q.labels[rank(rows, scores, q.features.article, settings.per_article)[:depth]]
    return int(np.argmax(top)) + 1 if top.any() else 0


def test_grid_scores_are_the_engines_fuse_to_the_bit() -> None:
    # Bit for bit, not approximately: scores one rounding step apart in the engine must
    # not tie here (a matrix product did that in 6 of 288,000 random cases).
    points = grid_points()
    settings = [SearchSettings(**p) for p in points]
    rng = np.random.default_rng(1)
    for seed in range(40):
        q = _question(seed)
        fused = _fused(q, settings)
        for i in rng.choice(len(points), 60, replace=False):
            engine = fuse(q.features, settings[i], time_sensitive=q.time_sensitive)
            assert np.array_equal(fused[i], engine), (seed, points[i])


def test_grid_ranks_equal_the_engines_fuse_and_rank_at_every_point() -> None:
    questions = [_question(seed) for seed in range(12)]
    points = grid_points()
    ranks = grid_ranks(questions, points)
    assert ranks.shape == (len(points), len(questions))
    rng = np.random.default_rng(0)
    for i in rng.choice(len(points), 120, replace=False):
        for j, q in enumerate(questions):
            assert ranks[i, j] == _engine_rank(q, points[i]), (points[i], j)
    assert (ranks > 0).any() and (ranks == 0).any()  # both kinds of outcome are exercised


@pytest.mark.parametrize(
    "case", ["time words", "no article bm25", "one candidate", "all equal", "nan article"]
)
def test_grid_ranks_follow_the_engine_at_the_edges(case: str) -> None:
    q = _question(5)
    f = q.features
    points = [
        {"dense_weight": w, "article_weight": a, "time_word_weight": t, "per_article": k}
        for w in (0.0, 0.8, 1.0)
        for a in (0.0, 1.0)
        for t in (0.0, 0.5)
        for k in (0, 3)
    ]
    if case == "time words":
        q = Gathered(q.set_name, q.day, f, True, q.labels)
    elif case == "no article bm25":
        q = Gathered(q.set_name, q.day, replace(f, article_lexical=None), False, q.labels)
    elif case == "one candidate":
        one = Features(**{name: value[:1] for name, value in vars(f).items()})
        q = Gathered(q.set_name, q.day, one, False, np.array([True]))
    elif case == "all equal":
        n = len(f)
        flat = Features(
            np.full(n, 0.5), np.full(n, 2.0), np.full(n, 3.0), np.zeros(n, np.int64),
            f.article, np.ones(n),
        )  # fmt: skip
        labels = np.zeros(n, dtype=bool)
        labels[6] = True  # every score ties: the order is the row (passage id) order
        q = Gathered(q.set_name, q.day, flat, False, labels)
    else:  # unused by a point with no article weight, as in the engine
        article_lexical = np.asarray(f.article_lexical, dtype=np.float64).copy()
        article_lexical[3] = np.nan
        q = Gathered(
            q.set_name, q.day, replace(f, article_lexical=article_lexical), False, q.labels
        )
    ranks = grid_ranks([q], points)[:, 0]
    expected = [_engine_rank(q, p) for p in points]
    assert ranks.tolist() == expected
    assert any(expected)


def test_a_question_with_no_answering_candidate_ranks_zero_everywhere() -> None:
    q = _question(3)
    empty = Gathered(q.set_name, q.day, q.features, q.time_sensitive, np.zeros(len(q.labels), bool))
    assert not grid_ranks([empty], grid_points()).any()


def test_best_point_weighs_each_set_the_same_then_breaks_ties_by_r5() -> None:
    # Set A has 1 question, set B 4. Row 0 wins B's four at rank 2; row 1 wins A's one.
    ranks = np.array(
        [
            [0, 2, 2, 2, 2],
            [1, 0, 0, 0, 0],
            [1, 1, 0, 0, 0],  # best R@1 summed per set: 1 + 0.25
            [1, 1, 2, 0, 0],  # same R@1 as row 2, better R@5
        ]
    )
    groups = [np.array([1, 0, 0, 0, 0], bool), np.array([0, 1, 1, 1, 1], bool)]
    assert best_point(ranks, groups) == 3
    assert best_point(ranks[:3], groups) == 2
    assert best_point(ranks[[1, 1]], groups) == 0  # equal rows: the earlier
    assert recall_at(ranks[3], 5) == pytest.approx(0.6)


def test_cross_fit_fits_on_one_half_and_reports_the_other() -> None:
    cut = date(2022, 8, 1)
    early = [_question(s, day=date(2022, 7, 1 + s)) for s in range(10)]
    late = [_question(s, day=date(2022, 8, 1 + s)) for s in range(10, 20)]
    other = [_question(s, set_name="seed") for s in range(20, 24)]
    shipped = SearchSettings()
    points = [
        {"dense_weight": w, "position_weight": p, "per_article": a}
        for w in (0.3, shipped.dense_weight, 1.0)
        for p in (0.0, shipped.position_weight)
        for a in (0, shipped.per_article)
    ]
    result = cross_fit([*early, *late, *other], {"a": cut}, points)
    ranks = grid_ranks([*early, *late], points)
    home = points.index({k: getattr(shipped, k) for k in points[0]})
    for fit, mask in (("early", np.arange(20) < 10), ("late", np.arange(20) >= 10)):
        chosen = result.chosen[fit]
        assert chosen == points[best_point(ranks, [mask])]
        for role, part in (("fitted on", mask), ("measured on", ~mask)):
            row = next(r for r in result.rows if r.fitted_on == fit and r.role == role)
            column, mine = ranks[points.index(chosen), part], ranks[home, part]
            assert row.fitted == (recall_at(column, 1), recall_at(column, 5))
            assert row.shipped == (recall_at(mine, 1), recall_at(mine, 5))
            assert row.questions == 10 and (row.half == fit) == (role == "fitted on")
    seed_rows = [r for r in result.rows if r.set_name == "seed"]
    assert [r.role for r in seed_rows] == ["in no fit", "in no fit"]
    assert all(r.questions == 4 for r in seed_rows)
    text = report(result, {"a": ("July", "August")})
    assert "**measured on**" in text and "| August |" in text and "| all |" in text


def test_cross_fit_adds_the_shipped_settings_when_the_grid_lacks_them() -> None:
    questions = [_question(s, day=date(2022, 7, 20 + s)) for s in range(8)]
    points = [{"dense_weight": 0.3, "per_article": 0}]
    result = cross_fit(questions, {"a": date(2022, 7, 24)}, points)
    shipped = {k: getattr(SearchSettings(), k) for k in points[0]}
    assert shipped not in points
    ranks = grid_ranks(questions, [*points, shipped])
    row = next(r for r in result.rows if r.fitted_on == "early" and r.role == "fitted on")
    assert row.shipped == (recall_at(ranks[1, :4], 1), recall_at(ranks[1, :4], 5))
    assert row.fitted == (recall_at(ranks[0, :4], 1), recall_at(ranks[0, :4], 5))


@pytest.mark.parametrize(
    "days, message",
    [
        ([None, date(2022, 7, 1), date(2022, 8, 2)], "undated"),
        ([date(2022, 7, 1), date(2022, 7, 2)], "no question in the late period"),
        ([date(2022, 8, 1), date(2022, 8, 2)], "no question in the early period"),
    ],
)
def test_cross_fit_refuses_what_it_cannot_split(days: list, message: str) -> None:
    questions = [_question(i, day=d) for i, d in enumerate(days)]
    with pytest.raises(ValueError, match=message):
        cross_fit(questions, {"a": date(2022, 8, 1)}, [SHIPPED])
    with pytest.raises(ValueError, match="no set to cut"):
        cross_fit([_question(0, set_name="seed")], {"a": date(2022, 8, 1)}, [SHIPPED])


def test_collect_ranks_as_the_engine_answers_on_a_real_index(hash_index, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    texts = [
        "The city council approved a new budget of 40 million dollars for road repairs.",
        "Heavy rain flooded the river valley and closed three bridges on Tuesday.",
        "The museum opened an exhibition of early photographs from the harbour.",
        "Council members said the road budget would be spent over two years.",
        "Three bridges over the river reopened after the flood waters fell.",
    ]
    rows = [
        {
            "id": str(i),
            "title": f"Story {i}",
            "source": "example.com",
            "url": f"https://example.com/{i}",
            "published": f"2022-06-0{1 + i}",
            "text": text,
        }
        for i, text in enumerate(texts)
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows))
    hash_index.ingest_paths([corpus])
    day = date(2022, 6, 8)
    questions = [
        Question("a", "How much was the council budget for roads?", (texts[0][:50],), day),
        Question("b", "Which bridges reopened after the flood?", (texts[4][:40],), day),
        Question("c", "Who won the chess final in Oslo?", (), day),
    ]
    gathered = collect(hash_index, questions, "tiny")
    assert [g.set_name for g in gathered] == ["tiny", "tiny"]  # answerable questions only
    shipped = {name: getattr(SearchSettings(), name) for name in GRID}
    ranks = grid_ranks(gathered, [shipped])[0]
    retriever = hash_index.retriever(SearchSettings())
    for q, got in zip(questions[:2], ranks, strict=True):
        vector = hash_index.embedder.encode([q.question])[0]
        hits = retriever.search(parse_query(q.question), now=day, k=10, vector=vector)[:10]
        found = [answers(h.passage.text, q.evidence) for h in hits]
        assert got == (found.index(True) + 1 if any(found) else 0)
        assert got >= 1
