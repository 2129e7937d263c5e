"""The ranking formula as a pure function over feature arrays: no index, no embedder."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from index.search.fusion import Features, SearchSettings, diversify, fuse, minmax, rank, recency

# Only the two similarity scores count: the priors are switched on test by test.
PLAIN = SearchSettings(recency_weight=0.0, position_weight=0.0)


def _features(dense, lexical, *, age=None, position=None, article=None, article_lexical=None):
    n = len(dense)
    return Features(
        dense=np.array(dense, dtype=float),
        lexical=np.array(lexical, dtype=float),
        age_days=np.array(age if age is not None else [0.0] * n, dtype=float),
        position=np.array(position if position is not None else [0] * n),
        article=np.array(article if article is not None else list(range(n))),
        article_lexical=None if article_lexical is None else np.array(article_lexical, float),
    )


def test_settings_are_frozen_defaults() -> None:
    s = SearchSettings()
    assert 0 < s.dense_weight < 1 and s.future_grace_days == 1
    assert replace(s, dense_weight=0.5).dense_weight == 0.5
    with pytest.raises(AttributeError):
        s.dense_weight = 0.1  # type: ignore[misc]


def test_minmax_scales_to_zero_one_and_equal_values_to_one() -> None:
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([7.0, 7.0])).tolist() == [1.0, 1.0]
    assert len(minmax(np.array([]))) == 0


def test_recency_decays_with_age_and_ignores_unknown_dates() -> None:
    values = recency(np.array([0.0, 7.0, 14.0, math.inf, -3.0]), 14)
    today, week, fortnight, unknown, future = values.tolist()
    assert today == 1.0 and future == 1.0  # an article "from tomorrow" is as new as today's
    assert fortnight < week < today
    assert fortnight == pytest.approx(math.exp(-1))
    assert unknown == 0.0


def test_the_dense_weight_splits_the_score_between_cosine_and_bm25() -> None:
    # Candidate 0 is the closest in meaning, candidate 1 matches the words best.
    features = _features([0.9, 0.5, 0.1], [1.0, 8.0, 2.0])
    dense_only = fuse(features, replace(PLAIN, dense_weight=1.0))
    lexical_only = fuse(features, replace(PLAIN, dense_weight=0.0))
    assert dense_only.tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert lexical_only.tolist() == pytest.approx([0.0, 1.0, 1 / 7])
    mixed = fuse(features, replace(PLAIN, dense_weight=0.75))
    assert mixed.tolist() == pytest.approx((0.75 * dense_only + 0.25 * lexical_only).tolist())
    assert int(np.argmax(mixed)) == 0 and int(np.argmax(lexical_only)) == 1


def test_recency_adds_to_a_newer_passage_and_nothing_to_an_undated_one() -> None:
    settings = replace(PLAIN, recency_weight=0.8, recency_days=14.0)
    scores = fuse(_features([0.5] * 3, [1.0] * 3, age=[0.0, 14.0, math.inf]), settings)
    base = 1.0  # equal similarity everywhere: both parts normalise to 1
    assert scores.tolist() == pytest.approx([base + 0.8, base + 0.8 * math.exp(-1), base])


def test_time_words_add_their_weight_to_recency() -> None:
    settings = replace(PLAIN, recency_weight=0.5, time_word_weight=2.0)
    features = _features([0.5, 0.5], [1.0, 1.0], age=[0.0, math.inf])
    plain = fuse(features, settings)
    timed = fuse(features, settings, time_sensitive=True)
    assert plain[0] - plain[1] == pytest.approx(0.5)
    assert timed[0] - timed[1] == pytest.approx(2.5)


def test_depth_into_the_article_costs_up_to_the_position_weight() -> None:
    settings = replace(PLAIN, position_weight=0.2, position_span=20)
    scores = fuse(_features([0.5] * 4, [1.0] * 4, position=[0, 10, 20, 500]), settings)
    assert (scores[0] - scores).tolist() == pytest.approx([0.0, 0.1, 0.2, 0.2])


def test_article_weight_adds_the_articles_own_fused_score() -> None:
    # Two passages with equal scores; the second one's article matches the words better.
    features = _features(
        [0.5, 0.5, 0.1], [1.0, 1.0, 0.0], article=[1, 2, 3], article_lexical=[1.0, 9.0, 0.0]
    )
    without = fuse(features, PLAIN)
    assert without[0] == without[1]
    with_article = fuse(features, replace(PLAIN, article_weight=0.5))
    assert with_article[1] > with_article[0]
    # With no article bm25 given, the weight has nothing to add.
    no_article = replace(features, article_lexical=None)
    assert fuse(no_article, replace(PLAIN, article_weight=0.5)).tolist() == without.tolist()


def test_rank_breaks_ties_by_id() -> None:
    ids = np.array([9, 3, 5, 1])
    scores = np.array([0.5, 0.5, 0.9, 0.5])
    assert rank(ids, scores, np.array([1, 2, 3, 4]), 0) == [5, 1, 3, 9]


def test_rank_diversifies_only_when_asked() -> None:
    ids = np.array([1, 2, 3, 4])
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    articles = np.array([10, 10, 10, 20])
    assert rank(ids, scores, articles, 0) == [1, 2, 3, 4]
    assert rank(ids, scores, articles, 2) == [1, 2, 4, 3]


def test_no_article_takes_more_than_its_share_of_the_top_places() -> None:
    article_of = {1: 10, 2: 10, 3: 10, 4: 10, 5: 20, 6: 10, 7: 30}
    assert diversify([1, 2, 3, 4, 5, 6, 7], article_of, 3) == [1, 2, 3, 5, 7, 4, 6]
    assert diversify([5, 7], article_of, 1) == [5, 7]
