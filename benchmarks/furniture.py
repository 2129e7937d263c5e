"""Precision and recall of page-furniture removal on hand-labelled lines of real pages.

    .venv/bin/python benchmarks/furniture.py [--corpus PATH] [--show]

The lines are the fixed sample of `furniture_sample.py` (30 scale-corpus articles,
925 lines), each labelled furniture / heading / content by reading
(`furniture_labels.jsonl`: ids and line hashes only). A line counts as removed when
`index.ingest.furniture.furniture_flags` flags it among its article's sampled lines.
Figures are printed for the "tune" half (the one looked at while writing rules), the
"test" half and both. `--show` prints the lines each half gets wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.furniture_sample import DEFAULT_CORPUS, sample_lines  # noqa: E402
from index.ingest.furniture import furniture_flags  # noqa: E402

LABELS = Path(__file__).with_name("furniture_labels.jsonl")


def scored(corpus: Path) -> list[tuple[str, str, bool, str]]:
    """(split, label, flagged, line) for every labelled line, in sample order."""
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    sample = sample_lines(corpus)
    if len(sample) != len(labels):
        raise SystemExit(f"{len(sample)} sampled lines but {len(labels)} labels")
    by_article: dict[str, list[str]] = defaultdict(list)
    for article_id, _, _, text in sample:
        by_article[article_id].append(text)
    flags = {a: iter(furniture_flags(lines)) for a, lines in by_article.items()}
    out = []
    for (article_id, split, digest, text), label in zip(sample, labels, strict=True):
        if (article_id, digest) != (label["id"], label["hash"]):
            raise SystemExit(f"labels out of step with the sample at {article_id} {digest}")
        out.append((split, label["label"], next(flags[article_id]), text))
    return out


def figures(rows: list[tuple[str, str, bool, str]]) -> dict[str, float | int]:
    """Precision and recall of removal, with furniture as the positive class."""
    tp = sum(1 for _, label, flag, _ in rows if flag and label == "furniture")
    fp = sum(1 for _, label, flag, _ in rows if flag and label != "furniture")
    fn = sum(1 for _, label, flag, _ in rows if not flag and label == "furniture")
    return {
        "lines": len(rows),
        "furniture": tp + fn,
        "removed": tp + fp,
        "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        "content_removed": sum(1 for _, label, flag, _ in rows if flag and label == "content"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show", action="store_true", help="print the lines judged wrong")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    rows = scored(args.corpus)
    result = {
        split: figures([r for r in rows if split == "all" or r[0] == split])
        for split in ("tune", "test", "all")
    }
    if args.json:
        print(json.dumps(result))
    else:
        print("split  lines  furniture  removed  precision  recall  content removed")
        for split, f in result.items():
            print(
                f"{split:5}  {f['lines']:5}  {f['furniture']:9}  {f['removed']:7}  "
                f"{f['precision']:9.3f}  {f['recall']:6.3f}  {f['content_removed']:15}"
            )
    if args.show:
        for split, label, flag, text in rows:
            if flag != (label == "furniture"):
                kind = "removed" if flag else "missed"
                print(f"[{split} {kind} {label}] {text[:160]}")


if __name__ == "__main__":
    main()
