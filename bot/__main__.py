"""`python -m bot [--config PATH]`: run the newsdesk Discord bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

import aiohttp
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

    engine = await asyncio.to_thread(
        lambda: NewsIndex.open(
            config.index.path, config.index, sources=config.sources, alerts=config.alerts
        )
    )
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
        log.info("stopping: finishing the answers in flight")
        closing.append(loop.create_task(bot.drain_and_close()))

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

    Every start-up problem (token, index, Discord unreachable or refusing the login or
    the gateway) is one line on stderr and exit code 1, never a traceback, and never
    shows the token.
    """
    token = ""
    logging.getLogger("discord.client").addFilter(_one_line_reconnects)
    try:
        token = discord_token()
        asyncio.run(_run(config, token))
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        return _fail(_scrub(startup_error(exc), token))
    log.info("stopped")
    return 0


def startup_error(exc: BaseException) -> str:
    """The one line that says what stopped the bot from starting, and what to do."""
    if isinstance(exc, NewsdeskError):
        return str(exc)
    if isinstance(exc, discord.LoginFailure):
        return "Discord rejected DISCORD_TOKEN: copy the bot token from the developer portal"
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return "enable the Message Content intent for this bot in the Discord developer portal"
    if isinstance(exc, discord.ConnectionClosed):
        reason = GATEWAY_CLOSE_REASONS.get(exc.code, exc.reason or "no reason given")
        return f"Discord closed the gateway connection ({exc.code}): {reason}"
    if isinstance(exc, discord.HTTPException):
        return f"Discord refused the connection ({exc.status}): {exc.text or 'no detail'}"
    if isinstance(exc, (aiohttp.ClientError, OSError, TimeoutError, discord.GatewayNotFound)):
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"cannot reach Discord ({detail}): check the network and try again"
    return f"the bot stopped on an unexpected error: {type(exc).__name__}: {exc}"


# Close codes of https://discord.com/developers/docs/topics/opcodes-and-status-codes
GATEWAY_CLOSE_REASONS = {
    4004: "authentication failed: copy the bot token from the developer portal",
    4010: "invalid shard",
    4011: "sharding required: the bot is in too many servers for one connection",
    4012: "invalid API version: upgrade discord.py",
    4013: "invalid intents",
    4014: "disallowed intents: enable the Message Content intent in the developer portal",
}


def _scrub(text: str, token: str) -> str:
    """`text` with the token (and anything shaped like a bot token) masked."""
    if token:
        text = text.replace(token, "[token]")
    return _TOKEN_SHAPE.sub("[token]", " ".join(text.split()))


# A bot token: base64 user id, a dot, a timestamp part, a dot, an HMAC.
_TOKEN_SHAPE = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")


def _one_line_reconnects(record: logging.LogRecord) -> bool:
    """discord.py logs each reconnect attempt with a full traceback: keep its one line
    and the error's name, drop the trace (a network blip is not a bug)."""
    if record.exc_info and record.getMessage().startswith("Attempting a reconnect"):
        exc = record.exc_info[1]
        record.msg = f"{record.getMessage()} after {type(exc).__name__}: {exc}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
    return True


def _fail(message: str) -> int:
    print(f"newsdesk: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
