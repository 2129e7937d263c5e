"""Fit the abstention model (index.search.confidence.Confidence) on a dev set; print its
trade-off.

    python benchmarks/calibrate.py [--questions ../shared/eval/rtqa-gold/questions_mixed.jsonl]
                                   [--corpus ../shared/eval/rtqa-gold/corpus.jsonl] [--cache DIR]

Every question is asked through the engine (the bot's code path); the label is
whether the passage it would show answers the question (always 0 for an
unanswerable one). A logistic regression over the answer signals is fitted with
Newton's method (numpy only, light L2); the threshold is the highest that keeps
`withheld_answerable` at or under --max-withheld. Folds give held-out figures, so the
numbers baked into Confidence are not judged only on the data they came from; the
fitting lives in index/evaluation/calibration.py, shared with benchmarks/protocol.py
(fitted on one period, measured on another).
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.evaluation.calibration import (
    choose_threshold,
    fit_confidence,
    fit_logistic,
    probabilities,
    tradeoff,
    training_rows,
)
from index.evaluation.harness import corpus_index, read_questions
from index.evaluation.matching import answers
from index.search.answer import Confidence, Signals

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
FEATURES = [f.name for f in fields(Signals)]


def collect(
    corpus: Path, questions: Path, cache: str | None, limit: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: signals (n, d), shown-passage-answers label, answerable flag."""
    rows, labels, answerable = [], [], []
    asked = read_questions(questions)
    if limit and limit < len(asked):
        keep = np.random.default_rng(0).choice(len(asked), limit, replace=False)
        asked = [asked[i] for i in sorted(keep)]
    with corpus_index(corpus, IndexConfig(), directory=cache) as index:
        for q in asked:
            answer, signals = index.answer_signals(q.question, now=q.date)
            if signals is None:
                continue
            rows.append(signals.vector())
            labels.append(bool(q.evidence) and answers(answer.hit.passage.text, q.evidence))
            answerable.append(bool(q.evidence))
    return np.asarray(rows), np.asarray(labels, float), np.asarray(answerable, bool)


def from_asked(path: Path, limit: int) -> tuple[np.ndarray, ...]:
    """`collect`'s rows for the default sets, from a file saved by protocol.py --asked
    (the same questions, the same sample of rtqa-evidence)."""
    from protocol import EVIDENCE, GOLD, load

    asked = load(path)
    x, y, answerable = training_rows(asked[GOLD])
    extra = asked[EVIDENCE]
    keep = np.random.default_rng(0).choice(len(extra), limit, replace=False)
    ex, ey, _ = training_rows([extra[i] for i in sorted(keep)])
    return x, y, answerable, ex, ey


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=EVAL / "rtqa-gold" / "corpus.jsonl")
    parser.add_argument(
        "--questions", type=Path, default=EVAL / "rtqa-gold" / "questions_mixed.jsonl"
    )
    parser.add_argument("--cache", help="index directory to build once and reuse")
    parser.add_argument(
        "--extra",
        nargs=2,
        metavar=("CORPUS", "QUESTIONS"),
        default=(EVAL / "rtqa-evidence/corpus.jsonl", EVAL / "rtqa-evidence/questions.jsonl"),
        type=Path,
        help="a second set fitted on too (short passages, all answerable)",
    )
    parser.add_argument("--extra-cache", help="index directory for the extra corpus")
    parser.add_argument("--extra-limit", type=int, default=400, help="questions sampled from it")
    parser.add_argument("--signals", type=Path, help="npz file: reuse collected signals, or save")
    parser.add_argument(
        "--asked",
        type=Path,
        help="questions asked by benchmarks/protocol.py --asked (default sets)",
    )
    parser.add_argument("--max-withheld", type=float, default=0.05)
    parser.add_argument("--extra-weight", type=float, default=0.1, help="weight of extra rows")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    if args.asked:
        x, y, answerable, ex, ey = from_asked(args.asked, args.extra_limit)
    elif args.signals and args.signals.exists():
        saved = np.load(args.signals)
        x, y, answerable, ex, ey = (saved[k] for k in ("x", "y", "answerable", "ex", "ey"))
    else:
        x, y, answerable = collect(args.corpus, args.questions, args.cache)
        ex, ey, _ = collect(*args.extra, args.extra_cache, args.extra_limit)
        if args.signals:
            np.savez(args.signals, x=x, y=y, answerable=answerable, ex=ex, ey=ey)
    print(f"{len(y)} questions, {answerable.sum()} answerable, {int(y.sum())} shown right")
    print(f"extra set: {len(ey)} questions, {int(ey.sum())} shown right")
    for name, column in zip(FEATURES, x.T, strict=True):
        print(
            f"  {name:<18} answerable mean {column[answerable].mean():.3f}"
            f"  unanswerable mean {column[~answerable].mean():.3f}"
        )

    # Held-out check: fit on k-1 folds, threshold on them, judge the left-out fold.
    rng = np.random.default_rng(0)
    fold = rng.permutation(len(y)) % args.folds
    held = np.zeros(len(y), dtype=bool)
    for k in range(args.folds):
        train = fold != k
        w = fit_logistic(
            np.vstack([x[train], ex]),
            np.concatenate([y[train], ey]),
            np.concatenate([np.ones(train.sum()), np.full(len(ey), args.extra_weight)]),
        )
        t = choose_threshold(probabilities(w, x[train]), answerable[train], args.max_withheld)
        held[~train] = probabilities(w, x[~train]) >= t
    print(
        f"held-out ({args.folds} folds): withheld_answerable {(~held)[answerable].mean():.3f}"
        f", abstained_unanswerable {(~held)[~answerable].mean():.3f}"
        f", precision_shown {y[held].mean():.3f}"
    )

    fitted = fit_confidence(
        x, y, answerable, ex, ey, extra_weight=args.extra_weight, max_withheld=args.max_withheld
    )
    w = np.array([fitted.bias, *(getattr(fitted, name) for name in FEATURES)])
    threshold = fitted.threshold
    extra_shown = probabilities(w, ex) >= threshold
    print(
        f"extra set at that threshold: withheld {(~extra_shown).mean():.3f}, "
        f"answered correctly {(extra_shown & (ey == 1)).mean():.3f}"
    )
    defaults = dict(zip(["bias", *FEATURES], (round(float(v), 2) for v in w), strict=True))
    print(
        "Confidence("
        + ", ".join(f"{k}={v}" for k, v in defaults.items())
        + f", threshold={threshold})"
    )
    current = Confidence()
    p_now = np.array([current.probability(Signals(*row)) for row in x])
    print(f"\ntrade-off of the current defaults (threshold {current.threshold}):")
    print(
        "| threshold | shown | precision_shown | answered_correctly | withheld_answerable"
        " | abstained_unanswerable |"
    )
    print("|---|---|---|---|---|---|")
    for t in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, current.threshold):
        r = tradeoff(p_now, y, answerable, t)
        print(
            f"| {t:.2f} | {r['shown']:.3f} | {r['precision_shown']:.3f} | "
            f"{r['answered_correctly']:.3f} | {r['withheld_answerable']:.3f} | "
            f"{r['abstained_unanswerable']:.3f} |"
        )


if __name__ == "__main__":
    main()
