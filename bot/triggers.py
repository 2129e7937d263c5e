"""Decide which Discord messages are questions for the bot. Pure functions."""

from __future__ import annotations

import re

QUESTION_WORDS = frozenset(
    "who whom whose what when where why how which "
    "is are was were do does did can could will would should has have had "
    "tell explain".split()
)
_MENTION = re.compile(r"<@([!&]?)(\d+)>")  # a user, or with "&" a role
# Everything Discord renders as a pill or an image rather than words: mentions of users,
# roles and channels, slash-command links, custom emoji, timestamps, @everyone/@here.
# None of it is part of a question, and left in it lowers the answer's confidence
# (measured: 89% to 38% for one question with two user mentions and an emoji).
_NOT_WORDS = re.compile(
    r"<@[!&]?\d+>|<#\d+>|</[^\s<>:]+:\d+>|<a?:\w+:\d+>|<t:-?\d+(?::[a-zA-Z])?>|(?<![\w.])@(?:everyone|here)\b"
)
_FIRST_WORD = re.compile(r"[a-z]+")


def question_text(content: str) -> str:
    """Return `content` without mentions, channel links, custom emoji, timestamps and
    @everyone/@here, whitespace collapsed: the words of the question."""
    text = content
    while True:  # removing one can expose the next: "@everyone@everyone"
        cleaner = _NOT_WORDS.sub(" ", text)
        if cleaner == text:
            return " ".join(text.split())
        text = cleaner


def mentions(content: str, user_id: int, role_id: int | None = None) -> bool:
    """True when `content` itself mentions `user_id`, or the bot's own role `role_id`
    (which Discord's autocomplete offers under the same name), not just a reply that
    pings it."""
    return any(_is_me(m, user_id, role_id) for m in _MENTION.finditer(content))


def _is_me(mention: re.Match[str], user_id: int, role_id: int | None) -> bool:
    kind, number = mention.group(1), int(mention.group(2))
    return number == role_id if kind == "&" else number == user_id


def looks_like_question(content: str) -> bool:
    """True when a "?" is among the last three characters ("really?!", "(when?)", trailing
    space ignored) or the text starts with a question word.

    Used only where the bot answers unprompted, so a false positive costs an
    engine call, never a reply: those are sent only when the engine answers.
    """
    text = content.strip()
    if not text:
        return False
    if "?" in text[-3:]:
        return True
    first = _FIRST_WORD.match(text.lower())
    return first is not None and first.group(0) in QUESTION_WORDS
