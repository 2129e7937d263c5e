"""Records the engine reads, stores and returns. All are frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article as read from an input, before it is stored.

    `source`, `url` and `published` (ISO date, YYYY-MM-DD) are empty when the
    input does not give them: the engine never invents them.
    """

    title: str
    text: str
    source: str = ""
    url: str = ""
    published: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input (a file, a line, a URL): worth a one-line warning,
    while the rest is still read."""

    where: str  # the file, "file:line" or URL; "" when the message names it
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Passage:
    """A stored passage with the metadata of its article."""

    id: int
    article_id: int
    position: int
    text: str
    title: str
    source: str
    url: str
    published: str
    # The day newsdesk read the article: places an undated article in a "last N days"
    # window; never shown as its date.
    ingested: str = ""


@dataclass(frozen=True)
class Hit:
    """A ranked passage with its fused score and the scores it came from."""

    passage: Passage
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    also_in: tuple[str, ...] = ()  # other outlets that carry the same text


@dataclass(frozen=True)
class Answer:
    """What the engine replies to a question.

    When `abstained` is true, `hit` may still hold the closest passage, to be
    shown only as "not an answer".
    """

    question: str
    abstained: bool
    confidence: float
    hit: Hit | None
    highlight: tuple[int, int] | None = None  # char span of the answer sentence in the passage
    hits: tuple[Hit, ...] = field(default=(), repr=False)
    # The other outlets of the answer's story (not its own), most articles first.
    also_reported_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stats:
    """Size and freshness of an index."""

    articles: int
    passages: int
    newest: str
    sources: int


@dataclass(frozen=True)
class PruneReport:
    """What a prune removed, and the index directory's size on disk before and after."""

    articles: int
    passages: int
    # Articles dated (undated: read) before this day (YYYY-MM-DD) were removed; "" when
    # retention is off and nothing was.
    cutoff: str
    bytes_before: int
    bytes_after: int
    vacuumed: bool = False  # the database was rewritten to give the freed space back


@dataclass(frozen=True)
class Source:
    """A numbered source of a summary: citation [number] points here."""

    number: int
    title: str
    source: str
    url: str
    published: str


@dataclass(frozen=True)
class FeedSource:
    """A feed or article page the index follows (`Source` is a summary's citation).

    Times are UTC ISO 8601 to the second ("" when it never happened). `failures`
    counts consecutive failed polls; a failing source is polled later and later
    (backoff) but never dropped.
    """

    url: str
    kind: str  # "auto" until the first successful fetch says "feed" or "page"
    title: str
    every_s: int  # seconds between polls while it succeeds
    added_at: str
    next_poll_at: str = ""
    last_polled_at: str = ""
    last_success_at: str = ""
    last_error: str = ""
    failures: int = 0
    articles: int = 0  # articles this source added or updated, all polls together
    failure_announced: bool = False  # its failing was reported; reset when it succeeds


@dataclass(frozen=True)
class PolledArticle:
    """An article a poll stored: what an announcement of a new story needs."""

    article_id: int
    title: str
    url: str


@dataclass(frozen=True)
class PollResult:
    """What polling one source did.

    `backlog` is true for a source's first successful poll: what it added was already
    published when the source was added, not news to announce. `error` is the one-line
    reason the source failed ("" when it did not); `problems` are one-line reasons
    single entries could not be read (the others were).
    """

    url: str
    title: str = ""
    added: tuple[PolledArticle, ...] = ()
    updated: tuple[PolledArticle, ...] = ()  # stored before, text changed since
    backlog: bool = False
    error: str = ""
    not_modified: bool = False  # the server answered 304: nothing changed
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class SummaryLine:
    """One sentence of a summary and the number of the source it comes from."""

    text: str
    citation: int


@dataclass(frozen=True)
class Summary:
    """An extractive multi-document summary with citations.

    `lines` is empty when too little is known about the topic; `articles` counts
    the articles that were read for it.
    """

    topic: str
    lines: tuple[SummaryLine, ...]
    sources: tuple[Source, ...]
    articles: int

    @property
    def text(self) -> str:
        """The summary as prose with [n] citation markers."""
        return " ".join(f"{line.text} [{line.citation}]" for line in self.lines)


@dataclass(frozen=True)
class Topic:
    """A group of articles on one story, with what a listing needs to show it."""

    label: str  # the most central headline, or distinctive keywords when titles are missing
    article_ids: tuple[int, ...]  # most central first
    passage_ids: tuple[int, ...]
    outlets: int  # distinct non-empty sources
    newest: str  # latest non-empty published date, or ""
    keywords: tuple[str, ...]
    stories: int = 0  # distinct stories among the articles: reports of one event count once

    @property
    def articles(self) -> int:
        """Number of articles in the topic."""
        return len(self.article_ids)


@dataclass(frozen=True)
class StoryLine:
    """One story (an event as reported by one or more outlets) as `latest` lists it.

    Headline, link, outlet and date are those of its newest article with a headline
    (the newest article when none has one); empty where unknown.
    """

    story_id: int
    headline: str
    url: str
    outlet: str
    published: str
    also_reported_by: tuple[str, ...]  # the other outlets, most articles first
    articles: int


@dataclass(frozen=True)
class DigestStory:
    """One main story of a digest: its lead sentence and where it comes from.

    Headline, link, outlet and date are those of the article the sentence was taken
    from (the newest article with a headline when no article has a usable sentence,
    and then `sentence` is ""); empty where unknown.
    """

    story_id: int
    headline: str
    sentence: str
    url: str
    outlet: str
    published: str
    also_reported_by: tuple[str, ...]  # the other outlets, most articles first
    articles: int  # the story's articles in the window


@dataclass(frozen=True)
class Digest:
    """The main stories of a window, largest first: "the news" in a few lines."""

    stories: tuple[DigestStory, ...]
    since: str  # ISO days of the window, "" when open
    until: str
