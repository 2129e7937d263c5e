"""Flood control for questions: per-user and per-channel rates, repeats dropped, and
engine calls bounded so that one user cannot starve the others.

Pure policy with an injectable clock (seconds, never 0: discord.py's Cooldown reads 0
as "now"): the cogs ask `check()` before answering and
hold `slot(user)` while the engine works.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from discord.ext.commands import Cooldown

from index.text.words import normalized


class Verdict(enum.Enum):
    """What to do with one question."""

    ANSWER = "answer"
    REPEAT = "repeat"  # the same question from the same user moments ago: drop silently
    SLOW_DOWN = "slow down"  # over the user's rate: tell them once, politely
    QUIET = "quiet"  # over a rate, and already told (or unprompted): drop silently


@dataclass(frozen=True)
class FloodSettings:
    """Rates are token buckets: `user_questions` per `per_seconds` for each user (mentions,
    /ask, DMs), `channel_questions` per `per_seconds` for questions the bot was not asked
    directly in one answer channel."""

    user_questions: int = 5
    channel_questions: int = 12
    per_seconds: float = 60.0
    repeat_seconds: float = 60.0
    engine_calls: int = 2  # engine calls at once, over all users


class FloodGuard:
    """Decides which questions to answer; limits concurrent engine calls.

    A user has at most one question with the engine at a time (the next waits its
    turn), and at most `engine_calls` questions run at once over all users: a flood
    from one user therefore delays another user by at most one engine call.
    """

    def __init__(
        self, settings: FloodSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings or FloodSettings()
        self._clock = clock
        self._users: dict[int, Cooldown] = {}
        self._channels: dict[int, Cooldown] = {}
        self._told_until: dict[int, float] = {}
        self._recent: dict[tuple[int, str], float] = {}
        self._user_locks: dict[int, asyncio.Lock] = {}
        self._engine: asyncio.Semaphore | None = None

    def check(self, user: int, channel: int, question: str, *, unprompted: bool) -> Verdict:
        """The verdict for `question` from `user` in `channel`; an answered one counts
        against the rates."""
        s, now = self.settings, self._clock()
        self._forget(now)
        key = (user, normalized(question))
        if key in self._recent:
            return Verdict.REPEAT
        if unprompted:
            bucket = self._channels.setdefault(
                channel, Cooldown(s.channel_questions, s.per_seconds)
            )
            if bucket.update_rate_limit(now) is not None:
                return Verdict.QUIET
        bucket = self._users.setdefault(user, Cooldown(s.user_questions, s.per_seconds))
        retry = bucket.update_rate_limit(now)
        if retry is not None:
            if unprompted or self._told_until.get(user, 0.0) > now:
                return Verdict.QUIET
            self._told_until[user] = now + retry
            return Verdict.SLOW_DOWN
        self._recent[key] = now
        return Verdict.ANSWER

    def retry_after(self, user: int) -> float:
        """Seconds until `user` may ask again (0 when they may now)."""
        bucket = self._users.get(user)
        return bucket.get_retry_after(self._clock()) if bucket else 0.0

    @contextlib.asynccontextmanager
    async def slot(self, user: int) -> AsyncIterator[None]:
        """Hold while the engine answers `user`: their turn, then a free engine call."""
        if self._engine is None:  # created inside the running event loop
            self._engine = asyncio.Semaphore(self.settings.engine_calls)
        lock = self._user_locks.setdefault(user, asyncio.Lock())
        async with lock, self._engine:
            yield
        if not lock.locked() and self._user_locks.get(user) is lock:
            del self._user_locks[user]  # bounded memory: only users with questions pending

    def _forget(self, now: float) -> None:
        window = self.settings.repeat_seconds
        for asked in [k for k, t in self._recent.items() if now - t >= window]:
            del self._recent[asked]
        for buckets in (self._users, self._channels):
            # A bucket full again is the same as a new one: bounded memory.
            for key in [k for k, b in buckets.items() if b.get_tokens(now) >= b.rate]:
                del buckets[key]
