"""Budgeted concept coverage: which sentences to keep.

maximize  sum_c w_c * covered_c + sum_s b_s * chosen_s
such that sum_s words_s * chosen_s <= budget, covered_c <= sum of chosen sentences holding c,
          and two near-duplicate sentences are never both chosen.
Solved exactly with SciPy's MILP solver (HiGHS) within a time limit; a greedy
ratio rule is the fallback when SciPy is missing or the solver gives up.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence

import numpy as np

log = logging.getLogger(__name__)


def select(
    concepts: Sequence[set[Hashable]],
    words: Sequence[int],
    weights: dict[Hashable, float],
    bonus: Sequence[float],
    duplicates: Sequence[tuple[int, int]],
    budget: int,
    time_limit: float = 0.5,
) -> list[int]:
    """Return the indices of the chosen sentences (unordered), within `budget` words."""
    # A sentence that covers nothing and earns no bonus can only cost words.
    useful = [
        i
        for i in range(len(words))
        if words[i] <= budget and (bonus[i] > 0 or any(c in weights for c in concepts[i]))
    ]
    if not useful:
        return []
    try:
        chosen = _ilp(useful, concepts, words, weights, bonus, duplicates, budget, time_limit)
    except ImportError:
        chosen = None
    if chosen is None:
        chosen = _greedy(useful, concepts, words, weights, bonus, duplicates, budget)
    return chosen


def _ilp(useful, concepts, words, weights, bonus, duplicates, budget, time_limit):
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix, vstack

    index = {s: k for k, s in enumerate(useful)}
    names = sorted({c for s in useful for c in concepts[s] if c in weights}, key=repr)
    column = {c: len(useful) + k for k, c in enumerate(names)}
    n_vars = len(useful) + len(names)

    cost = np.zeros(n_vars)
    cost[: len(useful)] = [-bonus[s] for s in useful]
    cost[len(useful) :] = [-weights[c] for c in names]

    rows, cols, vals = (
        [0] * len(useful),
        list(range(len(useful))),
        [float(words[s]) for s in useful],
    )
    length = coo_matrix((vals, (rows, cols)), shape=(1, n_vars))

    rows, cols, vals = [], [], []
    for k, c in enumerate(names):  # covered_c - sum chosen_s <= 0
        rows.append(k), cols.append(column[c]), vals.append(1.0)
    for s in useful:
        for c in concepts[s]:
            if c in column:
                rows.append(column[c] - len(useful)), cols.append(index[s]), vals.append(-1.0)
    cover = coo_matrix((vals, (rows, cols)), shape=(len(names), n_vars))

    pairs = [(index[a], index[b]) for a, b in duplicates if a in index and b in index]
    rows = [k for k in range(len(pairs)) for _ in range(2)]
    cols = [v for pair in pairs for v in pair]
    dup = coo_matrix(([1.0] * len(cols), (rows, cols)), shape=(len(pairs), n_vars))

    matrix = vstack([length, cover, dup]).tocsr()
    upper = np.concatenate([[budget], np.zeros(len(names)), np.ones(len(pairs))])
    lower = np.full(matrix.shape[0], -np.inf)
    integrality = np.concatenate([np.ones(len(useful)), np.zeros(len(names))])
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=integrality,
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "disp": False, "mip_rel_gap": 0.01},
    )
    if result.x is None:
        log.warning("summary ILP found no solution (%s); using greedy selection", result.message)
        return None
    return [s for s, x in zip(useful, result.x[: len(useful)], strict=True) if x > 0.5]


def _greedy(useful, concepts, words, weights, bonus, duplicates, budget):
    """Add the sentence with the best new weight per word until nothing more fits."""
    clash: dict[int, set[int]] = {}
    for a, b in duplicates:
        clash.setdefault(a, set()).add(b)
        clash.setdefault(b, set()).add(a)
    covered: set[Hashable] = set()
    chosen: list[int] = []
    left = budget
    pool = sorted(useful)
    while pool:
        gains = [
            (sum(weights.get(c, 0.0) for c in concepts[s] - covered) + bonus[s]) / words[s]
            for s in pool
        ]
        k = max(range(len(pool)), key=gains.__getitem__)
        if gains[k] <= 0:
            break
        best = pool.pop(k)
        if words[best] > left:
            continue
        chosen.append(best)
        left -= words[best]
        covered |= concepts[best]
        pool = [s for s in pool if s not in clash.get(best, ())]
    return chosen
