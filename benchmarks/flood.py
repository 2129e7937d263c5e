"""A second user's answer latency while a first user floods the bot, against idle.

    python benchmarks/flood.py [--hash] [--rounds 10]

The real discord.py client runs NewsBot against the loopback fake Discord
(tests/fake_discord.py) over the sample page (the default model, or the fake
embedder with --hash). In each round the flooder sends 30 different questions
within ~10 s by mention while the other user asks one; the latency is from the
other user's message reaching the bot to its reply reaching the fake Discord.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.client import NewsBot  # noqa: E402
from index.config import DiscordConfig, IndexConfig  # noqa: E402
from index.engine import NewsIndex  # noqa: E402
from tests.fake_discord import FakeDiscord, running_bot  # noqa: E402

QUESTION = "Who runs the aid distribution points in Gaza?"


async def _ask_and_time(server: FakeDiscord, user: dict, text: str) -> float:
    start = time.perf_counter()
    message = await server.send_message_create(
        f"<@{server.bot_id}> {text}", author=user, mentions=[server.bot_user],
        channel_id=server.other_channel_id,
    )  # fmt: skip
    await server.wait_for_request(
        "POST", r"/channels/\d+/messages", timeout=60,
        where=lambda r: str((r.json.get("message_reference") or {}).get("message_id"))
        == message["id"],
    )  # fmt: skip
    return (time.perf_counter() - start) * 1000


async def _flood(server: FakeDiscord, user: dict, count: int, seconds: float) -> None:
    for i in range(count):
        await server.send_message_create(
            f"<@{server.bot_id}> what is the latest on story number {i}?", author=user,
            mentions=[server.bot_user], channel_id=server.other_channel_id,
        )  # fmt: skip
        await asyncio.sleep(seconds / count)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hash", action="store_true", help="the fake embedder, not the model")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        embedder = None
        config = IndexConfig(path=tmp)
        if args.hash:
            from tests.support.embedders import HashEmbedder

            embedder, config = HashEmbedder(256), IndexConfig(path=tmp, model="hash-256")
        engine = NewsIndex.open(tmp, config, embedder)
        engine.ingest_paths([ROOT / "samples" / "seed_news_page.txt"])
        engine.answer("warm up")
        idle, flooded = [], []
        for _ in range(args.rounds):
            async with FakeDiscord() as server:
                bot = NewsBot(engine, DiscordConfig(), guild_ready_timeout=0)
                async with running_bot(server, bot):
                    await _ask_and_time(server, server.make_user("first"), QUESTION)  # warm up
                    idle.append(await _ask_and_time(server, server.make_user("calm"), QUESTION))
                    flooder = server.make_user("flooder")
                    flood = asyncio.create_task(_flood(server, flooder, 30, 10.0))
                    await asyncio.sleep(1.0)  # the flood is under way
                    flooded.append(await _ask_and_time(server, server.make_user("other"), QUESTION))
                    flood.cancel()
        engine.close()
    print(f"rounds: {args.rounds}; model: {'hash' if args.hash else config.model}")
    for name, values in (("idle", idle), ("during a flood", flooded)):
        print(
            f"second user's answer latency {name}: p50 {statistics.median(values):.0f} ms, "
            f"max {max(values):.0f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
