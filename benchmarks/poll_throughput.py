"""Poll throughput: the scale corpus served as a loopback news site, read by polling.

Each page of `../shared/eval/scale/news_pages_2022.jsonl.gz` becomes an HTML article
page on a server at 127.0.0.1; RSS feeds of at most 1,000 entries list them (a feed
entry carries a teaser only, so every page is fetched and read by trafilatura, as a
real outlet's feed would make it). The feeds are added as sources and polled once,
with the real default model; the same passages are then encoded by the raw model in
the same run, so the ratio means the same on a busy or an idle machine.

    .venv/bin/python benchmarks/poll_throughput.py --limit 500

Host pacing is off (`host_interval_s = 0`): the site is our own loopback server, and
one request a second to it would measure the pause, not the pipeline.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SCALE = REPO.parent / "shared" / "eval" / "scale" / "news_pages_2022.jsonl.gz"
FEED_SIZE = 1_000  # entries per feed: the most a poll reads of one feed


def _page(doc: dict[str, str]) -> bytes:
    paragraphs = "".join(
        f"<p>{html.escape(part.strip())}</p>" for part in doc["text"].split("\n\n") if part.strip()
    )
    title = html.escape(doc.get("title") or "")
    meta = f'<meta property="og:site_name" content="{html.escape(doc.get("source") or "")}">'
    if doc.get("published"):
        meta += f'<meta property="article:published_time" content="{doc["published"]}">'
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{meta}</head><body>"
        f"<nav>Home | World | Business</nav><article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Copyright</footer></body></html>"
    ).encode()


def _feed(name: str, entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(title)}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{html.escape(teaser)}</description></item>"
        for title, link, teaser in entries
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>'
        f"<link>http://127.0.0.1/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=4790, help="pages to serve (max 4790)")
    parser.add_argument("--parallel", type=int, default=4, help="[sources] parallel_fetches")
    parser.add_argument(
        "--encode-sample",
        type=int,
        default=0,
        help="time the raw encode on this many passages drawn at random (0: all of them); "
        "the ratio then compares seconds per passage",
    )
    args = parser.parse_args()
    if not SCALE.exists():
        print(f"missing {SCALE}", file=sys.stderr)
        return 1

    from index.config import IndexConfig, SourcesConfig
    from index.engine import NewsIndex
    from index.models.embedders import load_embedder
    from tests.support.web import Reply, WebServer

    with gzip.open(SCALE, "rt") as handle:
        docs = [json.loads(line) for _, line in zip(range(args.limit), handle, strict=False)]
    embedder = load_embedder(IndexConfig().model)
    embedder.encode(["warm up"])
    sources = SourcesConfig(
        allow_private_addresses=True, host_interval_s=0.0, parallel_fetches=args.parallel
    )
    load_before = os.getloadavg()
    with WebServer() as web, tempfile.TemporaryDirectory() as tmp:
        entries = []
        for number, doc in enumerate(docs):
            web.route(f"/a/{number}", Reply(_page(doc)))
            entries.append((doc.get("title") or "", web.url(f"/a/{number}"), doc["text"][:200]))
        feeds = []
        for start in range(0, len(entries), FEED_SIZE):
            path = f"/feed/{start // FEED_SIZE}.xml"
            body = _feed(f"Bench {start // FEED_SIZE}", entries[start : start + FEED_SIZE])
            web.route(path, Reply(body, content_type="application/rss+xml"))
            feeds.append(web.url(path))
        path = Path(tmp) / "index"
        with NewsIndex.open(path, IndexConfig(path=str(path)), embedder, sources=sources) as news:
            for url in feeds:
                news.add_source(url)
            start_s = time.perf_counter()
            results = news.poll()
            poll_s = time.perf_counter() - start_s
            passages = [p.text for p in news.all_passages()]
        load_during = os.getloadavg()
        sample = passages
        if 0 < args.encode_sample < len(passages):
            sample = random.Random(7).sample(passages, args.encode_sample)
        start_s = time.perf_counter()
        embedder.encode(sample)
        # The raw encode of every passage, estimated from the sample when there is one.
        encode_s = (time.perf_counter() - start_s) * len(passages) / len(sample)
    load_after = os.getloadavg()

    added = sum(len(r.added) for r in results)
    problems = [p for r in results for p in r.problems]
    errors = [r.error for r in results if r.error]
    print(
        f"pages served: {len(docs)} in {len(feeds)} feeds; articles added: {added}; "
        f"passages: {len(passages)}; entries not read: {len(problems)}; feed errors: {len(errors)}"
    )
    for line in (problems + errors)[:5]:
        print(f"  {line}")
    print(
        f"poll: {poll_s:.1f} s = {added / poll_s:.2f} pages/s, "
        f"{len(passages) / poll_s:.1f} passages/s (fetch, trafilatura, chunk, embed, commit)"
    )
    how = f" (timed on {len(sample)} of them)" if len(sample) < len(passages) else ""
    print(
        f"raw model encode of the same passages{how}: {encode_s:.1f} s = "
        f"{len(passages) / encode_s:.1f} passages/s; pipeline/raw time ratio "
        f"{poll_s / encode_s:.2f}"
    )
    print(
        f"machine: {os.cpu_count()} cores; load average (1 min) before {load_before[0]:.2f}, "
        f"after the poll {load_during[0]:.2f}, after the raw encode {load_after[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
