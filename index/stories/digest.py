"""The digest: the main stories of a window, largest first, each told by one lead sentence
with its source and the other outlets that carry it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from index.records import Digest, DigestStory, Passage
from index.storage.story_rows import MemberRow
from index.stories.listing import other_outlets
from index.summaries.subject import is_roundup
from index.summaries.text import clean_sentence, is_dangling, is_usable, normalize_quotes
from index.text.dates import to_date
from index.text.sentences import split_sentences

DIGEST_DAYS = 7  # without a window: the week ending at the newest article's day
MIN_WORDS = 8  # a lead sentence shorter than this is a caption or a fragment
# Stories ranked per story shown: one with neither a usable sentence nor a headline is
# left out, and the next one takes its place.
_RANKED_PER_SHOWN = 2
_LEADS_AT_ONCE = 8  # lead passages read per query while looking for a sentence


class _DigestReads(Protocol):
    def newest_published(self, until: str) -> str: ...

    def largest_stories(
        self,
        count: int,
        *,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
        among: Collection[int] | None = None,
    ) -> list[int]: ...

    def story_members(
        self,
        story_ids: Sequence[int],
        *,
        since: str = "",
        until: str = "",
        dated_only: bool = False,
    ) -> list[MemberRow]: ...

    def lead_passages(self, article_ids: Iterable[int]) -> dict[int, Passage]: ...


@dataclass(frozen=True)
class _Window:
    since: str  # what is read: articles dated within [since, until]
    until: str
    dated_only: bool  # undated articles are left out
    shown: tuple[str, str]  # what the digest says the window is ("" when open)


def build_digest(
    store: _DigestReads,
    count: int,
    *,
    since: str | None,
    until: str,
    among: Collection[int] | None = None,
) -> Digest:
    """The `count` main stories of articles dated within [since, until] (undated ones
    counting from the day they were read), largest first; only stories in `among`
    when given.

    `since` None: the `DIGEST_DAYS` days ending at the newest publication day on or
    before `until`, counting dated articles only; when no article is dated, every
    article up to `until`.
    """
    window = _window(store, since, until)
    ranked = store.largest_stories(
        count * _RANKED_PER_SHOWN,
        since=window.since,
        until=window.until,
        dated_only=window.dated_only,
        among=among,
    )
    members: dict[int, list[MemberRow]] = {story: [] for story in ranked}
    for row in store.story_members(
        ranked, since=window.since, until=window.until, dated_only=window.dated_only
    ):
        members[row.story_id].append(row)
    stories: list[DigestStory] = []
    for story_id in ranked:
        story = _story(store, story_id, members[story_id]) if members[story_id] else None
        if story is not None:
            stories.append(story)
        if len(stories) == count:
            break
    return Digest(stories=tuple(stories), since=window.shown[0], until=window.shown[1])


def _window(store: _DigestReads, since: str | None, until: str) -> _Window:
    if since is not None:
        return _Window(since, until, dated_only=False, shown=(since, until))
    newest = to_date(store.newest_published(until))
    if newest is None:
        # Nothing dated: every article read so far (future-dated ones are not news yet).
        return _Window("", until, dated_only=False, shown=("", ""))
    first = (newest - timedelta(days=DIGEST_DAYS - 1)).isoformat()
    return _Window(first, newest.isoformat(), dated_only=True, shown=(first, newest.isoformat()))


def _story(store: _DigestReads, story_id: int, members: list[MemberRow]) -> DigestStory | None:
    """The story told by the first usable lead sentence of its articles, newest first;
    by its newest headline alone when none has one; None when it has neither."""
    # A roundup of the day's news ("5 things to know") reports many stories: it neither
    # tells nor counts toward this one.
    members = [m for m in members if not is_roundup(m.title)]
    if not members:
        return None
    newest_first = sorted(members, key=lambda m: (m.day, m.article_id), reverse=True)
    source, sentence = _first_sentence(store, newest_first)
    if source is None:
        source = next((m for m in newest_first if m.title.strip()), None)
        if source is None:
            return None
    return DigestStory(
        story_id=story_id,
        headline=source.title.strip(),
        sentence=sentence,
        url=source.url,
        outlet=source.source.strip(),
        published=source.published,
        also_reported_by=other_outlets(members, source.source),
        articles=len(members),
    )


def _first_sentence(
    store: _DigestReads, newest_first: list[MemberRow]
) -> tuple[MemberRow | None, str]:
    """The first article (in this order) whose lead passage has a usable sentence, and
    that sentence; (None, "") when none has."""
    for start in range(0, len(newest_first), _LEADS_AT_ONCE):
        part = newest_first[start : start + _LEADS_AT_ONCE]
        leads = store.lead_passages([m.article_id for m in part])
        for member in part:
            lead = leads.get(member.article_id)
            sentence = lead_sentence(lead.text) if lead is not None else ""
            if sentence:
                return member, sentence
    return None, ""


def lead_sentence(passage: str) -> str:
    """The first sentence of `passage` that reads as a whole news sentence on its own
    (cleaned of wire typography and datelines); "" when none does."""
    for raw in split_sentences(normalize_quotes(passage)):
        sentence = clean_sentence(raw)
        if is_usable(sentence, MIN_WORDS) and not is_dangling(sentence):
            return sentence
    return ""
