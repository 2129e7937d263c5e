"""Fitted on one period, measured on another: the answer path's figures on questions its
abstention model did not see.

    python benchmarks/protocol.py [--embedding-cache DIR] [--asked FILE]
                                  [--unanswerable date|seeded] [--reverse]

rtqa-gold mixed is cut by the day each question was asked: its 85 answerable questions
into June-July 2022 (54) and August 2022 (31); its 200 unanswerable ones were asked in
2020-2021, outside both periods, so they are cut at their own median day (older half with
June-July; `--unanswerable seeded` takes a seeded random half instead). rtqa-evidence is
cut by year: 2020-2021 (1,028) and 2022 (952). Every question is asked once through the
engine (`NewsIndex.answer_signals`, the bot's code path, "now" at its date); then
(a) the shipped Confidence and (b) calibrate.py's fit redone on the early halves only
(rtqa-gold early + 400 rtqa-evidence early at weight 0.1; threshold: at most 5 % of
the early answerable withheld) decide every question again, and every figure is
`index.evaluation.metrics.score_outcomes` over one half. `--reverse` also fits on the
later halves and measures on the earlier. The ranking (R@k, MRR) does not depend on the
abstention model; it is reported per period with the shipped fusion settings, and so is
`bold_has_evidence` (the answer sentence; an `--asked` file saved before it existed reads
0 there: ask again).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_sets import EVIDENCE_CUT, GOLD_CUT

from index.config import IndexConfig
from index.evaluation.calibration import (
    Asked,
    Halves,
    ask_all,
    decide,
    measure,
    median_cut,
    refit,
    seeded_halves,
    split_by_date,
)
from index.evaluation.harness import corpus_index, read_questions
from index.models.embedders import Embedder
from index.profiles import profile_for
from index.search.confidence import Confidence

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
GOLD, EVIDENCE = "rtqa-gold mixed", "rtqa-evidence"
SETS = {
    GOLD: (EVAL / "rtqa-gold/corpus.jsonl", EVAL / "rtqa-gold/questions_mixed.jsonl"),
    EVIDENCE: (EVAL / "rtqa-evidence/corpus.jsonl", EVAL / "rtqa-evidence/questions.jsonl"),
}

COLUMNS = [
    ("recall@1", "R@1"),
    ("recall@5", "R@5"),
    ("mrr@10", "MRR@10"),
    ("answered_correctly", "answered right"),
    ("withheld_answerable", "withheld answerable"),
    ("abstained_unanswerable", "abstained unanswerable"),
    ("bold_has_evidence", "bold has evidence"),
]


def ask_sets(embedder: Embedder | None = None) -> dict[str, list[Asked]]:
    """Every question of both sets asked once through the engine over its own corpus."""
    out = {}
    for name, (corpus, questions) in SETS.items():
        start = time.perf_counter()
        with corpus_index(corpus, IndexConfig(), embedder) as index:
            out[name] = ask_all(index, read_questions(questions))
        print(f"{name}: {len(out[name])} asked, {time.perf_counter() - start:.0f} s", flush=True)
        if embedder is not None and hasattr(embedder, "save"):
            embedder.save()
    return out


def save(asked: dict[str, list[Asked]], path: Path) -> None:
    rows = {
        name: [
            {**dataclasses.asdict(a), "date": a.date.isoformat() if a.date else None} for a in items
        ]
        for name, items in asked.items()
    }
    path.write_text(json.dumps(rows))


def load(path: Path) -> dict[str, list[Asked]]:
    rows = json.loads(path.read_text())
    return {
        name: [
            Asked(
                **{
                    **r,
                    "date": date.fromisoformat(r["date"]) if r["date"] else None,
                    "signals": tuple(r["signals"]) if r["signals"] is not None else None,
                }
            )
            for r in items
        ]
        for name, items in rows.items()
    }


def split_sets(asked: dict[str, list[Asked]], unanswerable: str = "date") -> list[Halves]:
    """The two sets cut by time (see the module docstring)."""
    gold = asked[GOLD]
    early, late = split_by_date([a for a in gold if a.answerable], GOLD_CUT, lambda a: a.date)
    rest = [a for a in gold if not a.answerable]
    if unanswerable == "date":
        cut = median_cut([a.date for a in rest if a.date is not None])
        old, new = split_by_date(rest, cut, lambda a: a.date)
        how = f"unanswerable asked before {cut}", f"unanswerable asked from {cut}"
    else:
        old, new = seeded_halves(rest, seed=0)
        how = "unanswerable: seeded half A", "unanswerable: seeded half B"
    halves = [
        Halves(
            GOLD,
            f"Jun-Jul 2022 + {len(old)} {how[0]}",
            f"Aug 2022 + {len(new)} {how[1]}",
            tuple(early + old),
            tuple(late + new),
        )
    ]
    before, after = split_by_date(asked[EVIDENCE], EVIDENCE_CUT, lambda a: a.date)
    halves.append(Halves(EVIDENCE, "2020-2021", "2022", tuple(before), tuple(after)))
    return halves


def describe(c: Confidence) -> str:
    weights = ", ".join(f"{f.name}={getattr(c, f.name):.2f}" for f in dataclasses.fields(c))
    return f"Confidence({weights})"


def table(models: list[tuple[str, Confidence, str]], halves: list[Halves]) -> str:
    """One row per model, set and half; `models` are (label, Confidence, which half it was
    fitted on: "fit", "measure" or "both")."""
    head = "| abstention model | set | part | role | answerable / unanswerable | " + " | ".join(
        label for _, label in COLUMNS
    )
    lines = [head + " |", "|---|---|---|---|---|" + "---:|" * len(COLUMNS)]
    for label, confidence, fitted in models:
        for h in halves:
            for part, items, which in (
                (h.fit_label, h.fit, "fit"),
                (h.measure_label, h.measure, "measure"),
            ):
                if fitted == "both":
                    role = "seen in its fit"
                else:
                    role = "**fitted on**" if which == fitted else "**measured on** (unseen)"
                m = measure(confidence, items)
                cells = [
                    "–"
                    if key == "abstained_unanswerable" and not m["unanswerable"]
                    else f"{m[key]:.3f}"
                    for key, _ in COLUMNS
                ]
                lines.append(
                    f"| {label} | {h.name} | {part} | {role} | "
                    f"{m['answerable']} / {m['unanswerable']} | " + " | ".join(cells) + " |"
                )
    return "\n".join(lines)


def report(asked: dict[str, list[Asked]], unanswerable: str = "date", reverse: bool = False) -> str:
    """The fitted-on / measured-on table of the shipped model and of the refits."""
    shipped = profile_for(IndexConfig().model).confidence
    # The engine's own decisions must be the ones recomputed here, or the table lies.
    mismatched = sum(decide(shipped, a) != a.abstained for items in asked.values() for a in items)
    halves = split_sets(asked, unanswerable)
    gold, evidence = halves
    early = refit(gold, evidence)
    models = [
        ("(a) shipped", shipped, "both"),
        ("(b) refit on early", early, "fit"),
    ]
    if reverse:
        late = refit(gold.swapped(), evidence.swapped())
        models.append(("(c) refit on late", late, "measure"))
    lines = [
        f"shipped: {describe(shipped)}",
        f"refit on early halves: {describe(early)}",
        *([f"refit on late halves: {describe(models[2][1])}"] if reverse else []),
        f"engine decisions not reproduced by the shipped model: {mismatched}",
        "",
        table(models, halves),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedding-cache", type=Path, help="remember vectors in this folder")
    parser.add_argument("--asked", type=Path, help="JSON file: reuse the asked questions, or save")
    parser.add_argument("--unanswerable", choices=("date", "seeded"), default="date")
    parser.add_argument("--reverse", action="store_true", help="also fit late, measure early")
    args = parser.parse_args()
    if args.asked and args.asked.exists():
        asked = load(args.asked)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from embedding_cache import model_embedder

        embedder = model_embedder(args.embedding_cache)
        asked = ask_sets(embedder)
        if args.asked:
            save(asked, args.asked)
    print(report(asked, args.unanswerable, args.reverse))


if __name__ == "__main__":
    main()
