"""Story grouping at ingest: precision and recall of "same story" pairs.

    .venv/bin/python benchmarks/stories.py duc      # tune on 12 DUC clusters, report 13
    .venv/bin/python benchmarks/stories.py scale    # the scale corpus: hand-labelled pairs
    .venv/bin/python benchmarks/stories.py sample   # print candidate pairs to label

Every figure goes through the real ingest pipeline (`IngestPipeline` over a fresh
SQLite + FAISS index, in batches, stories decided as in production) with the real
default model; vectors are cached on disk (`--cache`), so a sweep embeds each text once.
Every article is cut to its lead passage: grouping reads only leads, and the full texts
(DUC: 2,293 passages; scale: ~70,000) take the real model hours on two cores. The one
difference: the vector search that finds candidates then sees leads only (in
production it searches every passage and compares the leads of the articles found).

- DUC 2004: the 25 clusters' 250 documents, no titles or dates. Documents of one
  cluster are one story family; of two clusters, not. Settings are chosen on the
  first 12 clusters (file order, as benchmarks/duc2004.py) and reported on the other 13.
  Documents are ingested in a seeded shuffled order.
- Scale corpus (4,790 pages, no story labels): the newest `--pages` pages (all by
  default), ingested oldest first. Pairs published within the window whose lead cosine
  is at least `SAMPLE_FLOOR` were sampled by cosine band and labelled by reading
  (`story_labels.jsonl`: ids and a hash of the texts, never the text); precision and
  recall are weighted by band size. Pairs below the floor count as different stories.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from embedding_cache import CachedEmbedder  # noqa: E402

from index.config import IndexConfig  # noqa: E402
from index.ingest.identity import article_key, content_hash  # noqa: E402
from index.ingest.jsonl import read_jsonl  # noqa: E402
from index.ingest.pipeline import IngestPipeline  # noqa: E402
from index.models.embedders import Embedder, load_embedder  # noqa: E402
from index.records import Article  # noqa: E402
from index.storage.store import Store  # noqa: E402
from index.storage.vectors import SharedVectors, WriteLock  # noqa: E402
from index.stories.grouping import StorySettings  # noqa: E402
from index.text.chunker import chunk_text  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
DUC = SHARED / "duc2004" / "clusters_dev.jsonl"
SCALE = SHARED / "scale" / "news_pages_2022.jsonl.gz"
LABELS = ROOT / "benchmarks" / "story_labels.jsonl"
TUNE_CLUSTERS = 12
SAMPLE_FLOOR = 0.45
BANDS = (0.45, 0.55, 0.65, 0.75, 1.01)
COSINES = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
OVERLAPS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)


@dataclass(frozen=True)
class Pairs:
    """Precision and recall of "same story" pairs."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self) -> str:
        return f"P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}"


def ingest_stories(
    articles: Sequence[Article], embedder: Embedder, settings: StorySettings | None
) -> tuple[list[int], float]:
    """The story id of each article after ingesting them in order into a fresh index,
    and the seconds the ingest took. Copies (one URL, or no URL and one text) are
    stored once: they share its story."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        store = Store(path / "news.sqlite3")
        try:
            vectors = SharedVectors(
                path / "vectors.faiss", embedder.dim, store, WriteLock(path / "write.lock")
            )
            pipeline = IngestPipeline(
                store, vectors, embedder, IndexConfig().passage_tokens, stories=settings
            )
            start = time.perf_counter()
            report = pipeline.ingest(articles)
            seconds = time.perf_counter() - start
            assert not report.problems, report
            stored = [store.find_article(article_key(a)) for a in articles]
            ids = [found[0] if found else -n for n, found in enumerate(stored, 1)]
            stories = store.stories_of([i for i in ids if i > 0])
        finally:
            store.close()
    # An article stored as a copy of an earlier one (same content, no URL) is in its story.
    by_hash = {content_hash(a): stories[i] for a, i in zip(articles, ids, strict=True) if i > 0}
    return [
        stories[i] if i > 0 else by_hash[content_hash(a)]
        for a, i in zip(articles, ids, strict=True)
    ], seconds


def pair_counts(truth: Sequence[object], stories: Sequence[int]) -> Pairs:
    """Pairs of articles in one story vs pairs in one true group."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        same, grouped = truth[i] == truth[j], stories[i] == stories[j]
        tp += same and grouped
        fp += grouped and not same
        fn += same and not grouped
    return Pairs(tp, fp, fn)


# -- DUC 2004 -------------------------------------------------------------------------


def duc_articles(clusters: Sequence[dict], embedder: Embedder) -> tuple[list[Article], list[str]]:
    """Every document of `clusters` as an article, in a seeded shuffled order, and its cluster."""
    docs = [(c["cluster_id"], d) for c in clusters for d in c["documents"]]
    random.Random(0).shuffle(docs)
    articles = [
        Article(title="", text=lead, source=f"{cid}-{n}")
        for n, (cid, text) in enumerate(docs)
        if (lead := _lead(text, embedder))
    ]
    return articles, [cid for cid, text in docs if _lead(text, embedder)]


def _lead(text: str, embedder: Embedder) -> str:
    """The first passage of `text` as the pipeline cuts it ("" when it has none)."""
    chunks = chunk_text(
        text, embedder.count_tokens, target=IndexConfig().passage_tokens, limit=embedder.max_tokens
    )
    return chunks[0].text if chunks else ""


def run_duc(embedder: Embedder) -> None:
    clusters = [json.loads(line) for line in DUC.read_text().splitlines() if line.strip()]
    tune, held = clusters[:TUNE_CLUSTERS], clusters[TUNE_CLUSTERS:]
    tune_articles, tune_truth = duc_articles(tune, embedder)
    print(f"tune: {len(tune)} clusters, {len(tune_articles)} documents")
    results = []
    for cosine, overlap in itertools.product(COSINES, OVERLAPS):
        settings = replace(StorySettings(), min_cosine=cosine, min_overlap=overlap)
        stories, _ = ingest_stories(tune_articles, embedder, settings)
        pairs = pair_counts(tune_truth, stories)
        results.append((pairs, cosine, overlap))
        print(
            f"  cosine {cosine:.2f} overlap {overlap:.2f}: {pairs.row()}"
            f"  stories {len(set(stories))}"
        )
    # Precision first: a wrong "also reported by" misleads, a missed one only omits.
    chosen = max(results, key=lambda r: (r[0].precision >= 0.95, r[0].f1))
    print(f"chosen on the tune half: cosine {chosen[1]}, overlap {chosen[2]} ({chosen[0].row()})")
    settings = replace(StorySettings(), min_cosine=chosen[1], min_overlap=chosen[2])
    for name, part in (("held-out 13 clusters", held), ("all 25 clusters", clusters)):
        articles, truth = duc_articles(part, embedder)
        stories, _ = ingest_stories(articles, embedder, settings)
        print(
            f"{name}: {pair_counts(truth, stories).row()}; {len(set(stories))} stories from "
            f"{len(articles)} documents in {len(part)} clusters"
        )
    default = StorySettings()
    articles, truth = duc_articles(held, embedder)
    stories, _ = ingest_stories(articles, embedder, default)
    print(
        f"held-out with the shipped defaults (cosine {default.min_cosine}, overlap "
        f"{default.min_overlap}): {pair_counts(truth, stories).row()}"
    )


# -- the scale corpus -----------------------------------------------------------------


def scale_articles(embedder: Embedder, pages: int | None) -> list[tuple[str, Article]]:
    """(id, article cut to its lead passage) of the newest `pages` pages (None: all),
    oldest first (undated last), then by id."""
    with gzip.open(SCALE, "rt") as handle:
        ids = [json.loads(line)["id"] for line in handle]
    with gzip.open(SCALE, "rt") as handle:
        read = list(read_jsonl(handle, origin="scale"))
    dated = [(i, a) for i, a in zip(ids, read, strict=True) if isinstance(a, Article)]
    # Newest first, as warm caches are filled; stable, so ties keep file order.
    dated.sort(key=lambda pair: pair[1].published or "0000", reverse=True)
    out = []
    for page_id, item in dated[:pages] if pages else dated:
        lead = _lead(item.text, embedder)
        if lead:
            out.append((page_id, replace(item, text=lead)))
    out.sort(key=lambda pair: (pair[1].published or "9999", int(pair[0].split("-")[1])))
    return out


def _check(a: Article, b: Article) -> str:
    text = "\x00".join([a.title, a.text, b.title, b.text])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _candidate_pairs(
    articles: list[tuple[str, Article]], embedder: Embedder, window: int
) -> list[tuple[int, int, float]]:
    """Every pair published within `window` days whose lead cosine is >= SAMPLE_FLOOR."""
    vectors = embedder.encode([a.text for _, a in articles])
    days = np.array(
        [date.fromisoformat(a.published).toordinal() if a.published else 0 for _, a in articles]
    )
    pairs = []
    for i in range(len(articles)):
        sims = vectors[i + 1 :] @ vectors[i]
        near = np.abs(days[i + 1 :] - days[i]) <= window
        for j in np.nonzero((sims >= SAMPLE_FLOOR) & near)[0]:
            pairs.append((i, i + 1 + int(j), float(sims[j])))
    return pairs


def _band(cosine: float) -> int:
    return next(b for b in range(len(BANDS) - 1) if BANDS[b] <= cosine < BANDS[b + 1])


def run_sample(embedder: Embedder, per_band: int, pages: int | None) -> None:
    """Print a stratified sample of candidate pairs for labelling (ids, cosine, texts)."""
    articles = scale_articles(embedder, pages)
    pairs = _candidate_pairs(articles, embedder, StorySettings().window_days)
    rng = random.Random(1)
    for band in range(len(BANDS) - 1):
        members = [p for p in pairs if _band(p[2]) == band]
        print(f"## band {BANDS[band]}-{BANDS[band + 1]}: {len(members)} pairs")
        for i, j, cosine in rng.sample(members, min(per_band, len(members))):
            (id_a, a), (id_b, b) = articles[i], articles[j]
            print(
                json.dumps(
                    {"a": id_a, "b": id_b, "cosine": round(cosine, 3), "check": _check(a, b)}
                )
            )
            for page_id, art in ((id_a, a), (id_b, b)):
                print(
                    f"   {page_id} {art.published} {art.source} | {art.title} | {art.text[:300]!r}"
                )


def _label_pairs(
    articles: list[tuple[str, Article]], labels: list[dict], stories: list[int], pairs, window: int
) -> tuple[Pairs, Pairs]:
    """(weighted by band, unweighted) pair counts of `stories` on `labels`."""
    index_of = {page_id: n for n, (page_id, _) in enumerate(articles)}
    band_size = [sum(1 for p in pairs if _band(p[2]) == b) for b in range(len(BANDS) - 1)]
    sampled = [0] * (len(BANDS) - 1)
    for label in labels:
        sampled[_band(label["cosine"])] += 1
    weighted = [0.0, 0.0, 0.0]
    raw = [0, 0, 0]
    for label in labels:
        i, j = index_of[label["a"]], index_of[label["b"]]
        if _check(articles[i][1], articles[j][1]) != label["check"]:
            raise SystemExit(f"{LABELS}: the texts of {label['a']}/{label['b']} changed")
        band = _band(label["cosine"])
        weight = band_size[band] / sampled[band]
        grouped, same = stories[i] == stories[j], label["same"]
        for counts, w in ((weighted, weight), (raw, 1)):
            counts[0] += w * (same and grouped)
            counts[1] += w * (grouped and not same)
            counts[2] += w * (same and not grouped)
    return Pairs(*weighted), Pairs(*raw)


def run_scale(embedder: Embedder, pages: int | None, sweep: bool) -> None:
    articles = scale_articles(embedder, pages)
    settings = StorySettings()
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    pairs = _candidate_pairs(articles, embedder, settings.window_days)
    # Labels alternate between the tune half (even lines) and the held-out half (odd).
    halves = {"tune": labels[0::2], "held-out": labels[1::2], "all": labels}
    if sweep:
        # A coarser grid than DUC's: one ingest of the corpus takes a minute or two.
        for cosine, overlap in itertools.product((0.5, 0.6, 0.7), (0.15, 0.2, 0.3)):
            tried = replace(settings, min_cosine=cosine, min_overlap=overlap)
            stories, _ = ingest_stories([a for _, a in articles], embedder, tried)
            weighted, raw = _label_pairs(articles, halves["tune"], stories, pairs, 3)
            print(
                f"  cosine {cosine:.2f} overlap {overlap:.2f}: tune labels {weighted.row()}"
                f" (unweighted {raw.row()}); stories {len(set(stories))}"
            )
        return
    stories, seconds = ingest_stories([a for _, a in articles], embedder, settings)
    _, plain_seconds = ingest_stories([a for _, a in articles], embedder, None)
    multi = sum(1 for s in set(stories) if stories.count(s) > 1)
    print(
        f"scale corpus: {len(articles)} articles (leads) -> {len(set(stories))} stories, "
        f"{multi} of them with more than one article; ingest {seconds:.1f} s with grouping, "
        f"{plain_seconds:.1f} s without (vectors cached: the difference is grouping's cost)"
    )
    print(
        f"candidate pairs (cosine >= {SAMPLE_FLOOR}, within {settings.window_days} days): "
        f"{len(pairs)}; labelled {len(labels)}"
    )
    for name, part in halves.items():
        weighted, raw = _label_pairs(articles, part, stories, pairs, settings.window_days)
        print(f"  {name} labels ({len(part)}): {weighted.row()} weighted by band;")
        print(f"  {' ' * len(name)}   as sampled: {raw.row()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("duc", "scale", "sample"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsdesk-stories"))
    parser.add_argument("--pages", type=int, help="scale: only the N oldest pages")
    parser.add_argument("--per-band", type=int, default=20, help="sample: pairs per band")
    parser.add_argument("--sweep", action="store_true", help="scale: every setting, tune labels")
    args = parser.parse_args()
    if not DUC.exists() or not SCALE.exists():
        print(f"missing {SHARED} (the evaluation sets)", file=sys.stderr)
        return 1
    embedder = CachedEmbedder(load_embedder(IndexConfig().model), args.cache)
    try:
        if args.what == "duc":
            run_duc(embedder)
        elif args.what == "scale":
            run_scale(embedder, args.pages, args.sweep)
        else:
            run_sample(embedder, args.per_band, args.pages)
    finally:
        embedder.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
