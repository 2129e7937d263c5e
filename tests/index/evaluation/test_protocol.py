"""Fitted on one period, measured on another: the split, fit and measure helpers of
index/evaluation/calibration.py on small synthetic inputs."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from index.evaluation.calibration import (
    Asked,
    Halves,
    ask_all,
    decide,
    fit_confidence,
    measure,
    median_cut,
    outcomes,
    refit,
    seeded_halves,
    split_by_date,
    training_rows,
)
from index.evaluation.harness import Question, evaluate_answers
from index.evaluation.metrics import Outcome, score_outcomes
from index.search.confidence import Confidence

LATENCY = ("latency_ms_p50", "latency_ms_p95")


def _asked(
    i: int,
    day: date,
    answerable: bool,
    signals: tuple[float, ...] | None,
    right: bool = True,
    rank: int | None = 1,
) -> Asked:
    return Asked(
        id=f"q{i}",
        date=day,
        answerable=answerable,
        rank=rank if answerable else None,
        shown_correct=answerable and right,
        passage_chars=100 + i,
        signals=signals,
        abstained=False,
    )


def _synthetic(n: int, start: date, seed: int, offset: int = 0) -> list[Asked]:
    """Answerable questions whose right answers have high cosine and coverage, and
    unanswerable ones with low: separable, with noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        answerable = i % 3 != 0
        right = answerable and rng.random() < 0.85
        base = 0.7 if right else 0.35
        signals = (
            base + rng.normal(0, 0.08),
            base + rng.normal(0, 0.15),
            rng.random(),
            float(rng.random() < (0.9 if right else 0.4)),  # names: found, mostly in right ones
        )
        rank = 1 if right else (None if rng.random() < 0.5 else 3)
        day = start + timedelta(days=i % 40)
        out.append(_asked(offset + i, day, answerable, signals, right, rank))
    return out


def test_split_by_date_puts_every_question_in_exactly_one_half() -> None:
    items = _synthetic(60, date(2022, 6, 10), seed=1)
    early, late = split_by_date(items, date(2022, 7, 1), lambda a: a.date)
    assert not {a.id for a in early} & {a.id for a in late}
    assert len(early) + len(late) == len(items)
    assert all(a.date < date(2022, 7, 1) for a in early)
    assert all(a.date >= date(2022, 7, 1) for a in late)
    assert early and late


def test_split_by_date_refuses_an_undated_question() -> None:
    item = _asked(0, date(2022, 1, 1), True, (0.5, 0.5, 0.5, 1.0))
    undated = Asked(**{**item.__dict__, "id": "u", "date": None})
    with pytest.raises(ValueError):
        split_by_date([item, undated], date(2022, 6, 1), lambda a: a.date)


def test_median_cut_never_splits_a_day_and_balances_the_halves() -> None:
    days = [date(2020, 1, 1)] * 3 + [date(2020, 6, 1)] * 4 + [date(2021, 1, 1)] * 3
    cut = median_cut(days)
    before = sum(d < cut for d in days)
    assert cut in days  # the boundary is a day that was asked on
    assert before in (3, 7)  # one side of the 4-question day, never through it
    assert median_cut([date(2020, 1, 1), date(2020, 1, 2)]) == date(2020, 1, 2)
    with pytest.raises(ValueError):
        median_cut([date(2020, 1, 1)] * 5)


def test_seeded_halves_are_disjoint_repeatable_and_cover_everything() -> None:
    items = list(range(11))
    a, b = seeded_halves(items, seed=3)
    assert (a, b) == seeded_halves(items, seed=3)
    assert sorted(a + b) == items and not set(a) & set(b)
    assert len(a) == 6 and len(b) == 5
    assert seeded_halves(items, seed=4) != (a, b)


def test_halves_refuse_a_question_in_both() -> None:
    q = _asked(1, date(2022, 6, 1), True, (0.5, 0.5, 0.5, 1.0))
    with pytest.raises(ValueError, match="both halves"):
        Halves("set", "early", "late", (q,), (q,))


def test_refit_reads_only_the_fit_halves() -> None:
    early = _synthetic(90, date(2022, 6, 1), seed=2)
    late = _synthetic(60, date(2022, 8, 1), seed=3, offset=1000)
    extra_early = _synthetic(40, date(2021, 1, 1), seed=4, offset=2000)
    extra_late = _synthetic(40, date(2022, 1, 1), seed=5, offset=3000)
    gold = Halves("gold", "early", "late", tuple(early), tuple(late))
    extra = Halves("extra", "early", "late", tuple(extra_early), tuple(extra_late))
    fitted = refit(gold, extra, extra_limit=20)

    # Poison everything the fit must not read: had it read any of it, the weights would
    # be NaN or different.
    poison = (math.nan,) * 4
    poisoned_late = tuple(Asked(**{**a.__dict__, "signals": poison}) for a in late)
    poisoned_extra = tuple(Asked(**{**a.__dict__, "signals": poison}) for a in extra_late)
    again = refit(
        Halves("gold", "early", "late", tuple(early), poisoned_late),
        Halves("extra", "early", "late", tuple(extra_early), poisoned_extra),
        extra_limit=20,
    )
    assert again == fitted
    assert all(math.isfinite(v) for v in (fitted.bias, fitted.dense, fitted.coverage))

    # The other direction fits on the late half and so differs.
    assert refit(gold.swapped(), extra.swapped(), extra_limit=20) != fitted


def test_the_refit_threshold_keeps_its_withheld_budget_on_the_fit_half() -> None:
    early = _synthetic(120, date(2022, 6, 1), seed=6)
    x, y, answerable = training_rows(early)
    fitted = fit_confidence(x, y, answerable, max_withheld=0.05)
    assert 0.0 < fitted.threshold < 1.0
    m = measure(fitted, early)
    assert m["withheld_answerable"] <= 0.05
    # One step higher would break the budget (the highest allowed threshold is chosen).
    higher = Confidence(**{**fitted.__dict__, "threshold": fitted.threshold + 0.01})
    assert measure(higher, early)["withheld_answerable"] > 0.05 or fitted.threshold >= 0.99


def test_measure_is_metrics_score_outcomes_of_the_decisions() -> None:
    items = _synthetic(30, date(2022, 6, 1), seed=7)
    items.append(_asked(99, date(2022, 6, 2), False, None))  # nothing found: abstains
    confidence = Confidence(bias=-5.0, dense=6.0, coverage=3.0, article_coverage=0.0, names=0.0)
    by_hand = []
    for a in items:
        if a.signals is None:
            abstained = True
        else:
            z = -5.0 + 6.0 * a.signals[0] + 3.0 * a.signals[1]
            abstained = 1 / (1 + math.exp(-z)) < confidence.threshold
        by_hand.append(Outcome(a.answerable, a.rank, abstained, a.shown_correct, 100, 0.0))
    assert [o.abstained for o in outcomes(confidence, items)] == [o.abstained for o in by_hand]
    figures, expected = measure(confidence, items), score_outcomes(by_hand)
    for key in ("recall@1", "recall@5", "mrr@10", "answered_correctly", "withheld_answerable"):
        assert figures[key] == pytest.approx(expected[key])
    assert figures["abstained_unanswerable"] == pytest.approx(expected["abstained_unanswerable"])
    assert 0 < figures["abstained_unanswerable"] < 1  # the decisions are not all one way


def test_ask_all_reproduces_the_harness_on_a_real_index(hash_index, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    texts = [
        "The city council approved a new budget of 40 million dollars for road repairs.",
        "Heavy rain flooded the river valley and closed three bridges on Tuesday.",
        "The museum opened an exhibition of early photographs from the harbour.",
    ]
    corpus.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": str(i),
                    "title": "",
                    "source": "example.com",
                    "url": f"https://example.com/{i}",
                    "published": "2022-06-01",
                    "text": text,
                }
            )
            for i, text in enumerate(texts)
        )
    )
    hash_index.ingest_paths([corpus])
    questions = [
        Question("a", "How much was the council budget for roads?", (texts[0][:60],), None),
        Question("b", "Which bridges closed after the flood?", (texts[1][:50],), None),
        Question("c", "Who won the chess final in Oslo?", (), None),
    ]
    questions = [Question(q.id, q.question, q.evidence, date(2022, 6, 3)) for q in questions]
    asked = ask_all(hash_index, questions)
    assert [a.id for a in asked] == ["a", "b", "c"]
    assert all(decide(hash_index.confidence, a) == a.abstained for a in asked)
    ours = measure(hash_index.confidence, asked)
    harness = evaluate_answers(hash_index, questions, modes=("full",))["full"]
    assert {k: v for k, v in ours.items() if k not in LATENCY} == {
        k: v for k, v in harness.items() if k not in LATENCY
    }
