"""The alert commands of the command line, mirroring the bot's: `newsdesk follows
add|list|remove` and `newsdesk digest` (the schedules, or with --now the digest a
schedule would post now). Server and channel ids are Discord's (Developer Mode, then
"Copy Server ID" / "Copy Channel ID")."""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from index.alerts.records import DigestSchedule, Follow
from index.config import Config
from index.errors import InputError

if TYPE_CHECKING:
    from index.engine import NewsIndex

OpenIndex = Any  # Callable[[Config], NewsIndex]: cli._open, passed in to avoid a cycle


def add_parsers(commands: Any) -> None:
    """Add `follows` and `digest` to the command line's subparsers."""
    follows = commands.add_parser("follows", help="topics servers follow (posted by the bot)")
    actions = follows.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="post new stories about TOPIC in a channel")
    add.add_argument("topic")
    add.add_argument("--server", type=int, required=True, help="the Discord server (guild) id")
    add.add_argument("--channel", type=int, required=True, help="the channel id to post in")
    add.add_argument("--role", type=int, help="a role id each post pings (default: none)")
    add.add_argument("--json", action="store_true", help="print one JSON object")
    listing = actions.add_parser("list", help="every follow (of one server with --server)")
    listing.add_argument("--server", type=int, help="only this server's")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    remove = actions.add_parser("remove", help="stop following TOPIC in a server")
    remove.add_argument("topic")
    remove.add_argument("--server", type=int, required=True, help="the Discord server id")
    remove.add_argument("--channel", type=int, help="only in this channel")

    digest = commands.add_parser(
        "digest", help="the daily digest schedules; --now: the digest they would post now"
    )
    digest.add_argument(
        "--now", action="store_true", help="print the digest that would be posted now"
    )
    digest.add_argument("--topic", default="", help="with --now: only stories about this")
    digest.add_argument("--json", action="store_true", help="print one JSON object")


def _follow_line(follow: Follow) -> str:
    ping = f", pings role {follow.role_id}" if follow.role_id else ""
    where = f"[{follow.guild_id}] #{follow.channel_id}"
    return f"{where}: {follow.topic}{ping} (since {follow.created_at})"


def _schedule_line(schedule: DigestSchedule, timezone: str) -> str:
    about = f" about {schedule.topic}" if schedule.topic else ""
    last = f", last posted {schedule.last_day}" if schedule.last_day else ""
    where = f"[{schedule.guild_id}] #{schedule.channel_id}"
    return f"{where}: daily at {schedule.at} {timezone}{about}{last}"


def cmd_follows(args: argparse.Namespace, config: Config, open_index: OpenIndex) -> int:
    """`newsdesk follows add|list|remove`."""
    index: NewsIndex
    with open_index(config) as index:
        if args.action == "add":
            follow = index.follow(args.server, args.channel, args.topic, role_id=args.role)
            if args.json:
                print(json.dumps(dataclasses.asdict(follow), ensure_ascii=False))
            else:
                print(
                    f"following: {_follow_line(follow)}; new stories are posted by the running bot"
                )
        elif args.action == "list":
            found = index.follows(args.server)
            if args.json:
                print(
                    json.dumps(
                        {"follows": [dataclasses.asdict(f) for f in found]}, ensure_ascii=False
                    )
                )
            else:
                print("\n".join(_follow_line(f) for f in found) or "No follows.")
        else:
            removed = index.unfollow(args.server, args.topic, channel_id=args.channel)
            if not removed:
                raise InputError(f"server {args.server} does not follow {args.topic!r}")
            print(f"no longer following {args.topic!r} ({removed} channel{'s' * (removed > 1)})")
    return 0


def cmd_digest(args: argparse.Namespace, config: Config, open_index: OpenIndex) -> int:
    """`newsdesk digest [--now]`."""
    from index.output import digest_json, format_digest

    timezone = config.alerts.timezone
    index: NewsIndex
    with open_index(config) as index:
        if not args.now:
            schedules = index.digest_schedules()
            if args.json:
                print(json.dumps({"digests": [dataclasses.asdict(s) for s in schedules]}))
            else:
                print(
                    "\n".join(_schedule_line(s, timezone) for s in schedules)
                    or "No digests scheduled."
                )
            return 0
        today = datetime.now(ZoneInfo(timezone)).date()
        # What a schedule posts: the stories of the last day (see Subscriptions._due_digests).
        digest = index.digest(days=1, now=today, topic=args.topic or None)
    print(
        json.dumps(digest_json(digest), ensure_ascii=False)
        if args.json
        else format_digest(digest, 1)
    )
    return 0
