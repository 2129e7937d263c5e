"""The loopback fake Discord works with the real discord.py client."""

from __future__ import annotations

import asyncio
import logging

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import FakeDiscord, running_bot


class EchoBot(commands.Bot):
    """Replies "echo: <content>" to every message and has a deferred /echo command."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0)
        self.sync_guild: int | None = None

    async def setup_hook(self) -> None:
        @app_commands.command()
        async def echo(interaction: discord.Interaction, text: str) -> None:
            """Echo text back."""
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"echo: {text}")

        self.tree.add_command(echo)
        if self.sync_guild is not None:
            guild = discord.Object(self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        await message.reply(f"echo: {message.content}", mention_author=False)


@pytest.fixture
async def server():
    async with FakeDiscord() as fake:
        yield fake


async def test_bot_connects_and_gets_ready(server: FakeDiscord) -> None:
    bot = EchoBot()
    async with running_bot(server, bot):
        assert bot.user is not None
        assert str(bot.user.id) == server.bot_id
        assert bot.application_id == int(server.app_id)
        guild = bot.get_guild(int(server.guild_id))
        assert guild is not None
        assert isinstance(guild.get_channel(int(server.channel_id)), discord.TextChannel)
    identify = next(f for f in server.gateway_frames if f["op"] == 2)
    assert identify["d"]["token"] == server.token
    assert identify["d"]["intents"] & discord.Intents.message_content.flag
    assert discord.http.Route.BASE == "https://discord.com/api/v10"  # restored
    await server.wait_until(lambda: server.gateway_closes)
    assert server.gateway_closes == [4000]  # what bot.close() sends: see test_bot_main


async def test_replies_to_a_message(server: FakeDiscord) -> None:
    async with running_bot(server, EchoBot()):
        sent = await server.send_message_create("hello there")
        request = await server.wait_for_request("POST", rf"/channels/{server.channel_id}/messages")
    assert request.json["content"] == "echo: hello there"
    assert str(request.json["message_reference"]["message_id"]) == sent["id"]
    assert request.headers["Authorization"] == f"Bot {server.token}"


async def test_slash_command_defer_then_followup(server: FakeDiscord) -> None:
    async with running_bot(server, EchoBot()):
        interaction = await server.send_interaction("echo", {"text": "hi"})
        callback = await server.wait_for_request(
            "POST", rf"/interactions/{interaction['id']}/[^/]+/callback"
        )
        followup = await server.wait_for_request("POST", rf"/webhooks/{server.app_id}/[^/]+")
    assert callback.json["type"] == 5
    assert "Authorization" not in callback.headers
    assert followup.path.endswith(interaction["token"])
    assert followup.json["content"] == "echo: hi"


async def test_sync_to_guild_puts_commands(server: FakeDiscord) -> None:
    bot = EchoBot()
    bot.sync_guild = int(server.guild_id)
    async with running_bot(server, bot):
        request = await server.wait_for_request(
            "PUT", rf"/applications/{server.app_id}/guilds/{server.guild_id}/commands"
        )
    assert [c["name"] for c in request.json] == ["echo"]


async def test_client_retries_after_429(
    server: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    path = rf"/channels/{server.channel_id}/messages"
    server.fail_next("POST", path, status=429, retry_after=0.05)
    with caplog.at_level(logging.WARNING, logger="discord.http"):
        async with running_bot(server, EchoBot()):
            await server.send_message_create("again")
            ok = await server.wait_for_request("POST", path, where=lambda r: r.status == 200)
    statuses = [r.status for r in server.find_requests("POST", path)]
    assert statuses == [429, 200]
    assert ok.json["content"] == "echo: again"
    assert "rate limited" in caplog.text


async def test_429_without_via_is_not_retried(server: FakeDiscord) -> None:
    """Shows why the fake sends `Via`: discord.py treats a bare 429 as a proxy's."""
    path = rf"/channels/{server.channel_id}/messages"
    server.fail_next("POST", path, status=429, via=False)
    async with running_bot(server, EchoBot()) as bot:
        channel = bot.get_channel(int(server.channel_id))
        with pytest.raises(discord.HTTPException) as info:
            await channel.send("x")
    assert info.value.status == 429


async def test_resumes_after_dropped_socket(server: FakeDiscord) -> None:
    async with running_bot(server, EchoBot()):
        await server.drop_gateway(4000)
        await server.wait_until(lambda: server.resume_count == 1)
        await server.send_message_create("after resume")
        request = await server.wait_for_request("POST", r"/channels/\d+/messages")
    resume = next(f for f in server.gateway_frames if f["op"] == 6)
    assert resume["d"]["session_id"] == server.session_id
    assert server.identify_count == 1
    assert request.json["content"] == "echo: after resume"


async def test_bad_token_fails_start(server: FakeDiscord) -> None:
    server.token = "other-token"
    bot = EchoBot()
    with server.patch_client(), pytest.raises(discord.LoginFailure):
        try:
            await asyncio.wait_for(bot.start("wrong"), 5)
        finally:
            await bot.close()
