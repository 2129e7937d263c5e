"""Posts per story across outlets: news arrives through real feeds and the alert tick;
how many posts does one event get, and does a follow get its event and no other?

    .venv/bin/python benchmarks/alerts.py scale [--json]   # labelled same-event pairs
    .venv/bin/python benchmarks/alerts.py duc [--json]     # DUC 2004 follows

`scale`: the pages of the 80 hand-labelled candidate pairs of `story_labels.jsonl` (47
the same event told twice, mostly by two outlets; 33 two different events; see
benchmarks/stories.py), 147 pages, served as each outlet's RSS feed in publication
order over `--rounds` polls, all routed to one feed channel. A same-event pair should
make one post (the second report edits it), a different-events pair two.

`duc`: every DUC cluster is one news topic told by ten newswire documents over days or
weeks (a story family, not one event: see "Stories" in the README). Each document is
given to one of three outlets' feeds (a seeded shuffled order, dealt round-robin). One
follow per cluster, phrased from the first 8 words of its first human summary (as
`newsdesk eval-follow`), watches its own channel: it should get its cluster and no other.

Feeds are served on 127.0.0.1 and grow over `--rounds` polls, each followed by one alert
tick whose posts and edits are "sent" as the bot would.

The real default model reads everything (vectors cached under --cache), through the
same poller, story grouping and ledger as the bot. DUC documents have no titles: each
feed item's title is its first sentence, as a wire headline would be.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from embedding_cache import CachedEmbedder  # noqa: E402

from index.config import AlertsConfig, IndexConfig, SourcesConfig  # noqa: E402
from index.engine import NewsIndex  # noqa: E402
from index.evaluation.follow import follow_text  # noqa: E402
from index.evaluation.rouge import load_clusters  # noqa: E402
from index.models.embedders import load_embedder  # noqa: E402
from index.text.sentences import split_sentences  # noqa: E402
from tests.support.web import Reply, WebServer  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
DUC = SHARED / "duc2004" / "clusters_dev.jsonl"
SCALE = SHARED / "scale" / "news_pages_2022.jsonl.gz"
LABELS = ROOT / "benchmarks" / "story_labels.jsonl"
GUILD = 1
FEED_CHANNEL = 1
T0 = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)
RSS = "application/rss+xml"


@dataclass(frozen=True)
class Report:
    """One article as an outlet's feed lists it; `key` names it in the results."""

    key: str
    outlet: str
    title: str
    text: str
    published: str = ""


def _feed(outlet: str, items: Sequence[tuple[Report, str]]) -> bytes:
    parts = "".join(
        f"<item><title>{escape(r.title)}</title><link>{escape(link)}</link><guid>{escape(link)}"
        f"</guid>{f'<pubDate>{_rfc822(r.published)}</pubDate>' if r.published else ''}"
        f"<content:encoded><![CDATA[{r.text.replace(']]>', ']] >')}]]></content:encoded></item>"
        for r, link in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(outlet)}</title><link>http://127.0.0.1/</link>"
        f"<description>news</description>{parts}</channel></rss>"
    ).encode()


def _rfc822(day: str) -> str:
    return datetime.fromisoformat(day).strftime("%a, %d %b %Y 12:00:00 GMT")


def _page(report: Report) -> bytes:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in report.text.split("\n") if p.strip())
    return (
        f"<!DOCTYPE html><html><head><title>{escape(report.title)}</title>"
        f'<meta property="og:site_name" content="{escape(report.outlet)}"></head>'
        f"<body><article><h1>{escape(report.title)}</h1>{paragraphs}</article></body></html>"
    ).encode()


def run_desk(
    reports: Sequence[Report],
    follows: dict[str, int],
    rounds: int,
    cache: Path,
) -> dict[int, list[set[str]]]:
    """Serve `reports` (in this order) as their outlets' feeds over `rounds` polls into a
    fresh index with a feed channel of every outlet and these follows (topic -> channel);
    each channel's posts, as the keys of the reports each post covers at the end."""
    embedder = CachedEmbedder(load_embedder("bundled:all-mpnet-base-v2"), cache)
    outlets = list(dict.fromkeys(r.outlet for r in reports))
    feed_path = {o: f"/feed/{n}" for n, o in enumerate(outlets)}
    key_of: dict[str, str] = {}
    post_keys: dict[int, set[str]] = {}
    posts: dict[int, list[set[str]]] = defaultdict(list)
    with WebServer() as web, tempfile.TemporaryDirectory() as tmp:
        index = NewsIndex.open(
            Path(tmp),
            IndexConfig(path=tmp),
            embedder,
            sources=SourcesConfig(allow_private_addresses=True, host_interval_s=0.0),
            alerts=AlertsConfig(posts_per_hour=100_000, max_per_server=100_000),
        )
        for outlet in outlets:
            web.route(feed_path[outlet], Reply(_feed(outlet, []), content_type=RSS))
            index.add_source(web.url(feed_path[outlet]))
        index.poll(now=T0)  # each source's first poll: an empty backlog
        for outlet in outlets:
            index.route_feed(GUILD, FEED_CHANNEL, web.url(feed_path[outlet]), now=T0)
        for topic, channel in follows.items():
            index.follow(GUILD, channel, topic, now=T0)
        listed: dict[str, list[tuple[Report, str]]] = defaultdict(list)
        per_round = -(-len(reports) // rounds)
        message = 0
        for number in range(rounds):
            now = T0 + timedelta(minutes=10 * (number + 1))
            for report in reports[number * per_round : (number + 1) * per_round]:
                path = f"/article/{len(key_of)}"
                web.route(path, Reply(_page(report)))  # read when the feed's text is short
                key_of[web.url(path)] = report.key
                listed[report.outlet].append((report, web.url(path)))
            for outlet in outlets:
                feed = _feed(outlet, listed[outlet])
                web.route(feed_path[outlet], Reply(feed, content_type=RSS))
            index.poll(force=True, now=now)
            outbox = index.alerts(now)
            for edit in outbox.edits:
                index.alert_edited(edit.post_id)
            for post in outbox.posts:
                message += 1
                index.alert_sent([post.post_id], post.channel_id, message, now)
                post_keys[post.post_id] = set()
                posts[post.channel_id].append(post_keys[post.post_id])
            assert not outbox.batches  # no hourly limit here
            with index._store._read() as db:  # what each post covers now, from the ledger
                for pid, url in db.execute(
                    "SELECT p.id, a.url FROM posts p, json_each(p.articles) j"
                    " JOIN articles a ON a.id = j.value"
                ):
                    if pid in post_keys and url in key_of:
                        post_keys[pid].add(key_of[url])
        index.close()
    embedder.save()
    return posts


def scale(args: argparse.Namespace) -> dict[str, object]:
    """Posts per event on the labelled same-event and different-event pairs."""
    pairs = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    wanted = {p[k] for p in pairs for k in ("a", "b")}
    pages = {}
    with gzip.open(SCALE, "rt", encoding="utf-8") as handle:
        for line in handle:
            page = json.loads(line)
            if page["id"] in wanted:
                pages[page["id"]] = page
    order = sorted(pages.values(), key=lambda p: (p["published"] or "9999", p["id"]))
    reports = [
        Report(p["id"], p["source"] or "unknown", p["title"], p["text"], p["published"])
        for p in order
    ]
    posts = run_desk(reports, {}, args.rounds, Path(args.cache))[FEED_CHANNEL]
    post_of: dict[str, list[int]] = defaultdict(list)
    for number, keys in enumerate(posts):
        for key in keys:
            post_of[key].append(number)
    same = [p for p in pairs if p["same"]]
    different = [p for p in pairs if not p["same"]]

    def posts_for(pair: dict[str, object]) -> int:
        return len(set(post_of[str(pair["a"])]) | set(post_of[str(pair["b"])]))

    two_outlets = [p for p in same if pages[p["a"]]["source"] != pages[p["b"]]["source"]]
    return {
        "pages": len(reports),
        "same_event_pairs": len(same),
        "posts_per_same_event_pair": round(sum(map(posts_for, same)) / len(same), 3),
        "same_event_pairs_in_one_post": sum(posts_for(p) == 1 for p in same),
        "two_outlet_pairs": len(two_outlets),
        "posts_per_two_outlet_pair": round(
            sum(map(posts_for, two_outlets)) / max(1, len(two_outlets)), 3
        ),
        "different_event_pairs": len(different),
        "different_event_pairs_merged": sum(posts_for(p) == 1 for p in different),
        "pages_in_more_than_one_post": sum(len(v) > 1 for v in post_of.values()),
        "posts": len(posts),
    }


def duc(args: argparse.Namespace) -> dict[str, object]:
    """Follows end to end: each cluster's follow gets its cluster, and no other."""
    clusters = load_clusters(args.file)[: args.clusters]
    docs = [(c.cluster_id, n, text) for c in clusters for n, text in enumerate(c.documents)]
    random.Random(args.seed).shuffle(docs)
    outlets = ("Wire A", "Wire B", "Wire C")
    reports = [
        Report(f"{cid}/{n}", outlets[i % 3], _title(text), text)
        for i, (cid, n, text) in enumerate(docs)
    ]
    channel = {c.cluster_id: 100 + i for i, c in enumerate(clusters)}
    follows = {follow_text(c): channel[c.cluster_id] for c in clusters}
    posts = run_desk(reports, follows, args.rounds, Path(args.cache))
    own, other, missed = [], 0, 0
    for cluster in clusters:
        mine = [
            p
            for p in posts[channel[cluster.cluster_id]]
            if any(k.startswith(cluster.cluster_id + "/") for k in p)
        ]
        others = [p for p in posts[channel[cluster.cluster_id]] if p not in mine]
        own.append(len(mine))
        other += len(others)
        missed += not mine
    reached = [n for n in own if n]
    return {
        "follows": len(clusters),
        "follows_missed": missed,
        "posts_per_follow_reached": round(sum(reached) / max(1, len(reached)), 3),
        "posts_of_other_clusters": other,
        "posts_of_own_cluster": sum(own),
    }


def _title(text: str) -> str:
    first = split_sentences(text[:1000])
    return (first[0] if first else text)[:150]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=("scale", "duc"))
    parser.add_argument("--file", default=str(DUC), help="DUC clusters (duc)")
    parser.add_argument("--clusters", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cache", default="/tmp/newsdesk-alerts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = scale(args) if args.set == "scale" else duc(args)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
