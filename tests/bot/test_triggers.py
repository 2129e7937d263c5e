"""bot.triggers: which messages count as questions, and mention stripping."""

from __future__ import annotations

import pytest

from bot.triggers import looks_like_question, question_text


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


def test_question_text_keeps_only_the_words() -> None:
    assert question_text("<@42> what about <@7>?") == "what about ?"
    assert question_text("hey <@!42>   who won?") == "hey who won?"
    assert question_text("<@42>") == ""
    assert question_text("<@&99> who won?") == "who won?"
    # Channel links, slash-command links, custom emoji, timestamps, @everyone/@here.
    text = (
        "@everyone <#123> who won </ask:55> the vote <:pog:987> <a:wave:1> <t:1700000000:R> @here?"
    )
    assert question_text(text) == "who won the vote ?"
    # What only looks like markup stays: an e-mail address, an HTML-ish tag.
    assert question_text("did bob@here.com reply <b>?") == "did bob@here.com reply <b>?"


def test_mentions_tells_a_named_mention_from_a_reply_ping() -> None:
    from bot.triggers import mentions

    assert mentions("<@42> who won?", 42)
    assert mentions("hey <@!42>", 42)
    assert not mentions("thanks!", 42)
    assert not mentions("<@7> who won?", 42)
    assert mentions("<@&99> who won?", 42, 99)  # the bot's own role
    assert not mentions("<@&98> who won?", 42, 99)
    assert not mentions("<@&42> who won?", 42)  # a role is not the user of the same number
