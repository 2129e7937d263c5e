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


@dataclass(frozen=True)
class Stats:
    """Size and freshness of an index."""

    articles: int
    passages: int
    newest: str
    sources: int


@dataclass(frozen=True)
class Source:
    """A numbered source of a summary: citation [number] points here."""

    number: int
    title: str
    source: str
    url: str
    published: str


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

    @property
    def articles(self) -> int:
        """Number of articles in the topic."""
        return len(self.article_ids)
