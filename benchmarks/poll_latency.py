"""Answer latency while a poll reads new pages, against the same index idle, same run.

    .venv/bin/python benchmarks/poll_latency.py [--seed 200] [--poll 200] [--questions 60]

The real default model. `--seed` pages of the scale corpus are ingested first; then
questions (headlines of those pages, reworded as questions) are timed with nothing
else running; then `--poll` more pages are served as an RSS feed on 127.0.0.1 and
polled in a thread while the same questions are asked again, `--gap` seconds apart
(as people ask: a gapless loop would take a core from the poll). Polling fetches, reads
and embeds outside every lock a question takes; only the batch commits (milliseconds)
are serialised, so the two distributions should be close: what is left is the two
cores shared between the poll's embedding and the question's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.poll_throughput import SCALE, _feed, _page  # noqa: E402
from index.config import IndexConfig, SourcesConfig  # noqa: E402
from index.engine import NewsIndex  # noqa: E402
from index.records import Article  # noqa: E402
from tests.support.web import Reply, WebServer  # noqa: E402


def _docs(count: int) -> list[dict[str, str]]:
    out = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc.get("title") and len(doc.get("text", "")) > 500:
                out.append(doc)
            if len(out) == count:
                break
    return out


def _ask(
    index: NewsIndex, questions: list[str], keep_going: threading.Event | None, gap_s: float
) -> list[float]:
    """Time the questions once, or round and round while `keep_going` is set, `gap_s`
    apart: people ask now and then, and a loop of questions with no gap would take a
    whole core from the poll it is measured against."""
    out: list[float] = []
    i = 0
    while (keep_going.is_set() or i < len(questions)) if keep_going else i < len(questions):
        started = time.perf_counter()
        index.answer(questions[i % len(questions)])
        out.append(1000 * (time.perf_counter() - started))
        i += 1
        time.sleep(gap_s)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=200, help="pages ingested before timing")
    parser.add_argument("--poll", type=int, default=200, help="pages the timed poll reads")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between questions")
    args = parser.parse_args()

    docs = _docs(args.seed + args.poll)
    seed, polled = docs[: args.seed], docs[args.seed :]
    questions = [f"What happened: {d['title']}?" for d in seed[: args.questions]]
    sources = SourcesConfig(allow_private_addresses=True, host_interval_s=0.0)
    with tempfile.TemporaryDirectory() as tmp, WebServer() as web:
        index = NewsIndex.open(tmp, IndexConfig(path=tmp), sources=sources)
        with index:
            index.ingest_articles(
                Article(d["title"], d["text"], d.get("source", ""), d.get("url", "")) for d in seed
            )
            for i, doc in enumerate(polled):
                web.route(f"/p/{i}", Reply(_page(doc)))
            entries = [(d["title"], web.url(f"/p/{i}"), "") for i, d in enumerate(polled)]
            web.route("/feed", Reply(_feed("bench", entries), content_type="application/rss+xml"))
            index.add_source(web.url("/feed"))

            _ask(index, questions[:5], None, 0.0)  # warm: the vectors and the model are loaded
            idle = _ask(index, questions, None, args.gap)

            running = threading.Event()
            running.set()
            took: list[float] = []

            def poll() -> None:
                started = time.perf_counter()
                [result] = index.poll()
                took.append(time.perf_counter() - started)
                assert not result.error, result.error
                running.clear()

            thread = threading.Thread(target=poll)
            thread.start()
            busy = _ask(index, questions, running, args.gap)
            thread.join()
            stats = index.stats()

    print(
        f"index: {stats.articles} articles, {stats.passages} passages; the poll read "
        f"{len(polled)} pages in {took[0]:.1f} s"
    )
    for label, values in (("idle", idle), ("during poll", busy)):
        print(
            f"{label:>12}: {len(values):4d} questions, p50 {statistics.median(values):6.1f} ms, "
            f"p95 {float(np.percentile(values, 95)):6.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
