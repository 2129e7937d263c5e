"""Fitting the abstention model (index.search.confidence.Confidence) and judging it on
questions it was not fitted on.

`benchmarks/calibrate.py` fits the shipped model with these functions; `benchmarks/
protocol.py` fits them on one period of the dev sets and measures on another. Every
figure is computed by `index.evaluation.metrics.score_outcomes`, as `newsdesk eval` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import TypeVar

import numpy as np

from index.engine import NewsIndex
from index.evaluation.harness import Question, first_answering_rank
from index.evaluation.matching import answers, bold_has_evidence
from index.evaluation.metrics import Outcome, score_outcomes
from index.search.confidence import Confidence, Signals

T = TypeVar("T")


@dataclass(frozen=True)
class Asked:
    """One question asked through the engine once: what any abstention model needs to
    decide it again, without asking again.

    `signals` is None when nothing was found (the engine then always abstains);
    `abstained` is what the engine itself decided with its own Confidence.
    """

    id: str
    date: date | None
    answerable: bool
    rank: int | None  # 1-based rank of the first answering passage in the top 10
    shown_correct: bool  # the rank-1 passage answers
    passage_chars: int | None
    signals: tuple[float, ...] | None
    abstained: bool
    bold_has_evidence: bool = False  # the bold sentence of the rank-1 passage holds the evidence


def ask_all(index: NewsIndex, questions: Sequence[Question]) -> list[Asked]:
    """Ask every question through `NewsIndex.answer_signals` (the bot's code path, "now"
    at the question's date) and keep what the harness and the fit need."""
    out = []
    for q in questions:
        answer, signals = index.answer_signals(q.question, now=q.date)
        top = answer.hits[0].passage.text if answer.hits else None
        out.append(
            Asked(
                id=q.id,
                date=q.date,
                answerable=bool(q.evidence),
                rank=first_answering_rank(answer.hits, q.evidence) if q.evidence else None,
                shown_correct=top is not None and answers(top, q.evidence),
                passage_chars=len(top) if top is not None else None,
                signals=tuple(signals.vector()) if signals is not None else None,
                abstained=answer.abstained or not answer.hits,
                bold_has_evidence=top is not None
                and bold_has_evidence(top, answer.highlight, q.evidence),
            )
        )
    return out


# --- splitting -------------------------------------------------------------------------


def split_by_date(
    items: Sequence[T], cut: date, when: Callable[[T], date | None]
) -> tuple[list[T], list[T]]:
    """(items dated before `cut`, items dated on or after it); an undated item is an error,
    since it could belong to either period."""
    early: list[T] = []
    late: list[T] = []
    for item in items:
        day = when(item)
        if day is None:
            raise ValueError("an undated question cannot be put in a period")
        (early if day < cut else late).append(item)
    return early, late


def median_cut(days: Sequence[date]) -> date:
    """The day that splits `days` into halves as evenly as whole days allow (the earlier
    of two equally good): the earlier half is every day before it. A day is never cut."""
    later = sorted(set(days))[1:]
    if not later:
        raise ValueError("at least two distinct dates are needed to split")
    return min(later, key=lambda c: (abs(2 * sum(d < c for d in days) - len(days)), c))


def seeded_halves(items: Sequence[T], seed: int = 0) -> tuple[list[T], list[T]]:
    """Two halves of `items` drawn at random with a fixed seed (the first holds the extra
    item of an odd count)."""
    order = np.random.default_rng(seed).permutation(len(items))
    half = (len(items) + 1) // 2
    return [items[i] for i in sorted(order[:half])], [items[i] for i in sorted(order[half:])]


# --- fitting ---------------------------------------------------------------------------


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None = None,
    l2: float = 1e-2,
    steps: int = 50,
) -> np.ndarray:
    """[bias, weights...] of a (row-weighted) logistic regression, by Newton's method."""
    a = np.hstack([np.ones((len(x), 1)), x])
    weight = np.ones(len(y)) if weight is None else weight
    w = np.zeros(a.shape[1])
    penalty = l2 * np.eye(a.shape[1])
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a @ w)))
        gradient = a.T @ (weight * (p - y)) + penalty @ w
        hessian = (a * (weight * p * (1 - p))[:, None]).T @ a + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w


def probabilities(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(shown passage answers) of each row of `x` under the fitted [bias, weights...]."""
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def tradeoff(p: np.ndarray, y: np.ndarray, answerable: np.ndarray, threshold: float) -> dict:
    """What the bot does at one threshold: README metrics for abstention."""
    shown = p >= threshold
    return {
        "threshold": threshold,
        "shown": shown.mean(),
        "precision_shown": y[shown].mean() if shown.any() else 1.0,
        "answered_correctly": (shown & (y == 1))[answerable].mean(),
        "withheld_answerable": (~shown)[answerable].mean(),
        "abstained_unanswerable": (~shown)[~answerable].mean(),
    }


def choose_threshold(p: np.ndarray, answerable: np.ndarray, max_withheld: float) -> float:
    """The highest threshold that withholds at most `max_withheld` of the answerable."""
    best = 0.0
    for t in np.round(np.arange(0.01, 1.0, 0.01), 2):
        if (p[answerable] < t).mean() <= max_withheld:
            best = float(t)
    return best


def fit_confidence(
    x: np.ndarray,
    y: np.ndarray,
    answerable: np.ndarray,
    extra_x: np.ndarray | None = None,
    extra_y: np.ndarray | None = None,
    *,
    extra_weight: float = 0.1,
    max_withheld: float = 0.05,
) -> Confidence:
    """The abstention model as benchmarks/calibrate.py fits the shipped one: a logistic
    regression over the main rows (`y`: the shown passage answers) plus the extra rows at
    `extra_weight`, and the highest threshold that withholds at most `max_withheld` of the
    main set's answerable questions."""
    if extra_x is None or extra_y is None or not len(extra_y):
        extra_x, extra_y = np.zeros((0, x.shape[1])), np.zeros(0)
    w = fit_logistic(
        np.vstack([x, extra_x]),
        np.concatenate([y, extra_y]),
        np.concatenate([np.ones(len(y)), np.full(len(extra_y), extra_weight)]),
    )
    threshold = choose_threshold(probabilities(w, x), answerable, max_withheld)
    names = ["bias", *(f.name for f in fields(Signals))]
    return Confidence(**dict(zip(names, map(float, w), strict=True)), threshold=threshold)


def training_rows(asked: Sequence[Asked]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(signals, shown passage answers, answerable) of the questions that found something,
    as calibrate.py fits on (an unanswerable question is never a right answer)."""
    found = [a for a in asked if a.signals is not None]
    width = len(fields(Signals))
    x = np.asarray([a.signals for a in found], dtype=float).reshape(len(found), width)
    y = np.asarray([a.answerable and a.shown_correct for a in found], dtype=float)
    return x, y, np.asarray([a.answerable for a in found], dtype=bool)


# --- measuring -------------------------------------------------------------------------


def decide(confidence: Confidence, asked: Asked) -> bool:
    """Whether the bot abstains on `asked` under `confidence` (always, when nothing was found)."""
    if asked.signals is None:
        return True
    return confidence.probability(Signals(*asked.signals)) < confidence.threshold


def outcomes(confidence: Confidence, asked: Sequence[Asked]) -> list[Outcome]:
    """The harness's per-question outcomes had the engine run with `confidence`."""
    return [
        Outcome(
            answerable=a.answerable,
            rank=a.rank,
            abstained=decide(confidence, a),
            shown_correct=a.shown_correct,
            passage_chars=a.passage_chars,
            latency_ms=0.0,
            bold_has_evidence=a.bold_has_evidence,
        )
        for a in asked
    ]


def measure(confidence: Confidence, asked: Sequence[Asked]) -> dict[str, float | int]:
    """The metrics of ../shared/eval/README.md (metrics.score_outcomes) under `confidence`."""
    return score_outcomes(outcomes(confidence, asked))


# --- the protocol ----------------------------------------------------------------------


@dataclass(frozen=True)
class Halves:
    """One dev set cut in two: a model may be fitted on `fit` and is judged on `measure`."""

    name: str
    fit_label: str
    measure_label: str
    fit: tuple[Asked, ...]
    measure: tuple[Asked, ...]

    def __post_init__(self) -> None:
        shared = {a.id for a in self.fit} & {a.id for a in self.measure}
        if shared:
            raise ValueError(f"{self.name}: questions in both halves: {sorted(shared)[:5]}")

    def swapped(self) -> Halves:
        """The same halves with the roles reversed (fit on the later period)."""
        return Halves(self.name, self.measure_label, self.fit_label, self.measure, self.fit)


def refit(
    main: Halves,
    extra: Halves | None = None,
    *,
    extra_limit: int = 400,
    extra_weight: float = 0.1,
    max_withheld: float = 0.05,
    seed: int = 0,
) -> Confidence:
    """calibrate.py's fit on the `fit` halves only: `main.fit`, plus up to `extra_limit`
    questions of `extra.fit` (drawn with `seed`) at `extra_weight`. Nothing of either
    `measure` half is read."""
    x, y, answerable = training_rows(main.fit)
    ex = ey = None
    if extra is not None:
        pool = list(extra.fit)
        if extra_limit and extra_limit < len(pool):
            keep = np.random.default_rng(seed).choice(len(pool), extra_limit, replace=False)
            pool = [pool[i] for i in sorted(keep)]
        ex, ey, _ = training_rows(pool)
    return fit_confidence(
        x, y, answerable, ex, ey, extra_weight=extra_weight, max_withheld=max_withheld
    )
