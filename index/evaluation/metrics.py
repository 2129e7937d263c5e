"""The evaluation metrics of ../shared/eval/README.md, computed from per-question outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

METRIC_KEYS = (
    "recall@1",
    "recall@5",
    "mrr@10",
    "answerable",
    "unanswerable",
    "answered_correctly",
    "withheld_answerable",
    "abstained_unanswerable",
    "precision_shown",
    "bold_has_evidence",
    "passage_chars_mean",
    "passage_chars_max",
    "latency_ms_p50",
    "latency_ms_p95",
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one question.

    `rank` is the 1-based position of the first answering passage in the top 10
    (None when none answers); `answerable` is whether the question has evidence.
    """

    answerable: bool
    rank: int | None
    abstained: bool
    shown_correct: bool  # the rank-1 passage answers (meaningful only when not abstained)
    passage_chars: int | None  # length of the rank-1 passage as shown; None when none found
    latency_ms: float
    bold_has_evidence: bool = False  # the bold sentence of the rank-1 passage holds the evidence


def _share(hits: float, total: int) -> float:
    return hits / total if total else 0.0


def score_outcomes(outcomes: Sequence[Outcome]) -> dict[str, float | int]:
    """Every metric of METRIC_KEYS; shares are fractions in 0..1."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    shown = [o for o in outcomes if not o.abstained]
    answered = [o for o in answerable if o.shown_correct]
    ranks = [o.rank for o in answerable]
    chars = [o.passage_chars for o in outcomes if o.passage_chars is not None]
    latency = np.asarray([o.latency_ms for o in outcomes], dtype=float)
    return {
        "recall@1": _share(sum(r == 1 for r in ranks), len(ranks)),
        "recall@5": _share(sum(r is not None and r <= 5 for r in ranks), len(ranks)),
        "mrr@10": _share(sum(1.0 / r for r in ranks if r is not None and r <= 10), len(ranks)),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answered_correctly": _share(
            sum(not o.abstained and o.shown_correct for o in answerable), len(answerable)
        ),
        "withheld_answerable": _share(sum(o.abstained for o in answerable), len(answerable)),
        "abstained_unanswerable": _share(sum(o.abstained for o in unanswerable), len(unanswerable)),
        "precision_shown": _share(sum(o.answerable and o.shown_correct for o in shown), len(shown)),
        # Over the answerable questions whose rank-1 passage answers, shown or withheld:
        # the sentence choice, apart from ranking and abstention.
        "bold_has_evidence": _share(sum(o.bold_has_evidence for o in answered), len(answered)),
        "passage_chars_mean": float(np.mean(chars)) if chars else 0.0,
        "passage_chars_max": max(chars, default=0),
        "latency_ms_p50": float(np.percentile(latency, 50)) if len(latency) else 0.0,
        "latency_ms_p95": float(np.percentile(latency, 95)) if len(latency) else 0.0,
    }
