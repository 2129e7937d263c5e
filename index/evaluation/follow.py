"""Matching quality of follows on DUC 2004 (`newsdesk eval-follow`).

Each cluster gives one follow, phrased from the first 8 words of its first human
reference summary; its 10 documents are the stories that should match it, every other
cluster's documents the stories that should not. All documents go into one fresh
index; each (follow, story) pair is scored by `NewsIndex.follow_matches` (the test the
bot applies to a new story, see `index.alerts.matching`). The bar is chosen on the first
half of the clusters (highest recall at precision >= 0.95, else the highest precision)
and precision and recall are reported on the other half; `profile_bar` is the bar the
model's profile holds, which was fitted in this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.engine import NewsIndex
from index.evaluation.rouge import Cluster
from index.records import Article

FOLLOW_WORDS = 8
TARGET_PRECISION = 0.95


@dataclass(frozen=True)
class FollowRun:
    """Figures of one evaluation: the bar fitted on `fitted_on` clusters, measured on
    `measured_on` others."""

    precision: float
    recall: float
    follows: int  # measured on
    bar: float
    tune_precision: float
    tune_recall: float
    fitted_on: int
    profile_bar: float = 0.0  # the bar of the model's FollowSettings

    def json(self) -> dict[str, float | int]:
        """The `--json` object."""
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "follows": self.follows,
            "bar": round(self.bar, 3),
            "tune_precision": round(self.tune_precision, 3),
            "tune_recall": round(self.tune_recall, 3),
            "fitted_on": self.fitted_on,
            "profile_bar": round(self.profile_bar, 3),
        }


def follow_text(cluster: Cluster) -> str:
    """The follow of a cluster: the first words of its first reference summary."""
    return " ".join(cluster.references[0][1].split()[:FOLLOW_WORDS])


def evaluate_follows(
    clusters: Sequence[Cluster], open_index: Callable[[Path], NewsIndex], directory: Path
) -> FollowRun:
    """Ingest every cluster's documents into one index at `directory` and score every
    (follow, document) pair; the bar is fitted on the first half of `clusters`."""
    with open_index(directory) as index:
        keys: list[tuple[str, str]] = []
        articles = []
        for cluster in clusters:
            for number, text in enumerate(cluster.documents):
                url = f"https://duc2004.invalid/{cluster.cluster_id}/{number}"
                keys.append((cluster.cluster_id, url))
                articles.append(Article(title="", text=text, url=url))
        index.ingest_articles(articles)
        by_url = {p.url: p.article_id for p in index.all_passages() if p.position == 0}
        ids = [by_url[url] for _, url in keys if url in by_url]
        owner = {by_url[url]: cluster for cluster, url in keys if url in by_url}
        pairs: list[tuple[str, float, bool]] = []
        for cluster in clusters:
            for found in index.follow_matches(follow_text(cluster), ids):
                # The bar is refitted here, so the score counts, not `matched`; DUC
                # documents have no titles, hence no roundups that `matched` would drop.
                own = owner[found.article_id] == cluster.cluster_id
                pairs.append((cluster.cluster_id, found.score, own))
        profile_bar = index.profile.follow.min_score
    half = len(clusters) // 2
    tune = {c.cluster_id for c in clusters[:half]}
    fitted = [p for p in pairs if p[0] in tune]
    measured = [p for p in pairs if p[0] not in tune]
    bar = _fit(fitted)
    precision, recall = _figures(measured, bar)
    tune_precision, tune_recall = _figures(fitted, bar)
    return FollowRun(
        precision,
        recall,
        len(clusters) - half,
        bar,
        tune_precision,
        tune_recall,
        half,
        profile_bar,
    )


def _figures(pairs: Sequence[tuple[str, float, bool]], bar: float) -> tuple[float, float]:
    matched = [relevant for _, value, relevant in pairs if value >= bar]
    hits = sum(matched)
    wanted = sum(relevant for *_, relevant in pairs)
    return (hits / len(matched) if matched else 1.0, hits / wanted if wanted else 0.0)


def _fit(pairs: Sequence[tuple[str, float, bool]]) -> float:
    """The bar with the highest recall at precision >= TARGET_PRECISION (else the one
    with the highest precision), among the scores seen; the lower bar on ties."""
    best_bar, best_key = 0.0, (False, -1.0, 0.0)
    for bar in sorted({value for _, value, _ in pairs}):
        precision, recall = _figures(pairs, bar)
        reached = precision >= TARGET_PRECISION
        key = (reached, recall if reached else precision, -bar)
        if key > best_key:
            best_bar, best_key = bar, key
    return best_bar
