"""DUC 2004 task 2 evaluation: ROUGE-1/2 recall of cluster summaries.

The protocol is the one in ``../shared/eval/README.md``: citation markers such
as ``[1]`` removed, summary and every reference cut to their first 100 words,
``rouge-score`` with Porter stemming, recall against each reference separately,
averaged over references, then over clusters, in percent. The published
systems' summaries stored with each cluster are scored in the same run.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.summaries.extractive import SummaryDoc, SummarySentence, summarize

OURS = "newsdesk"
WORD_LIMIT = 100
TUNE_CLUSTERS = 12  # the first 12 clusters in file order: the only ones settings are fixed on

_CITATION = re.compile(r"\s*\[\d+(?:\s*[,;-]\s*\d+)*\]")


@dataclass(frozen=True)
class Cluster:
    """One DUC cluster: ten bare newswire texts, four human summaries, published systems."""

    cluster_id: str
    documents: tuple[str, ...]
    references: tuple[tuple[str, str], ...]  # (annotator letter, summary)
    system_summaries: tuple[tuple[str, str], ...]  # (system name, summary)


@dataclass(frozen=True)
class ClusterScore:
    """ROUGE recall (percent) of one summary of one cluster, averaged over its references."""

    cluster_id: str
    system: str
    rouge1: float
    rouge2: float


@dataclass(frozen=True)
class EvalRun:
    """Every cluster scored for ours and every published system, plus our timings."""

    scores: tuple[ClusterScore, ...]
    seconds: tuple[float, ...]  # our summarizer's wall time per cluster, in cluster order
    summaries: tuple[tuple[str, str], ...]  # (cluster_id, our summary text)

    def table(self, cluster_ids: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
        """Return ``{system: {"rouge1": R, "rouge2": R}}`` averaged over the given clusters."""
        wanted = None if cluster_ids is None else set(cluster_ids)
        per_system: dict[str, list[ClusterScore]] = {}
        for score in self.scores:
            if wanted is None or score.cluster_id in wanted:
                per_system.setdefault(score.system, []).append(score)
        return {
            system: {
                "rouge1": statistics.fmean(s.rouge1 for s in rows),
                "rouge2": statistics.fmean(s.rouge2 for s in rows),
            }
            for system, rows in per_system.items()
        }


def load_clusters(path: str | Path) -> list[Cluster]:
    """Read ``clusters_dev.jsonl`` in file order."""
    clusters = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            clusters.append(
                Cluster(
                    cluster_id=row["cluster_id"],
                    documents=tuple(row["documents"]),
                    references=tuple(sorted(row["references"].items())),
                    system_summaries=tuple(sorted(row.get("system_summaries", {}).items())),
                )
            )
    return clusters


def split_clusters(clusters: Sequence[Cluster]) -> tuple[list[Cluster], list[Cluster]]:
    """Return (tune half, held-out half): the first ``TUNE_CLUSTERS`` by file order, the rest."""
    return list(clusters[:TUNE_CLUSTERS]), list(clusters[TUNE_CLUSTERS:])


def report_groups(clusters: Sequence[Cluster]) -> list[tuple[str, list[str]]]:
    """(name, cluster ids) for the tune half, the held-out half and all clusters."""
    tune, held_out = split_clusters(clusters)
    return [
        (f"tune ({len(tune)})", [c.cluster_id for c in tune]),
        (f"held-out ({len(held_out)})", [c.cluster_id for c in held_out]),
        (f"all ({len(clusters)})", [c.cluster_id for c in clusters]),
    ]


def markdown_table(run: EvalRun, groups: Sequence[tuple[str, Sequence[str]]]) -> str:
    """A markdown table, ours first: ROUGE-1 / ROUGE-2 recall of every system per group."""
    tables = [run.table(ids) for _, ids in groups]
    systems = sorted(tables[-1], key=lambda s: (s != OURS, -tables[-1][s]["rouge2"]))
    head = "| system | " + " | ".join(f"{name} R-1 | {name} R-2" for name, _ in groups) + " |"
    lines = [head, "|---|" + "---:|" * (2 * len(groups))]
    for system in systems:
        cells = []
        for table in tables:
            scores = table.get(system)
            cells += [f"{scores['rouge1']:.1f}", f"{scores['rouge2']:.2f}"] if scores else ["", ""]
        name = f"**{system}**" if system == OURS else system
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def prepare(text: str, limit: int = WORD_LIMIT) -> str:
    """Return `text` without citation markers, cut to its first `limit` words."""
    return " ".join(_CITATION.sub("", text).split()[:limit])


def _scorer():
    try:
        from rouge_score import rouge_scorer
    except ImportError as error:  # an optional dependency: only evaluation needs it
        raise ImportError(
            "DUC evaluation needs rouge-score: pip install 'newsdesk[eval]'"
        ) from error
    return rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)


def score_summary(
    summary: str, references: Sequence[str], scorer: Any = None
) -> tuple[float, float]:
    """Return (ROUGE-1, ROUGE-2) recall in percent, averaged over `references`."""
    scorer = scorer or _scorer()
    candidate = prepare(summary)
    r1, r2 = [], []
    for reference in references:
        result = scorer.score(prepare(reference), candidate)  # score(target, prediction)
        r1.append(result["rouge1"].recall)
        r2.append(result["rouge2"].recall)
    return 100 * statistics.fmean(r1), 100 * statistics.fmean(r2)


def cluster_docs(cluster: Cluster) -> list[SummaryDoc]:
    """The cluster's documents as the summarizer sees them: bare texts cited as "document N"."""
    return [
        SummaryDoc(key=i, title=f"document {i + 1}", text=text)
        for i, text in enumerate(cluster.documents)
    ]


def render(sentences: Sequence[SummarySentence]) -> str:
    """Join summary sentences with ``[N]`` citations, as a user would see them."""
    return " ".join(f"{s.text} [{int(s.doc_key) + 1}]" for s in sentences)


def default_summarizer(max_words: int = 110, **options: Any) -> Callable[[Cluster], str]:
    """A summarizer callable for `evaluate_summaries`: ``index.summaries.extractive`` over
    the cluster's ten texts."""

    def run(cluster: Cluster) -> str:
        return render(summarize(cluster_docs(cluster), max_words=max_words, **options))

    return run


def engine_summarizer(
    make_index: Callable[[Path], Any], max_words: int = 110
) -> Callable[[Cluster], str]:
    """A summarizer callable for `evaluate_summaries` that goes through the engine, as a user would:
    each cluster's ten texts ingested into a fresh index made by `make_index(directory)`
    (e.g. ``lambda p: NewsIndex.open(p, IndexConfig(path=str(p)), embedder)``), then the
    whole index summarized. Ingest time counts in the per-cluster time."""
    from index.records import Article

    def run(cluster: Cluster) -> str:
        with tempfile.TemporaryDirectory(prefix="duc-") as tmp:
            index = make_index(Path(tmp) / "index")
            try:
                index.ingest_articles(
                    # Bare texts: the citation is "document N".
                    Article(title=f"document {i + 1}", text=text, origin=f"document {i + 1}")
                    for i, text in enumerate(cluster.documents)
                )
                return index.summarize(None, max_words=max_words).text
            finally:
                index.close()

    return run


def evaluate_summaries(
    clusters: Sequence[Cluster],
    summarizer: Callable[[Cluster], str] | None = None,
    *,
    systems: bool = True,
) -> EvalRun:
    """Summarize every cluster with `summarizer` and score it, and every published system.

    `summarizer` maps a cluster to the summary text shown to a user (citation
    markers allowed); the engine path can be plugged in here.
    """
    summarizer = summarizer or default_summarizer()
    scorer = _scorer()
    scores, seconds, summaries = [], [], []
    for cluster in clusters:
        references = [text for _, text in cluster.references]
        start = time.perf_counter()
        summary = summarizer(cluster)
        seconds.append(time.perf_counter() - start)
        summaries.append((cluster.cluster_id, summary))
        runs = [(OURS, summary)] + (list(cluster.system_summaries) if systems else [])
        for system, text in runs:
            r1, r2 = score_summary(text, references, scorer)
            scores.append(ClusterScore(cluster.cluster_id, system, r1, r2))
    return EvalRun(tuple(scores), tuple(seconds), tuple(summaries))


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-quantile (0..1) of `values` by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
