"""Topic summaries on real web pages: on the topic, no furniture; today's pipeline beside
an earlier commit's, in one run.

    .venv/bin/python benchmarks/summary_topics.py [--baseline COMMIT] [--half tune|test|all]
    .venv/bin/python benchmarks/summary_topics.py --dump OUT.jsonl [--code DIR]  # one side

Corpus: `summary_corpus.dev_articles` (autumn-2022 scale pages + rtqa-gold, 1,276
pages), ingested with the real model into a cached index per code version. Topics:
`summary_topics.jsonl` (36 topics typed as a user would, each with the articles whose
subject it is, labelled by reading; odd-numbered topics are the "tune" half, even the
"test" half). For each topic, `NewsIndex.summarize(topic)` as `newsdesk summary TOPIC`
gives it; then:

- sentence shares from `summary_labels.jsonl` (each summary sentence labelled
  on / off / furniture by reading, kept as topic id + sentence hash): on-topic and
  furniture shares, and how many sentences have no label yet (label them before
  trusting the shares);
- article figures from the topic labels, no reading needed: share of cited articles
  whose subject is the topic, and of topics answered "too little" although they have
  relevant articles.

`--baseline` runs the same summaries with the code of COMMIT (a `git worktree`), its
own index built by its own ingest, so both sides are measured in one run; DUC 2004
ROUGE (`duc2004.py`) is printed for both too, as summaries must not lose it.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOPICS = Path(__file__).with_name("summary_topics.jsonl")
LABELS = Path(__file__).with_name("summary_labels.jsonl")
CACHE = Path("/tmp/newsdesk-summary-topics")
DUC = REPO.parent / "shared" / "eval" / "duc2004" / "clusters_dev.jsonl"
NOW = date(2022, 12, 31)  # after every article of the corpus: none is "not yet written"


def sentence_hash(text: str) -> str:
    """A summary sentence's stored identity: sha256 of its whitespace-collapsed text."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def _url_key(url: str) -> str:
    return url.strip().lower().rstrip("/")


def dump(out: Path, code: Path) -> None:
    """Summaries of every topic by the code in `code`, one JSON line per topic."""
    sys.path.insert(0, str(code))
    sys.path.insert(1, str(REPO / "benchmarks"))
    from embedding_cache import CachedEmbedder  # type: ignore[import-not-found]
    from summary_corpus import SHARED, dev_articles  # type: ignore[import-not-found]

    from index.config import IndexConfig
    from index.engine import NewsIndex
    from index.models.embedders import load_embedder

    articles = dev_articles(SHARED)
    ids = {_url_key(a["url"]): a["id"] for a in articles}
    revision = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This tree's index is brought up to date by each run (ingest skips unchanged
    # articles); a commit's is built once.
    dirty = code == REPO
    where = CACHE / ("index-work" if dirty else f"index-{revision}")
    embedder = CachedEmbedder(load_embedder(IndexConfig().model), CACHE)
    config = IndexConfig(path=str(where))
    with NewsIndex.open(where, config, embedder) as index:
        if dirty or not (where / "done").exists():
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
                for a in articles:
                    f.write(json.dumps({k: v for k, v in a.items() if k != "id"}) + "\n")
            index.ingest_paths([f.name])
            os.unlink(f.name)
            embedder.save()
            (where / "done").write_text("")
        with out.open("w") as sink:
            for line in TOPICS.read_text().splitlines():
                topic = json.loads(line)
                summary = index.summarize(topic["topic"], now=NOW)
                cited = {s.number: ids.get(_url_key(s.url), s.url) for s in summary.sources}
                sentences = [{"text": x.text, "article": cited[x.citation]} for x in summary.lines]
                record = {"topic": topic["id"], "sentences": sentences}
                sink.write(json.dumps(record) + "\n")


def sweep(half: str) -> None:
    """Precision and recall of "this article's subject is the topic" over a grid of the
    two bars of `SubjectSettings`, on the articles the search brings up for each topic
    (this tree's index, built by a previous run); labels: the topics' relevant ids."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from dataclasses import replace

    from embedding_cache import CachedEmbedder  # type: ignore[import-not-found]
    from summary_corpus import SHARED, dev_articles  # type: ignore[import-not-found]

    from index.config import IndexConfig
    from index.engine import NewsIndex
    from index.models.embedders import load_embedder
    from index.summaries.subject import Subject, SubjectSettings, on_subject

    where = CACHE / "index-work"
    ids = {_url_key(a["url"]): a["id"] for a in dev_articles(SHARED)}
    embedder = CachedEmbedder(load_embedder(IndexConfig().model), CACHE)
    judged: list[tuple[Subject, bool]] = []
    with NewsIndex.open(where, IndexConfig(path=str(where)), embedder) as index:
        for topic in map(json.loads, TOPICS.read_text().splitlines()):
            if not _in_half(topic["id"], half):
                continue
            everything = SubjectSettings(min_score=-9.0)
            loose = replace(index.profile, subject=everything)
            index.profile, kept = loose, index.profile
            try:
                _, subjects, _ = index._on_subject(topic["topic"], NOW, "")
            finally:
                index.profile = kept
            urls = {
                p.article_id: p.url
                for p in index._store.lead_passages([s.article_id for s in subjects]).values()
            }
            for s in subjects:
                dev_id = ids.get(_url_key(urls.get(s.article_id, "")), "")
                judged.append((s, dev_id in topic["relevant"]))
    labelled = [json.loads(line) for line in TOPICS.read_text().splitlines()]
    total = sum(len(t["relevant"]) for t in labelled if _in_half(t["id"], half))
    print(f"{len(judged)} candidates, {sum(j[1] for j in judged)} relevant found, {total} labelled")
    print("headline coverage bar  kept  precision  recall (of labelled)")
    for head, cov, bar in itertools.product((0.0, 0.5, 1.0), (0.5, 0.75, 1.0), (1.2, 1.4, 1.6)):
        bars = SubjectSettings(headline_weight=head, coverage_weight=cov, min_score=bar)
        kept_rows = [j for j in judged if on_subject([j[0]], bars)]
        hit = sum(j[1] for j in kept_rows)
        precision = hit / len(kept_rows) if kept_rows else 1.0
        print(
            f"{head:8.2f} {cov:8.2f} {bar:4.2f} {len(kept_rows):5} {precision:10.3f} "
            f"{hit / total:8.3f}"
        )


def _in_half(topic_id: str, half: str) -> bool:
    number = int(topic_id[1:])
    return half == "all" or (number % 2 == 1) == (half == "tune")


def _run_side(code: Path, out: Path) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(code))
    subprocess.run(
        [sys.executable, __file__, "--dump", str(out), "--code", str(code)],
        check=True,
        env=env,
    )
    return [json.loads(line) for line in out.read_text().splitlines()]


def duc(code: Path) -> str:
    """The newsdesk row of DUC 2004 ROUGE (tune, held-out, all) by the code in `code`."""
    out = subprocess.run(
        [sys.executable, str(code / "benchmarks" / "duc2004.py"), "--data", str(DUC)],
        capture_output=True,
        text=True,
        check=True,
        cwd=code,
        env=dict(os.environ, PYTHONPATH=str(code)),
    ).stdout
    row = next(line for line in out.splitlines() if line.startswith("| **newsdesk**"))
    return " / ".join(cell.strip() for cell in row.strip("|").split("|")[1:])


def figures(rows: list[dict], topics: dict[str, dict], labels: dict[tuple[str, str], str]) -> dict:
    """Shares over all sentences of `rows` (topics of one half)."""
    count = {"on": 0, "off": 0, "furniture": 0, "unlabelled": 0}
    cited = relevant = empty_with_news = 0
    for row in rows:
        topic = topics[row["topic"]]
        if not row["sentences"] and topic["relevant"]:
            empty_with_news += 1
        for s in row["sentences"]:
            count[labels.get((row["topic"], sentence_hash(s["text"])), "unlabelled")] += 1
            cited += 1
            relevant += s["article"] in topic["relevant"]
    labelled = count["on"] + count["off"] + count["furniture"]
    return {
        "topics": len(rows),
        "sentences": cited,
        "on_topic": round(count["on"] / labelled, 3) if labelled else None,
        "furniture": round(count["furniture"] / labelled, 3) if labelled else None,
        "unlabelled": count["unlabelled"],
        "from_relevant_articles": round(relevant / cited, 3) if cited else None,
        "empty_with_news": empty_with_news,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write one side's summaries here and stop")
    parser.add_argument("--code", type=Path, default=REPO, help="with --dump: the code to run")
    parser.add_argument("--baseline", help="also run this commit's code (e.g. 456bc3c)")
    parser.add_argument("--half", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--show", action="store_true", help="print every summary sentence")
    parser.add_argument("--sweep", action="store_true", help="grid of the subject bars")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.dump:
        dump(args.dump, args.code.resolve())
        return 0
    if args.sweep:
        sweep(args.half)
        return 0
    topics = {t["id"]: t for t in map(json.loads, TOPICS.read_text().splitlines())}
    labels = {}
    if LABELS.exists():
        for line in LABELS.read_text().splitlines():
            entry = json.loads(line)
            labels[(entry["topic"], entry["hash"])] = entry["label"]
    sides = {"this tree": _run_side(REPO, CACHE / "this.jsonl")}
    trees = {"this tree": REPO}
    if args.baseline:
        tree = CACHE / f"tree-{args.baseline}"
        if not tree.exists():
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), args.baseline],
                check=True,
            )
        sides[f"commit {args.baseline}"] = _run_side(tree, CACHE / f"{args.baseline}.jsonl")
        trees[f"commit {args.baseline}"] = tree

    def in_half(row: dict) -> bool:
        return _in_half(row["topic"], args.half)

    print(f"{len(topics)} topics, half: {args.half}")
    print("DUC 2004 ROUGE-1 / ROUGE-2, tune (12) / held-out (13) / all (25):")
    for name, tree in trees.items():
        print(f"{name:>16}: {duc(tree)}")
    for name, rows in sides.items():
        result = figures([r for r in rows if in_half(r)], topics, labels)
        print(f"{name:>16}: {json.dumps(result)}")
        if args.show:
            for row in rows:
                if not in_half(row):
                    continue
                print(f"  [{row['topic']}] {topics[row['topic']]['topic']}")
                for s in row["sentences"]:
                    key = (row["topic"], sentence_hash(s["text"]))
                    rel = "R" if s["article"] in topics[row["topic"]]["relevant"] else "-"
                    print(f"    {labels.get(key, '?'):9} {rel} {s['text'][:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
