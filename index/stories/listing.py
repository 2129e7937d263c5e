"""Stories as people see them: one line per story, and the other outlets that carry it.

Pure functions over the rows `Store.story_members` reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from index.records import StoryLine
from index.storage.story_rows import MemberRow


def other_outlets(members: Iterable[MemberRow], own: str) -> tuple[str, ...]:
    """The distinct non-empty outlets of `members` other than `own`: most articles in the
    story first, then the newest, then by name (outlet names compared exactly, bar
    surrounding space and case)."""
    mine = own.strip().casefold()
    count: dict[str, int] = {}
    newest: dict[str, str] = {}
    shown: dict[str, str] = {}
    for member in members:
        name = member.source.strip()
        folded = name.casefold()
        if not name or folded == mine:
            continue
        shown.setdefault(folded, name)
        count[folded] = count.get(folded, 0) + 1
        newest[folded] = max(newest.get(folded, ""), member.day)
    order = sorted(count, key=lambda o: (-count[o], _descending(newest[o]), o))
    return tuple(shown[o] for o in order)


def story_lines(members: Sequence[MemberRow], count: int) -> list[StoryLine]:
    """The `count` newest stories among `members`, one line each, newest first (by
    their newest article's day, then the article read last)."""
    stories: dict[int, list[MemberRow]] = {}
    for member in members:
        stories.setdefault(member.story_id, []).append(member)
    order = sorted(
        stories,
        key=lambda s: max((m.day, m.article_id) for m in stories[s]),
        reverse=True,
    )
    return [_line(story_id, stories[story_id]) for story_id in order[:count]]


def _line(story_id: int, members: list[MemberRow]) -> StoryLine:
    newest_first = sorted(members, key=lambda m: (m.day, m.article_id), reverse=True)
    head = next((m for m in newest_first if m.title.strip()), newest_first[0])
    return StoryLine(
        story_id=story_id,
        headline=head.title.strip(),
        url=head.url,
        outlet=head.source.strip(),
        published=head.published,
        also_reported_by=other_outlets(members, head.source),
        articles=len(members),
    )


def _descending(day: str) -> tuple[int, ...]:
    """Sort key putting later ISO days first (and "" last)."""
    return tuple(-ord(c) for c in day) if day else (1,)
