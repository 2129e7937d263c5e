"""Property tests of the triggers over arbitrary messages: the bot never answers a bot,
itself or a system message, and no mention or emoji syntax survives into a question."""

from __future__ import annotations

import re
from types import SimpleNamespace
from unittest.mock import Mock

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cogs.ask import USER_MESSAGES, Ask
from bot.triggers import question_text
from index.config import DiscordConfig

BOT_ID, ROLE_ID, CHANNEL_ID = 1000, 2000, 3000
MESSAGE_TYPES = list(discord.MessageType)

markup = st.sampled_from(
    [
        f"<@{BOT_ID}>",
        f"<@!{BOT_ID}>",
        f"<@&{ROLE_ID}>",
        "<@42>",
        "<@&7>",
        "<#99>",
        "<:pog:123>",
        "<a:wave:5>",
        "<t:1700000000:R>",
        "</ask:77>",
        "@everyone",
        "@here",
        "?",
        "who",
        "what",
        "\u200b",
        "\u202e",
        "**",
        "[x](https://e.example)",
        " ",
    ]
)
content = st.lists(st.one_of(markup, st.text(max_size=20)), max_size=12).map("".join)


def _cog(answer_channels: tuple[int, ...] = (CHANNEL_ID,)) -> Ask:
    me = SimpleNamespace(id=BOT_ID, bot=True)
    settings_ = DiscordConfig(answer_channels=answer_channels)
    return Ask(SimpleNamespace(user=me, engine=None, settings=settings_))  # type: ignore[arg-type]


def _message(
    text: str,
    *,
    author_id: int,
    author_bot: bool,
    kind: discord.MessageType,
    in_guild: bool,
    mentions_bot: bool,
) -> Mock:
    message = Mock(spec=discord.Message)
    message.content = text
    message.type = kind
    message.author = SimpleNamespace(id=author_id, bot=author_bot)
    role = SimpleNamespace(id=ROLE_ID)
    message.guild = SimpleNamespace(self_role=role) if in_guild else None
    message.mentions = [SimpleNamespace(id=BOT_ID)] if mentions_bot else []
    message.role_mentions = []
    message.channel = SimpleNamespace(id=CHANNEL_ID, parent_id=None)
    return message


@settings(max_examples=200, deadline=None)
@given(
    text=content,
    author_id=st.sampled_from([BOT_ID, 1, 2]),
    author_bot=st.booleans(),
    kind=st.sampled_from(MESSAGE_TYPES),
    in_guild=st.booleans(),
    mentions_bot=st.booleans(),
)
def test_never_answers_a_bot_itself_or_a_system_message(
    text: str,
    author_id: int,
    author_bot: bool,
    kind: discord.MessageType,
    in_guild: bool,
    mentions_bot: bool,
) -> None:
    message = _message(
        text,
        author_id=author_id,
        author_bot=author_bot,
        kind=kind,
        in_guild=in_guild,
        mentions_bot=mentions_bot,
    )
    trigger = _cog()._trigger(message)
    if author_bot or author_id == BOT_ID or kind not in USER_MESSAGES:
        assert trigger is None
    if trigger == "dm":
        assert not in_guild


_PILL = re.compile(r"<@[!&]?\d+>|<#\d+>|<a?:\w+:\d+>|<t:-?\d+(?::\w)?>|</[^\s<>:]+:\d+>")


@settings(max_examples=300, deadline=None)
@given(text=content)
def test_no_pill_or_everyone_survives_into_a_question(text: str) -> None:
    question = question_text(text)
    assert not _PILL.search(question)
    assert not re.search(r"(?<![\w.])@(everyone|here)\b", question)
    assert question == question.strip() and "  " not in question


@pytest.mark.fuzz_long
@settings(max_examples=20_000, deadline=None)
@given(text=content)
def test_no_pill_survives_long_run(text: str) -> None:
    test_no_pill_or_everyone_survives_into_a_question.hypothesis.inner_test(text)  # type: ignore[attr-defined]
