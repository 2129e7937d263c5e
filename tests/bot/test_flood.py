"""bot.flood: rates per user and per channel, repeats, one polite refusal, bounded engine."""

from __future__ import annotations

import asyncio

from bot.flood import FloodGuard, FloodSettings, Verdict


class Clock:
    """A clock the test moves (starts far from 0: discord.py reads 0 as "now")."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _guard(clock: Clock, **settings: float) -> FloodGuard:
    return FloodGuard(FloodSettings(**settings), clock=clock)  # type: ignore[arg-type]


def test_a_user_over_the_rate_is_told_once_then_dropped_quietly() -> None:
    clock = Clock()
    guard = _guard(clock, user_questions=3, per_seconds=60)
    verdicts = [guard.check(1, 10, f"question {i}?", unprompted=False) for i in range(6)]
    assert verdicts == [Verdict.ANSWER] * 3 + [Verdict.SLOW_DOWN] + [Verdict.QUIET] * 2
    assert 0 < guard.retry_after(1) <= 60
    clock.now += 61
    assert guard.check(1, 10, "question 7?", unprompted=False) is Verdict.ANSWER


def test_users_have_their_own_rates() -> None:
    guard = _guard(Clock(), user_questions=1)
    assert guard.check(1, 10, "a?", unprompted=False) is Verdict.ANSWER
    assert guard.check(1, 10, "b?", unprompted=False) is Verdict.SLOW_DOWN
    assert guard.check(2, 10, "b?", unprompted=False) is Verdict.ANSWER


def test_the_same_question_twice_is_dropped_within_the_window() -> None:
    clock = Clock()
    guard = _guard(clock, repeat_seconds=30)
    assert guard.check(1, 10, "Who won the vote?", unprompted=False) is Verdict.ANSWER
    assert guard.check(1, 10, "who won  the vote", unprompted=False) is Verdict.REPEAT
    assert guard.check(2, 10, "Who won the vote?", unprompted=False) is Verdict.ANSWER
    clock.now += 31
    assert guard.check(1, 10, "Who won the vote?", unprompted=False) is Verdict.ANSWER


def test_unprompted_questions_are_bounded_per_channel_and_never_told_off() -> None:
    guard = _guard(Clock(), channel_questions=4, user_questions=100)
    verdicts = [guard.check(u, 10, f"chat line {u}?", unprompted=True) for u in range(10)]
    assert verdicts.count(Verdict.ANSWER) == 4
    assert set(verdicts[4:]) == {Verdict.QUIET}
    assert guard.check(99, 11, "another channel?", unprompted=True) is Verdict.ANSWER


def test_memory_stays_bounded_as_users_come_and_go() -> None:
    clock = Clock()
    guard = _guard(clock, per_seconds=10, repeat_seconds=10)
    for user in range(1000):
        guard.check(user, user, f"q{user}?", unprompted=True)
    clock.now += 11
    guard.check(5000, 1, "q?", unprompted=False)
    assert len(guard._users) == 1 and len(guard._channels) == 0 and len(guard._recent) == 1


async def test_one_user_has_one_question_with_the_engine_and_others_are_not_starved() -> None:
    guard = FloodGuard(FloodSettings(engine_calls=2))
    running: list[int] = []
    peak: dict[int, int] = {}
    order: list[int] = []

    async def ask(user: int, seconds: float) -> None:
        async with guard.slot(user):
            running.append(user)
            peak[user] = max(peak.get(user, 0), running.count(user))
            await asyncio.sleep(seconds)
            running.remove(user)
            order.append(user)

    flood = [asyncio.create_task(ask(1, 0.02)) for _ in range(10)]
    await asyncio.sleep(0.001)
    other = asyncio.create_task(ask(2, 0.0))
    await asyncio.gather(*flood, other)
    assert peak == {1: 1, 2: 1}
    assert order.index(2) <= 1  # answered after at most one of the flooder's questions
