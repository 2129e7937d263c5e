"""`python -m bot`: startup errors are one line and exit 1; a good start runs until a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

# Runs `python -m bot` pointed at the fake Discord given by argv[1] (its port), with the
# tests' "hash-N" models registered (only the test process has them otherwise).
PATCHED_MAIN = """
import sys, discord, yarl
port = sys.argv.pop(1)
discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/")
from tests.support.embedders import register_hash_embedders
register_hash_embedders()
from bot.__main__ import main
sys.exit(main())
"""


def _env(token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    if token is not None:
        env["DISCORD_TOKEN"] = token
    return env


def _write_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "config.toml"
    index = (tmp_path / "index").as_posix()
    config.write_text(f'[index]\npath = "{index}"\nmodel = "hash-64"\n{extra}', encoding="utf-8")
    return config


def _run_main(args: list[str], token: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=_env(token),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("flags", [[], ["--sync"]], ids=["plain", "sync"])
def test_missing_token_is_one_line(tmp_path: Path, flags: list[str]) -> None:
    # With --sync too: argparse accepts it (an unknown flag would be a usage error, exit 2).
    result = _run_main(["--config", str(_write_config(tmp_path)), *flags], token=None)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "newsdesk: DISCORD_TOKEN is not set: export the bot token from the Discord developer portal"
    ]


def test_bad_config_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[discord]\nanswer_channels = 5\n", encoding="utf-8")
    result = _run_main(["--config", str(config)], token="x")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("newsdesk: config: [discord] answer_channels must be")


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


async def _start(server: FakeDiscord, config: Path, token: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", PATCHED_MAIN, str(server.port), "--config", str(config),
        cwd=ROOT, env=_env(token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_rejected_token_is_one_line(server: FakeDiscord, tmp_path: Path) -> None:
    process = await _start(server, _write_config(tmp_path), token="wrong-token")
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    text = stderr.decode()
    assert "Traceback" not in text
    assert text.strip().splitlines()[-1] == (
        "newsdesk: Discord rejected DISCORD_TOKEN: copy the bot token from the developer portal"
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
async def test_runs_syncs_to_dev_guild_and_stops_cleanly_on_signal(
    server: FakeDiscord, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    config = _write_config(tmp_path, f"[discord]\ndev_guild_id = {server.guild_id}\n")
    process = await _start(server, config, token=server.token)
    try:
        await server.wait_for_request(
            "PUT", rf"/applications/\d+/guilds/{server.guild_id}/commands", timeout=60
        )
        await server.wait_for_identify(timeout=30)
    finally:
        process.send_signal(stop_signal)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert (tmp_path / "index").is_dir()  # the engine opened its index
    assert not server.find_requests("PUT", r"/applications/\d+/commands")  # no global sync
    await server.wait_until(lambda: server.gateway_closes)
    # The bot closed its socket itself (discord.py sends 4000, keeping the session
    # resumable); a killed process would leave an abnormal closure (1006).
    assert server.gateway_closes == [4000]


def test_run_is_callable_in_process_for_newsdesk_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import run
    from index.config import Config

    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert run(Config()) == 1
    assert capsys.readouterr().err.startswith("newsdesk: DISCORD_TOKEN is not set")


@pytest.mark.parametrize(
    ("flags", "discord_table", "sync_global"),
    [
        ([], "", False),
        (["--sync"], "", True),
        ([], "[discord]\nsync_global = true\n", True),
    ],
    ids=["default", "flag", "config"],
)
def test_sync_flag_or_config_key_asks_for_a_global_sync(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    flags: list[str],
    discord_table: str,
    sync_global: bool,
) -> None:
    import bot.__main__ as bot_main
    from index.config import Config

    ran: list[Config] = []
    monkeypatch.setattr(bot_main, "run", lambda config: ran.append(config) or 0)
    monkeypatch.setattr(bot_main.discord.utils, "setup_logging", lambda **_: None)
    config = _write_config(tmp_path, discord_table)
    assert bot_main.main(["--config", str(config), *flags]) == 0
    (chosen,) = ran
    assert chosen.discord.sync_global is sync_global
    assert chosen.index.model == "hash-64"  # the rest of the config is kept
