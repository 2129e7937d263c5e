"""Start-up failures: each is one line that says what to do, and never shows the token."""

from __future__ import annotations

import logging
import sys
from types import SimpleNamespace

import aiohttp
import discord
import pytest

from bot.__main__ import _one_line_reconnects, _scrub, startup_error
from index.errors import StoreError

TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def _closed(code: int) -> discord.ConnectionClosed:
    socket = SimpleNamespace(close_code=code)
    return discord.ConnectionClosed(socket, shard_id=None, code=code)  # type: ignore[arg-type]


def _http(status: int, text: str) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="Error")
    return discord.HTTPException(response, {"message": text, "code": 0})  # type: ignore[arg-type]


def _connector_error() -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(host="discord.com", port=443, ssl=True)
    return aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_closed(4004), "(4004): authentication failed"),
        (_closed(4013), "(4013): invalid intents"),
        (_closed(4014), "(4014): disallowed intents"),
        (_closed(4999), "(4999)"),
        (discord.LoginFailure("Improper token has been passed."), "rejected DISCORD_TOKEN"),
        (discord.PrivilegedIntentsRequired(None), "Message Content intent"),
        (_connector_error(), "cannot reach Discord"),
        (OSError(101, "Network is unreachable"), "cannot reach Discord"),
        (TimeoutError(), "cannot reach Discord"),
        (_http(502, "Bad Gateway"), "refused the connection (502)"),
        (StoreError("index at /srv/x is unusable"), "index at /srv/x is unusable"),
        (RuntimeError(f"boom with {TOKEN} inside"), "unexpected error: RuntimeError"),
    ],
)
def test_each_start_up_failure_is_one_line_without_the_token(
    error: BaseException, expected: str
) -> None:
    line = _scrub(startup_error(error), TOKEN)
    assert expected in line
    assert "\n" not in line and TOKEN not in line
    assert "Traceback" not in line


def test_a_token_shaped_string_is_masked_even_when_it_is_not_the_configured_token() -> None:
    assert "[token]" in _scrub(f"error near {TOKEN}", "")
    assert TOKEN[:20] not in _scrub(f"error near {TOKEN}", "")


def test_reconnect_attempts_log_one_line_not_a_traceback() -> None:
    try:
        raise aiohttp.ClientConnectionError("Cannot connect to host gateway.discord.gg:443")
    except aiohttp.ClientConnectionError:
        record = logging.LogRecord(
            "discord.client",
            logging.ERROR,
            __file__,
            1,
            "Attempting a reconnect in %.2fs",
            (1.5,),
            sys.exc_info(),
        )
    assert _one_line_reconnects(record)
    assert record.exc_info is None
    message = record.getMessage()
    assert message.startswith("Attempting a reconnect in 1.50s after ClientConnectionError")
    assert "\n" not in logging.Formatter().format(record)
