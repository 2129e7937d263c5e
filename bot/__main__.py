"""`python -m bot [--config PATH]`: run the newsdesk Discord bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

import discord

from bot.client import NewsBot
from index.config import Config, discord_token, load_config
from index.errors import NewsdeskError

if TYPE_CHECKING:
    from bot.client import Engine
    from index.engine import NewsIndex

    def _news_index_is_an_engine(index: NewsIndex) -> Engine:
        return index  # the type checker proves NewsIndex satisfies the bot's Engine


log = logging.getLogger("bot")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "--config", metavar="PATH", help="TOML config file (default: ./config.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "--sync", action="store_true", help="register the slash commands globally at start"
    )
    return parser.parse_args(argv)


async def _run(config: Config, token: str) -> None:
    from index.engine import NewsIndex  # imported late: loading the model stack is slow

    engine = await asyncio.to_thread(NewsIndex.open, config.index.path, config.index)
    try:
        async with NewsBot(engine, config.discord) as bot:
            _close_on_signals(bot)
            await bot.start(token)
    finally:
        engine.close()


def _close_on_signals(bot: NewsBot) -> None:
    """Make Ctrl-C and SIGTERM (systemd, `docker stop`) close the bot cleanly; a second
    signal cancels outright.

    Closing rather than cancelling the main task also works when the signal lands
    while discord.py connects: Python 3.11's `asyncio.wait_for` can swallow a
    cancellation then, and the bot would keep running.
    """
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    closing: list[asyncio.Task[None]] = []

    def stop() -> None:
        if closing and main_task is not None:
            main_task.cancel()
            return
        log.info("stopping")
        closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows event loops lack signal handlers
            loop.add_signal_handler(sig, stop)


def main(argv: list[str] | None = None) -> int:
    """`python -m bot`: read the config, then `run` it; return the process exit code."""
    args = _parse_args(argv)
    discord.utils.setup_logging(level=logging.DEBUG if args.verbose else logging.INFO)
    try:
        config = load_config(args.config)
    except NewsdeskError as exc:
        return _fail(str(exc))
    if args.sync:
        config = replace(config, discord=replace(config.discord, sync_global=True))
    return run(config)


def run(config: Config) -> int:
    """Run the bot until a signal stops it; return the exit code (also for `newsdesk run`).

    A startup problem (token, index, Discord login) is one line on stderr and
    exit code 1, not a traceback.
    """
    try:
        token = discord_token()
        asyncio.run(_run(config, token))
    except NewsdeskError as exc:
        return _fail(str(exc))
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN: copy the bot token from the developer portal")
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "enable the Message Content intent for this bot in the Discord developer portal"
        )
    except KeyboardInterrupt:
        pass
    log.info("stopped")
    return 0


def _fail(message: str) -> int:
    print(f"newsdesk: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
