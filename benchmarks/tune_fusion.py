"""Grid-search the fusion weights of index.search.fusion.SearchSettings over cached indexes.

    python benchmarks/tune_fusion.py --set DIR QUESTIONS [--set DIR QUESTIONS ...]
                                     [--candidates FILE] [--protocol]

Each DIR is an index already holding a corpus (e.g. built by `newsdesk eval --cache DIR`
or `benchmarks/eval_all.py --cache`); the candidates of every answerable question (dense
top 150 and bm25 top 150, gathered by the engine's Retriever) are collected once, then
every grid point is ranked with the scores of the engine's own `fuse`, to the bit, and
the order of its `rank` (`index/evaluation/fusion_fit.py`), so the 1,440 settings take
about a minute. Ranks are before duplicate collapsing. `--protocol` fits on the early
period of the rtqa sets (`dev_sets.CUTS`) and measures on the late one, and the reverse;
another set (seed) is in no fit.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_sets import CUTS, PERIODS

from index.config import IndexConfig
from index.engine import NewsIndex
from index.evaluation.fusion_fit import (
    Gathered,
    collect,
    cross_fit,
    grid_points,
    grid_ranks,
    recall_at,
    report,
)
from index.evaluation.harness import read_questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", nargs=2, action="append", required=True, metavar=("DIR", "QUESTIONS")
    )
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--candidates", type=Path, help="pickle file: save, or reuse (then --set is not read)"
    )
    parser.add_argument(
        "--protocol", action="store_true", help="fit on one period, measure on the other"
    )
    args = parser.parse_args()
    if args.candidates and args.candidates.exists():
        questions = pickle.loads(args.candidates.read_bytes())
        if not all(isinstance(q, Gathered) for q in questions):
            sys.exit(f"{args.candidates}: saved by an older tune_fusion.py; delete it")
    else:
        questions = []
        for directory, path in args.set:
            with NewsIndex.open(directory, IndexConfig(path=directory)) as index:
                questions += collect(index, read_questions(path), Path(path).parent.name)
        if args.candidates:
            args.candidates.write_bytes(pickle.dumps(questions))
    if args.protocol:
        try:
            print(report(cross_fit(questions, CUTS), PERIODS))
        except ValueError as exc:
            sys.exit(f"--protocol: {exc}")
        return
    points = grid_points()
    ranks = grid_ranks(questions, points)
    names = list(dict.fromkeys(q.set_name for q in questions))
    masks = [np.array([q.set_name == n for q in questions]) for n in names]
    r1 = np.array([recall_at(ranks[:, m], 1) for m in masks])  # (sets, points)
    r5 = np.array([recall_at(ranks[:, m], 5) for m in masks])
    for i in np.argsort(-r1.sum(axis=0), kind="stable")[: args.top]:
        cells = "  ".join(f"{n} {r1[s, i]:.3f}/{r5[s, i]:.3f}" for s, n in enumerate(names))
        print(cells, " ", points[i])


if __name__ == "__main__":
    main()
