"""`python -m bot` against a hostile or absent Discord: every start-up failure is one line,
exit status 1, and never shows the token; SIGTERM finishes the answers in flight."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.bot.test_main import ROOT, _env, _write_config
from tests.fake_discord import FakeDiscord

# A token-shaped secret: base64 id, timestamp part, HMAC.
TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"

# Like test_main's PATCHED_MAIN, plus "hash-slow": a fake embedder that takes 0.4 s per
# question, so that answers are in flight when the signal comes.
SCRIPT = """
import sys, time, discord, yarl
port = sys.argv.pop(1)
discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/")
from index.models.embedders import register_embedder
from tests.support.embedders import HashEmbedder, register_hash_embedders

class Slow(HashEmbedder):
    def encode(self, texts, *, progress=False):
        if len(texts) == 1:
            time.sleep(0.4)
        return super().encode(texts, progress=progress)

register_hash_embedders()
register_embedder("hash-slow", lambda: Slow(64))
from bot.__main__ import main
sys.exit(main())
"""


class ClosingDiscord(FakeDiscord):
    """A fake Discord whose gateway closes the connection with `code` at IDENTIFY."""

    def __init__(self, code: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.close_code = code

    async def _on_frame(self, gateway: Any, frame: dict[str, Any]) -> None:
        if frame.get("op") == 2:
            await gateway.ws.close(code=self.close_code)
            return
        await super()._on_frame(gateway, frame)


async def _run(port: int, config: Path, *, timeout: float = 60) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, str(port), "--config", str(config),
        cwd=ROOT, env=_env(TOKEN),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, (out + err).decode()


def _failure_line(output: str) -> str:
    """The one line the failure printed; nothing else may look like an error."""
    assert "Traceback" not in output, output
    assert TOKEN not in output and TOKEN.split(".")[0] not in output
    lines = [line for line in output.splitlines() if line.startswith("newsdesk:")]
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (4004, "Discord closed the gateway connection (4004): authentication failed"),
        (4013, "Discord closed the gateway connection (4013): invalid intents"),
        (4014, "enable the Message Content intent"),
    ],
)
async def test_a_gateway_close_at_start_is_one_line(
    tmp_path: Path, code: int, expected: str
) -> None:
    async with ClosingDiscord(code, token=TOKEN) as server:
        status, output = await _run(server.port, _write_config(tmp_path))
    assert status == 1
    assert expected in _failure_line(output)


async def test_an_unreachable_discord_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status, output = await _run(port, _write_config(tmp_path))
    assert status == 1
    assert "cannot reach Discord" in _failure_line(output)


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as fake:
        yield fake


async def test_sigterm_finishes_the_answers_in_flight(server: FakeDiscord, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[index]\npath = "{(tmp_path / "index").as_posix()}"\nmodel = "hash-slow"\n',
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, str(server.port), "--config", str(config),
        cwd=ROOT, env=_env(TOKEN),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await server.wait_for_identify(timeout=60)
        await asyncio.sleep(0.5)  # GUILD_CREATE handled
        for i in range(8):
            user = server.make_user(f"reader{i}")
            await server.send_message_create(
                f"<@{server.bot_id}> what happened in town number {i}?",
                author=user, mentions=[server.bot_user], channel_id=server.other_channel_id,
            )  # fmt: skip
        await server.wait_for_request("POST", r"/channels/\d+/messages", timeout=20)
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    replies = [r for r in server.messages_sent() if r.status == 200]
    assert len(replies) == 8, err.decode()
    assert "Traceback" not in err.decode()
