"""The `newsdesk` command line: the same engine the bot uses."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from index.alerts.commands import add_parsers as add_alert_parsers
from index.alerts.commands import cmd_digest, cmd_follows
from index.config import Config, load_config
from index.errors import InputError, NewsdeskError
from index.evaluation.commands import cmd_bench, cmd_eval, cmd_eval_follow, cmd_eval_summary
from index.output import answer_json, format_answer, format_summary, format_topics, topics_json

if TYPE_CHECKING:
    from index.engine import NewsIndex

log = logging.getLogger("newsdesk")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description=__doc__)
    parser.add_argument("--config", help="TOML config file (default: ./config.toml if present)")
    parser.add_argument("--index", help="index directory (default: from config, ./newsdesk-data)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest", help="read scraped pages, HTML, RSS/Atom feeds, .jsonl files, or URLs"
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH_OR_URL")
    ingest.add_argument("--source", default="", help="outlet name, when the page does not say")
    ingest.add_argument("--url", default="", help="article link, when the page does not say")
    ingest.add_argument("--published", default="", help="publication date YYYY-MM-DD")

    ask = commands.add_parser("ask", help="answer a question from the news read")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--now", type=date.fromisoformat, help="today's date for time words")

    stats = commands.add_parser("stats", help="what the index holds")
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    prune = commands.add_parser(
        "prune", help="remove articles older than retention_days (or --days) from the index"
    )
    prune.add_argument(
        "--days",
        type=_non_negative_int,
        help="keep articles of the last N days (default: [index] retention_days; 0 keeps all)",
    )
    prune.add_argument(
        "--vacuum",
        action="store_true",
        help="also give the freed space back to the disk (rewrites the whole database)",
    )
    prune.add_argument("--now", type=date.fromisoformat, help="today's date (default: today)")
    prune.add_argument("--json", action="store_true", help="print one JSON object")

    evaluate = commands.add_parser(
        "eval", help="measure answers on a corpus and questions (fresh temporary index)"
    )
    evaluate.add_argument("--corpus", required=True, help="a page (.txt) or a .jsonl corpus")
    evaluate.add_argument("--questions", required=True, help="questions .jsonl with evidence")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument(
        "--cache",
        metavar="DIR",
        help="build the index in DIR and reuse it on later runs (one corpus per DIR; "
        "delete it after changing passage_tokens)",
    )

    summary = commands.add_parser(
        "summary", help="summarize the news about a topic; without one, the main stories"
    )
    summary.add_argument("topic", nargs="?", default="", help="the topic (default: main stories)")
    summary.add_argument("--days", type=_positive_int, help="only articles from the last N days")
    summary.add_argument("--words", type=_positive_int, default=110, help="words, with a topic")
    summary.add_argument("--now", type=date.fromisoformat, help="today's date for --days")
    summary.add_argument("--json", action="store_true", help="print one JSON object")

    topics = commands.add_parser("topics", help="list the main stories")
    topics.add_argument("--days", type=_positive_int, help="only articles from the last N days")
    topics.add_argument("--now", type=date.fromisoformat, help="today's date for --days")
    topics.add_argument("--json", action="store_true", help="print one JSON object")

    latest = commands.add_parser("latest", help="list the newest stories, one line each")
    latest.add_argument("topic", nargs="?", default="", help="only stories about this")
    latest.add_argument("--count", type=_positive_int, default=10, help="how many (default 10)")
    latest.add_argument("--days", type=_positive_int, help="only articles from the last N days")
    latest.add_argument("--now", type=date.fromisoformat, help="today's date for --days")
    latest.add_argument("--json", action="store_true", help="print one JSON object")

    duc = commands.add_parser(
        "eval-summary", help="ROUGE of whole-cluster summaries on DUC 2004 (fresh index each)"
    )
    duc.add_argument("file", help="clusters .jsonl (../shared/eval/duc2004/clusters_dev.jsonl)")
    duc.add_argument("--clusters", type=_positive_int, help="only the first N clusters")
    duc.add_argument("--json", action="store_true", help="print one JSON object")

    follow = commands.add_parser(
        "eval-follow", help="precision and recall of follows on DUC 2004 (one fresh index)"
    )
    follow.add_argument("file", help="clusters .jsonl (../shared/eval/duc2004/clusters_dev.jsonl)")
    follow.add_argument("--clusters", type=_positive_int, help="only the first N clusters")
    follow.add_argument("--json", action="store_true", help="print one JSON object")

    bench = commands.add_parser(
        "bench", help="latency, recall, ingest, disk, RAM and start-up at 10k-1M passages"
    )
    bench.add_argument(
        "--sizes", default="10000,100000", help="passage counts, comma-separated (10000,100000)"
    )
    bench.add_argument("--questions", type=_positive_int, default=100, help="questions timed")
    bench.add_argument(
        "--cache", metavar="DIR", help="built indexes (default: /tmp/newsdesk-bench), reused"
    )
    bench.add_argument(
        "--corpus",
        default="../shared/eval/scale/news_pages_2022.jsonl.gz",
        help="pages .jsonl(.gz) for real passages and questions (default: the scale corpus)",
    )
    bench.add_argument(
        "--embedder",
        choices=("model", "stand-in"),
        default="model",
        help="the configured model (default), or a hashing stand-in for a fast check",
    )
    bench.add_argument("--real", type=_positive_int, default=2000, help="real passages at most")
    bench.add_argument(
        "--sample", type=_positive_int, default=300, help="passages of the ingest sample"
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")

    feeds = commands.add_parser("feeds", help="the feeds and pages the index follows")
    actions = feeds.add_subparsers(dest="action", required=True, metavar="ACTION")
    feeds_add = actions.add_parser("add", help="follow an RSS/Atom feed or an article page")
    feeds_add.add_argument("url")
    feeds_add.add_argument(
        "--every", help="how often to poll it: 90s, 30m, 2h, 1d (default: [sources] poll_minutes)"
    )
    feeds_add.add_argument("--json", action="store_true", help="print one JSON object")
    feeds_list = actions.add_parser("list", help="every source, its health and last error")
    feeds_list.add_argument("--json", action="store_true", help="print one JSON object")
    feeds_remove = actions.add_parser("remove", help="stop following a source (articles stay)")
    feeds_remove.add_argument("url")
    feeds_poll = actions.add_parser("poll", help="poll every due source once, print what it added")
    feeds_poll.add_argument("--all", action="store_true", help="poll every source, due or not")
    feeds_poll.add_argument("--json", action="store_true", help="print one JSON object")

    add_alert_parsers(commands)

    run = commands.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument(
        "--sync",
        action="store_true",
        help="register the slash commands with Discord globally at start "
        "(needed once after they change; the dev guild is always synced)",
    )
    return parser


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {value}")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive whole number, got {value}")
    return number


def _config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if args.index:
        config = replace(config, index=replace(config.index, path=args.index))
    return config


def _open(config: Config) -> NewsIndex:
    from index.engine import NewsIndex

    return NewsIndex.open(
        config.index.path, config.index, sources=config.sources, alerts=config.alerts
    )


def _cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    with _open(config) as index:
        report = index.ingest_paths(
            args.paths,
            source=args.source,
            url=args.url,
            published=args.published,
            progress=sys.stderr.isatty(),
            allow_private=config.sources.allow_private_addresses,
        )
        stats = index.stats()
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(
        f"added {report.articles_added} articles ({report.passages_added} passages), "
        f"updated {report.articles_updated}, unchanged {report.articles_skipped}; "
        f"index: {stats.articles} articles, {stats.passages} passages"
    )
    nothing_read = not (report.articles_added or report.articles_updated or report.articles_skipped)
    return 1 if report.problems and nothing_read else 0


def _cmd_ask(args: argparse.Namespace, config: Config) -> int:
    with _open(config) as index:
        answer = index.answer(args.question, now=args.now or date.today())
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False))
    else:
        print(format_answer(answer, color=sys.stdout.isatty()))
    return 0


def _cmd_stats(args: argparse.Namespace, config: Config) -> int:
    with _open(config) as index:
        stats = index.stats()
    if args.json:
        print(
            json.dumps(
                {
                    "articles": stats.articles,
                    "passages": stats.passages,
                    "newest": stats.newest,
                    "sources": stats.sources,
                }
            )
        )
    else:
        print(
            f"{stats.articles} articles, {stats.passages} passages, {stats.sources} outlets; "
            f"newest article: {stats.newest or 'undated'} ({config.index.path})"
        )
    return 0


def _cmd_prune(args: argparse.Namespace, config: Config) -> int:
    from index.output import format_prune, prune_json

    with _open(config) as index:
        report = index.prune(now=args.now, days=args.days, vacuum=args.vacuum)
    print(json.dumps(prune_json(report)) if args.json else format_prune(report))
    return 0


def _cmd_summary(args: argparse.Namespace, config: Config) -> int:
    if not args.topic.strip():  # the news as stories: the digest the bot posts too
        from index.output import digest_json, format_digest

        with _open(config) as index:
            digest = index.digest(days=args.days, now=args.now or date.today())
        text = format_digest(digest, args.days)
        print(json.dumps(digest_json(digest), ensure_ascii=False) if args.json else text)
        return 0
    with _open(config) as index:
        summary = index.summarize(
            args.topic or None, days=args.days, now=args.now or date.today(), max_words=args.words
        )
    if args.json:
        print(json.dumps(dataclasses.asdict(summary) | {"text": summary.text}, ensure_ascii=False))
    else:
        print(format_summary(summary))
    return 0


def _cmd_topics(args: argparse.Namespace, config: Config) -> int:
    with _open(config) as index:
        found = index.topics(days=args.days, now=args.now or date.today())
    if args.json:
        print(json.dumps(topics_json(found), ensure_ascii=False))
    else:
        print(format_topics(found, args.days))
    return 0


def _cmd_latest(args: argparse.Namespace, config: Config) -> int:
    from index.output import format_latest, latest_json

    with _open(config) as index:
        stories = index.latest(
            args.count, topic=args.topic or None, days=args.days, now=args.now or date.today()
        )
    if args.json:
        print(json.dumps(latest_json(stories), ensure_ascii=False))
    else:
        print(format_latest(stories, args.days))
    return 0


def _cmd_feeds(args: argparse.Namespace, config: Config) -> int:
    from index.output import format_poll, format_sources, poll_json, sources_json
    from index.sources.schedule import parse_interval, show_interval

    every = parse_interval(args.every) if getattr(args, "every", None) else None
    with _open(config) as index:
        if args.action == "add":
            source = index.add_source(args.url, every_minutes=every / 60 if every else None)
            if args.json:
                print(json.dumps(sources_json([source])["sources"][0], ensure_ascii=False))
            else:
                print(
                    f"following {source.url} (every {show_interval(source.every_s)}); "
                    "it is read at the next `newsdesk feeds poll` or by the running bot"
                )
        elif args.action == "list":
            found = index.sources()
            print(json.dumps(sources_json(found)) if args.json else format_sources(found))
        elif args.action == "remove":
            if not index.remove_source(args.url):
                raise InputError(f"not a source: {args.url} (see `newsdesk feeds list`)")
            print(f"no longer following {args.url}; its articles stay in the index")
        else:
            results = index.poll(force=args.all)
            if args.json:
                print(json.dumps(poll_json(results), ensure_ascii=False))
            else:
                print(format_poll(results))
                for result in results:
                    for problem in result.problems:
                        print(f"warning: {problem}", file=sys.stderr)
            return 1 if any(result.error for result in results) else 0
    return 0


def _cmd_run(args: argparse.Namespace, config: Config) -> int:
    # The only import of bot/ from index/: the engine itself never loads Discord.
    from bot.__main__ import run

    if args.sync:
        config = replace(config, discord=replace(config.discord, sync_global=True))
    return run(config)


COMMANDS = {
    "ingest": _cmd_ingest,
    "ask": _cmd_ask,
    "stats": _cmd_stats,
    "prune": _cmd_prune,
    "eval": cmd_eval,
    "summary": _cmd_summary,
    "topics": _cmd_topics,
    "latest": _cmd_latest,
    "eval-summary": cmd_eval_summary,
    "eval-follow": cmd_eval_follow,
    "bench": cmd_bench,
    "run": _cmd_run,
    "feeds": _cmd_feeds,
    "follows": lambda args, config: cmd_follows(args, config, _open),
    "digest": lambda args, config: cmd_digest(args, config, _open),
}


def _escape_unprintable_output() -> None:
    """Text the terminal's encoding cannot show (an article in a Latin-1 or ASCII
    terminal, a lone surrogate an older index stored) prints escaped, not as a
    UnicodeEncodeError traceback halfway through the output."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `newsdesk` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    _escape_unprintable_output()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        config = _config(args)
        return COMMANDS[args.command](args, config)
    except NewsdeskError as exc:
        print(f"newsdesk: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
