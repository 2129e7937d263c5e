"""What the engine reads about stories: an answer's other outlets, the newest stories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from index.records import Hit, StoryLine
from index.storage.story_rows import MemberRow
from index.stories.listing import other_outlets, story_lines

# Stories read per listed one when a topic picks them: the listing needs their other
# articles too, and a story's articles are few.
_MAX_TOPIC_STORIES = 200


class _StoryReads(Protocol):
    def story_of(self, article_id: int) -> int | None: ...

    def stories_of(self, article_ids: Sequence[int]) -> dict[int, int]: ...

    def newest_stories(self, count: int, *, since: str = "", until: str = "") -> list[int]: ...

    def story_members(
        self, story_ids: Sequence[int], *, since: str = "", until: str = ""
    ) -> list[MemberRow]: ...


def answer_outlets(store: _StoryReads, hit: Hit, until: str) -> tuple[str, ...]:
    """The outlets other than the hit's own that reported its story (articles dated by
    `until`), then those that carried the same text (`hit.also_in`)."""
    story = store.story_of(hit.passage.article_id)
    members = store.story_members([story], until=until) if story is not None else []
    outlets = list(other_outlets(members, hit.passage.source))
    own = hit.passage.source.strip().casefold()
    known = {o.casefold() for o in outlets} | {own}
    for outlet in hit.also_in:
        if outlet.strip() and outlet.strip().casefold() not in known:
            known.add(outlet.strip().casefold())
            outlets.append(outlet.strip())
    return tuple(outlets)


def latest_stories(
    store: _StoryReads,
    count: int,
    *,
    since: str = "",
    until: str = "",
    article_ids: Sequence[int] | None = None,
) -> list[StoryLine]:
    """The `count` newest stories with articles dated within [since, until], one each;
    with `article_ids`, only the stories of those articles."""
    if article_ids is None:
        story_ids = store.newest_stories(count, since=since, until=until)
    else:
        stories = store.stories_of(article_ids)
        story_ids = list(dict.fromkeys(stories[a] for a in article_ids if a in stories))
        story_ids = story_ids[:_MAX_TOPIC_STORIES]
    members = store.story_members(story_ids, since=since, until=until)
    return story_lines(members, count)
