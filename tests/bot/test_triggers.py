"""bot.triggers: which messages count as questions, and mention stripping."""

from __future__ import annotations

import pytest

from bot.triggers import looks_like_question, strip_mentions


@pytest.mark.parametrize(
    "text",
    [
        "what did the EU agree",
        "Who met in Alaska?",
        "the summit was when?",
        "  How much will it cost  ",
        "Is Ukraine getting guarantees",
        "really? ",
    ],
)
def test_questions(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    ["lol", "good morning everyone", "", "   ", "whatever, see you tomorrow", "howdy", "ok!"],
)
def test_chit_chat_is_not_a_question(text: str) -> None:
    assert not looks_like_question(text)


def test_strip_mentions_removes_only_the_bot() -> None:
    assert strip_mentions("<@42> what about <@7>?", 42) == "what about <@7>?"
    assert strip_mentions("hey <@!42>   who won?", 42) == "hey who won?"
    assert strip_mentions("<@42>", 42) == ""


def test_mentions_tells_a_named_mention_from_a_reply_ping() -> None:
    from bot.triggers import mentions

    assert mentions("<@42> who won?", 42)
    assert mentions("hey <@!42>", 42)
    assert not mentions("thanks!", 42)
    assert not mentions("<@7> who won?", 42)
    assert mentions("<@&99> who won?", 42, 99)  # the bot's own role
    assert not mentions("<@&98> who won?", 42, 99)
    assert not mentions("<@&42> who won?", 42)  # a role is not the user of the same number
    assert strip_mentions("<@&99> who won?", 42, 99) == "who won?"
    assert strip_mentions("<@&98> who won?", 42, 99) == "<@&98> who won?"
