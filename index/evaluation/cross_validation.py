"""Settings cross-validated by clusters: fit on a random half, measure on the other, many times.

A `ScoreTable` holds ROUGE-1/ROUGE-2 recall (percent) of every cluster for every
candidate configuration of the summarizer and for every published system, scored
once. A split is then only a choice of columns: `cross_validate` picks, on each
split's fit half, the configuration with the best mean ROUGE-2 and reports it on
the measure half, beside the shipped defaults (never refitted) and the published
systems on the same clusters; `summary` reduces the splits to means, percentiles
and the share of splits where ours leads. Pure numpy: building the table (which
needs the summarizer and ``rouge-score``) is the caller's job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

R1, R2 = 0, 1  # the last axis of every score array
# Configurations whose summaries are identical score identically: a tie is equality up
# to float noise, not a small difference.
TIE = 1e-9
LEAD_R2 = 0.5  # the target: ROUGE-2 at least this far above the best published (points)


@dataclass(frozen=True)
class ScoreTable:
    """Per-cluster ROUGE recall in percent: ``ours[config, cluster] = (R-1, R-2)``, and
    ``published[system, cluster]`` the same for each published system."""

    cluster_ids: tuple[str, ...]
    configs: tuple[dict[str, Any], ...]  # the settings each row of `ours` was run with
    ours: np.ndarray  # (configs, clusters, 2)
    systems: tuple[str, ...]
    published: np.ndarray  # (systems, clusters, 2)

    def __post_init__(self) -> None:
        clusters = len(self.cluster_ids)
        if self.ours.shape != (len(self.configs), clusters, 2):
            raise ValueError(f"ours has shape {self.ours.shape}, expected (configs, clusters, 2)")
        if self.published.shape != (len(self.systems), clusters, 2):
            raise ValueError(f"published has shape {self.published.shape}")

    def config_index(self, settings: dict[str, Any]) -> int:
        """Row of `ours` run with exactly `settings`."""
        for i, config in enumerate(self.configs):
            if config == settings:
                return i
        raise KeyError(f"no configuration {settings}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict that `from_json` reads back."""
        return {
            "cluster_ids": list(self.cluster_ids),
            "configs": list(self.configs),
            "ours": self.ours.tolist(),
            "systems": list(self.systems),
            "published": self.published.tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScoreTable:
        """The table `to_json` wrote."""
        return cls(
            tuple(data["cluster_ids"]),
            tuple(data["configs"]),
            np.asarray(data["ours"], dtype=float).reshape(len(data["configs"]), -1, 2),
            tuple(data["systems"]),
            np.asarray(data["published"], dtype=float).reshape(len(data["systems"]), -1, 2),
        )


@dataclass(frozen=True)
class Split:
    """Cluster columns to fit on and, disjoint from them, to measure on (both sorted)."""

    fit: np.ndarray
    measure: np.ndarray


def random_splits(clusters: int, fit_size: int, count: int, seed: int) -> list[Split]:
    """`count` random splits of ``range(clusters)`` into `fit_size` to fit on and the rest
    to measure on; the same `seed` gives the same splits."""
    if not 0 < fit_size < clusters:
        raise ValueError(f"fit_size must be between 1 and {clusters - 1}")
    rng = np.random.default_rng(seed)
    splits = []
    for _ in range(count):
        order = rng.permutation(clusters)
        splits.append(Split(np.sort(order[:fit_size]), np.sort(order[fit_size:])))
    return splits


def best_row(scores: np.ndarray, columns: np.ndarray, prefer: int | None = None) -> int:
    """Row of `scores` (rows, clusters, 2) with the best mean ROUGE-2 over `columns`.

    Ties go to the better ROUGE-1, then to `prefer` (the shipped defaults: a refit
    that only finds an equal configuration changes nothing), then to the lowest row.
    """
    means = scores[:, columns, :].mean(axis=1)
    top = np.flatnonzero(means[:, R2] >= means[:, R2].max() - TIE)
    top = top[means[top, R1] >= means[top, R1].max() - TIE]
    if prefer is not None and prefer in top:
        return prefer
    return int(top[0])


@dataclass(frozen=True)
class SplitResult:
    """One split: what was chosen on its fit half and how it all scored on its measure half.
    Every score pair is (mean R-1, mean R-2) over the named half."""

    chosen: int  # row of `ours` with the best ROUGE-2 on the fit half
    fitted: tuple[float, float]  # the chosen configuration on the fit half
    unseen: tuple[float, float]  # the chosen configuration on the measure half
    defaults_fitted: tuple[float, float]  # the shipped defaults on the fit half
    defaults_unseen: tuple[float, float]  # the shipped defaults on the measure half
    best_system: str  # the published system with the best ROUGE-2 on the measure half
    best: tuple[float, float]  # ... on the measure half
    fit_system: str  # the published system with the best ROUGE-2 on the fit half
    fit_best: tuple[float, float]  # ... on the measure half
    best_rouge1: float  # the highest ROUGE-1 of any published system on the measure half


def _means(scores: np.ndarray, columns: np.ndarray) -> tuple[float, float]:
    """(mean R-1, mean R-2) of one row's scores (clusters, 2) over `columns`."""
    r1, r2 = scores[columns].mean(axis=0)
    return float(r1), float(r2)


def cross_validate(table: ScoreTable, splits: Sequence[Split], defaults: int) -> list[SplitResult]:
    """Fit on each split's fit half, measure on its other half; `defaults` is the row of
    the shipped settings, which are measured as they are, never refitted."""
    results = []
    for split in splits:
        chosen = best_row(table.ours, split.fit, prefer=defaults)
        best = best_row(table.published, split.measure)
        fit_best = best_row(table.published, split.fit)
        results.append(
            SplitResult(
                chosen=chosen,
                fitted=_means(table.ours[chosen], split.fit),
                unseen=_means(table.ours[chosen], split.measure),
                defaults_fitted=_means(table.ours[defaults], split.fit),
                defaults_unseen=_means(table.ours[defaults], split.measure),
                best_system=table.systems[best],
                best=_means(table.published[best], split.measure),
                fit_system=table.systems[fit_best],
                fit_best=_means(table.published[fit_best], split.measure),
                best_rouge1=float(table.published[:, split.measure, R1].mean(axis=1).max()),
            )
        )
    return results


def spread(values: Sequence[float]) -> dict[str, float]:
    """Mean and 5th / 95th percentiles (linear interpolation)."""
    data = np.asarray(values, dtype=float)
    return {
        "mean": float(data.mean()),
        "p5": float(np.percentile(data, 5)),
        "p95": float(np.percentile(data, 95)),
    }


def leads(ours: tuple[float, float], theirs: tuple[float, float]) -> bool:
    """The target on one split: ROUGE-2 at least `LEAD_R2` ahead and ROUGE-1 at least level."""
    return ours[R2] - theirs[R2] >= LEAD_R2 - TIE and ours[R1] >= theirs[R1] - TIE


def _pair(pairs: Sequence[tuple[float, float]]) -> dict[str, dict[str, float]]:
    """`spread` of ROUGE-1 and of ROUGE-2 over (R-1, R-2) pairs."""
    return {
        "rouge1": spread([p[R1] for p in pairs]),
        "rouge2": spread([p[R2] for p in pairs]),
    }


def _ours(
    fitted: list[tuple[float, float]],
    unseen: list[tuple[float, float]],
    results: Sequence[SplitResult],
) -> dict[str, Any]:
    """Figures of one of ours (refit or defaults) given its per-split fit and unseen means."""
    best = [r.best for r in results]
    fit_best = [r.fit_best for r in results]
    return {
        "fitted": _pair(fitted),
        "unseen": _pair(unseen),
        "rouge2_margin_over_best": spread(
            [u[R2] - b[R2] for u, b in zip(unseen, best, strict=True)]
        ),
        "rouge1_margin_over_best": spread(
            [u[R1] - b[R1] for u, b in zip(unseen, best, strict=True)]
        ),
        "share_leading_best": float(
            np.mean([leads(u, b) for u, b in zip(unseen, best, strict=True)])
        ),
        "share_leading_fit_chosen": float(
            np.mean([leads(u, b) for u, b in zip(unseen, fit_best, strict=True)])
        ),
        "share_rouge1_at_least_any": float(
            np.mean([u[R1] >= r.best_rouge1 - TIE for u, r in zip(unseen, results, strict=True)])
        ),
    }


def summary(table: ScoreTable, results: Sequence[SplitResult], defaults: int) -> dict[str, Any]:
    """Every split reduced to figures: ours refitted per split and the shipped defaults
    (each on the fit and on the unseen halves, margins over the best published system on
    the unseen half, share of splits meeting the target), the published systems, and how
    often each configuration was chosen."""
    counts = Counter(r.chosen for r in results)
    by_config: dict[int, list[SplitResult]] = {}
    for r in results:
        by_config.setdefault(r.chosen, []).append(r)
    chosen = [
        {
            "config": table.configs[row],
            "share": n / len(results),
            "unseen_rouge2_mean": float(np.mean([r.unseen[R2] for r in by_config[row]])),
            "defaults_unseen_rouge2_mean": float(
                np.mean([r.defaults_unseen[R2] for r in by_config[row]])
            ),
        }
        for row, n in counts.most_common(5)
    ]
    return {
        "splits": len(results),
        "configurations": len(table.configs),
        "distinct_configurations": len(np.unique(table.ours.round(9), axis=0)),
        "refit": _ours([r.fitted for r in results], [r.unseen for r in results], results),
        "defaults": _ours(
            [r.defaults_fitted for r in results], [r.defaults_unseen for r in results], results
        ),
        "refit_minus_defaults_unseen_rouge2": spread(
            [r.unseen[R2] - r.defaults_unseen[R2] for r in results]
        ),
        "defaults_chosen_share": counts[defaults] / len(results),
        "chosen": chosen,
        "best_published_unseen": {
            **_pair([r.best for r in results]),
            "systems": dict(Counter(r.best_system for r in results).most_common()),
        },
        "fit_chosen_published_unseen": {
            **_pair([r.fit_best for r in results]),
            "systems": dict(Counter(r.fit_system for r in results).most_common()),
        },
        "best_published_rouge1_any_system": spread([r.best_rouge1 for r in results]),
    }
