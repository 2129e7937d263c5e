"""DUC 2004 summary settings cross-validated by clusters over many random splits.

    .venv/bin/python benchmarks/duc_cv.py [--splits 200] [--seed 0] [--fit 12] [--json]
                                         [--set position_weight=0.5,1,2 ...] [--cache DIR]

Every cluster is summarized once per configuration of the grid below (the fitted
settings of `SummaryOptions`, three values each around the shipped defaults,
defaults included) with `index.summaries.extractive` (the default summarizer of
`index/evaluation/rouge.py`), and scored exactly as ``../shared/eval/README.md``
says, with every published system, in the same run. The per-cluster score table
is cached under --cache (keyed by the data, the grid and the summarizer's source),
so reruns take seconds. Then, for each seeded random split, the configuration with
the best mean ROUGE-2 on the fit half (12 clusters) is reported on the other 13,
beside the best published system on those 13 (chosen there, an oracle) and the
published system best on the fit half; the shipped defaults are measured on every
unseen half without refitting. See `index/evaluation/cross_validation.py`.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.evaluation.cross_validation import (  # noqa: E402
    LEAD_R2,
    ScoreTable,
    best_row,
    cross_validate,
    random_splits,
    summary,
)
from index.evaluation.rouge import (  # noqa: E402
    OURS,
    TUNE_CLUSTERS,
    _scorer,
    default_summarizer,
    load_clusters,
    score_summary,
)
from index.summaries.extractive import DEFAULT_OPTIONS  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "duc2004" / "clusters_dev.jsonl"
# 3^5 = 243 configurations: one over 25 clusters takes about 1.4 s on one core
# (0.045 s to summarize a cluster, 0.01 s to score it), so about 6 minutes uncached.
GRID: dict[str, tuple[float, ...]] = {
    "position_weight": (0.5, 1.0, 2.0),
    "unigram_weight": (0.15, 0.3, 0.5),
    "lead_boost": (0.25, 0.5, 1.0),
    "duplicate_cosine": (0.4, 0.5, 0.6),
    "min_df_share": (0.2, 0.3, 0.4),  # with 10 documents: a concept in 2, 3 or 4 of them
}
# Whatever decides the summary text or its score: an edit to any of these makes a new table.
SOURCES = ("index/summaries", "index/text", "index/evaluation/rouge.py")


def configurations(grid: dict[str, tuple[float, ...]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, as `SummaryOptions` keyword arguments."""
    names = sorted(grid)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(grid[n] for n in names))
    ]


def cache_key(data: Path, grid: dict[str, tuple[float, ...]], max_words: int) -> str:
    """A digest of the data, the grid, the word budget and the summarizer's source."""
    digest = hashlib.sha256(data.read_bytes())
    digest.update(json.dumps([sorted(grid.items()), max_words]).encode())
    for source in SOURCES:
        path = ROOT / source
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def build_table(data: Path, configs: list[dict[str, Any]], max_words: int) -> ScoreTable:
    """Summarize and score every cluster once per configuration; published systems once."""
    clusters = load_clusters(data)
    scorer = _scorer()
    references = [[text for _, text in c.references] for c in clusters]
    systems = tuple(name for name, _ in clusters[0].system_summaries)
    published = np.zeros((len(systems), len(clusters), 2))
    for j, cluster in enumerate(clusters):
        texts = dict(cluster.system_summaries)
        for s, system in enumerate(systems):
            published[s, j] = score_summary(texts[system], references[j], scorer)
    ours = np.zeros((len(configs), len(clusters), 2))
    start = time.perf_counter()
    for i, settings in enumerate(configs):
        options = dataclasses.replace(DEFAULT_OPTIONS, **settings)
        summarize = default_summarizer(max_words=max_words, options=options)
        for j, cluster in enumerate(clusters):
            ours[i, j] = score_summary(summarize(cluster), references[j], scorer)
        if (i + 1) % 20 == 0 or i + 1 == len(configs):
            spent = time.perf_counter() - start
            print(
                f"{i + 1}/{len(configs)} configurations, {spent:.0f} s, "
                f"~{spent / (i + 1) * (len(configs) - i - 1):.0f} s left",
                file=sys.stderr,
            )
    return ScoreTable(
        tuple(c.cluster_id for c in clusters), tuple(configs), ours, systems, published
    )


def load_table(
    data: Path, grid: dict[str, tuple[float, ...]], max_words: int, cache: Path
) -> ScoreTable:
    """The cached score table for this data, grid and summarizer source, built if absent."""
    path = cache / f"duc-cv-{cache_key(data, grid, max_words)}.json"
    if path.exists():
        return ScoreTable.from_json(json.loads(path.read_text()))
    table = build_table(data, configurations(grid), max_words)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(table.to_json()))
    return table


def never_tuned(table: ScoreTable, defaults: int) -> dict[str, Any] | None:
    """The shipped defaults and the best published system (by ROUGE-2) on the clusters after
    the first `TUNE_CLUSTERS`: the defaults were fixed by hand on those first ones, which
    random splits also put in unseen halves, so this is the defaults' one clean figure."""
    held = np.arange(TUNE_CLUSTERS, len(table.cluster_ids))
    if not len(held):
        return None
    best = best_row(table.published, held)
    ours_r1, ours_r2 = table.ours[defaults, held].mean(axis=0)
    best_r1, best_r2 = table.published[best, held].mean(axis=0)
    return {
        "clusters": len(held),
        "defaults": {"rouge1": float(ours_r1), "rouge2": float(ours_r2)},
        "best_published": {
            "system": table.systems[best],
            "rouge1": float(best_r1),
            "rouge2": float(best_r2),
        },
        "best_published_rouge1_any_system": float(table.published[:, held, 0].mean(axis=1).max()),
    }


def _cell(stats: dict[str, float], digits: int) -> str:
    """The mean, then the 5th and 95th percentiles in brackets."""
    return f"{stats['mean']:.{digits}f} [{stats['p5']:.{digits}f}, {stats['p95']:.{digits}f}]"


def text_report(report: dict[str, Any]) -> str:
    """The report as markdown tables and lines."""
    lines = [
        f"{report['clusters']} clusters, {report['splits']} random splits (seed "
        f"{report['seed']}): fit on {report['fit']}, measured on the other "
        f"{report['clusters'] - report['fit']}; {report['configurations']} configurations "
        f"({report['distinct_configurations']} with distinct scores). Mean [5th, 95th "
        "percentile] over splits, ROUGE recall in percent.",
        "",
        "| | fit half R-1 | fit half R-2 | unseen R-1 | unseen R-2 | "
        f"unseen: R-2 >= best + {LEAD_R2} and R-1 >= best |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, key in ((f"**{OURS}**, refit per split", "refit"), ("shipped defaults", "defaults")):
        row = report[key]
        lines.append(
            f"| {name} | {_cell(row['fitted']['rouge1'], 1)} | {_cell(row['fitted']['rouge2'], 2)}"
            f" | {_cell(row['unseen']['rouge1'], 1)} | {_cell(row['unseen']['rouge2'], 2)} | "
            f"{row['share_leading_best']:.0%} (vs fit-chosen: "
            f"{row['share_leading_fit_chosen']:.0%}) |"
        )
    for name, key in (
        ("best published on the unseen half", "best_published_unseen"),
        ("published system best on the fit half", "fit_chosen_published_unseen"),
    ):
        row = report[key]
        lines.append(f"| {name} | | | {_cell(row['rouge1'], 1)} | {_cell(row['rouge2'], 2)} | |")
    lines.append("")
    for key, name in (("refit", "refit"), ("defaults", "defaults")):
        row = report[key]
        lines.append(
            f"{name} minus best published on the unseen half: R-2 "
            f"{_cell(row['rouge2_margin_over_best'], 2)}, R-1 "
            f"{_cell(row['rouge1_margin_over_best'], 2)}; R-1 >= the best R-1 of any "
            f"published system in {row['share_rouge1_at_least_any']:.0%} of splits"
        )
    lines.append(
        "refit minus defaults on the unseen half, R-2: "
        f"{_cell(report['refit_minus_defaults_unseen_rouge2'], 2)}; defaults chosen in "
        f"{report['defaults_chosen_share']:.0%} of splits (ties go to the defaults)"
    )
    for key, name in (
        ("best_published_unseen", "best published on the unseen half"),
        ("fit_chosen_published_unseen", "published best on the fit half"),
    ):
        systems = ", ".join(f"{s} {n}" for s, n in report[key]["systems"].items())
        lines.append(f"{name}: {systems}")
    clean = report["defaults_on_never_tuned"]
    if clean:
        best = clean["best_published"]
        lines.append(
            f"shipped defaults on the {clean['clusters']} clusters they were never tuned on: "
            f"{clean['defaults']['rouge1']:.1f} / {clean['defaults']['rouge2']:.2f}, best "
            f"published {best['system']} {best['rouge1']:.1f} / {best['rouge2']:.2f} (best R-1 "
            f"of any system {clean['best_published_rouge1_any_system']:.1f})"
        )
    lines.append("most often chosen:")
    for row in report["chosen"]:
        settings = ", ".join(f"{k}={v}" for k, v in row["config"].items())
        lines.append(
            f"  {row['share']:.0%} {settings}: unseen R-2 {row['unseen_rouge2_mean']:.2f} "
            f"(defaults on the same splits {row['defaults_unseen_rouge2_mean']:.2f})"
        )
    return "\n".join(lines)


def _grid(overrides: list[str]) -> dict[str, tuple[float, ...]]:
    grid = dict(GRID)
    for item in overrides:
        name, _, values = item.partition("=")
        if name not in {f.name for f in dataclasses.fields(DEFAULT_OPTIONS)}:
            raise SystemExit(f"error: {name} is not a SummaryOptions field")
        grid[name] = tuple(float(v) for v in values.split(","))
    for name, values in grid.items():
        if getattr(DEFAULT_OPTIONS, name) not in values:
            raise SystemExit(f"error: the grid for {name} must hold the shipped default")
    return grid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--max-words", type=int, default=110)
    parser.add_argument("--splits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit", type=int, default=12, help="clusters to fit on per split")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=V1,V2,...")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsdesk-duc-cv"))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"error: {args.data} not found (the set lives in ../shared/eval)", file=sys.stderr)
        return 2

    grid = _grid(args.set)
    table = load_table(args.data, grid, args.max_words, args.cache)
    defaults = table.config_index({name: getattr(DEFAULT_OPTIONS, name) for name in sorted(grid)})
    splits = random_splits(len(table.cluster_ids), args.fit, args.splits, args.seed)
    report = {
        "clusters": len(table.cluster_ids),
        "fit": args.fit,
        "seed": args.seed,
        "grid": grid,
        **summary(table, cross_validate(table, splits, defaults), defaults),
        "defaults_on_never_tuned": never_tuned(table, defaults),
    }
    print(json.dumps(report, indent=2) if args.json else text_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
