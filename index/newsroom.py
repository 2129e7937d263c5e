"""What the engine tells about the news as a whole, rather than one question: topic
summaries, topics, the latest stories and the digest (the mixin `Newsroom` of
`NewsIndex`, which holds the store, the retriever and the model profile it reads)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from index.alerts.matching import FollowMatch, match_articles
from index.errors import InputError
from index.models.embedders import Embedder
from index.profiles import ModelProfile
from index.records import Digest, Hit, Passage, StoryLine, Summary, Topic
from index.search.query import Query, clip_question, parse_query
from index.search.retrieve import Retriever
from index.storage.store import Store
from index.summaries.subject import Subject, judge, on_subject
from index.text.dates import window_start

SUMMARY_WORDS = 110
SUMMARY_PASSAGES = 40  # k of a topic summary's search, which returns up to 3k passages
# A summary of "the news" (no topic) reads the newest articles only: the gist of what
# is current, in bounded time however large the index grows.
WHOLE_SUMMARY_ARTICLES = 40


class Newsroom:
    """Summaries, topics, latest stories and the digest over the index's articles."""

    _store: Store
    _retriever: Retriever
    embedder: Embedder
    profile: ModelProfile

    def _until(self, today: date) -> str:
        raise NotImplementedError  # the engine's: the last day an article may be dated

    def summarize(
        self,
        topic: str | None = None,
        *,
        days: int | None = None,
        now: date | None = None,
        max_words: int = SUMMARY_WORDS,
    ) -> Summary:
        """An extractive summary with citations of the news about `topic` (None: everything).

        With `days`, only articles published in the `days` before `now` count.
        The summary has no lines when too little is known about the topic.
        """
        from index.summaries.documents import cite, summary_docs
        from index.summaries.extractive import summarize

        topic = clip_question(topic or "") or None
        today = now or date.today()
        since = window_start(days, today)
        weights: dict[int, float] = {}
        if topic:
            hits, subjects, leads = self._on_subject(topic, today, since)
            weights = {s.article_id: s.cosine for s in subjects}
            # An article's opening states its story; the passages the search found add
            # what it says about the topic further down.
            passages = [leads[a] for a in weights] + [
                h.passage for h in hits if h.passage.article_id in weights and h.passage.position
            ]
        else:
            passages = self._store.passages_since(
                since, until=self._until(today), newest_articles=WHOLE_SUMMARY_ARTICLES
            )
        docs = summary_docs(passages, weights)
        chosen = summarize(docs, max_words=max_words, query=topic) if docs else []
        return cite(topic or "", docs, chosen)

    def _on_subject(
        self, topic: str, today: date, since: str
    ) -> tuple[list[Hit], list[Subject], dict[int, Passage]]:
        """The hybrid search's hits for `topic`, the articles among them whose subject it
        is (title and opening passage; see summaries.subject), best first, and the
        opening passage of each article hit."""
        query = parse_query(topic)
        vector = self._retriever.query_vector(query.text)
        hits = self._retriever.search(
            query, k=SUMMARY_PASSAGES, now=today, since=since, vector=vector
        )
        order = list(dict.fromkeys(h.passage.article_id for h in hits))
        subjects, leads = self._judge(query, vector, order)
        return hits, on_subject(subjects, self.profile.subject), leads

    def follow_matches(self, topic: str, article_ids: Sequence[int]) -> list[FollowMatch]:
        """Whether each of these articles matches a follow of `topic`, how much, and the
        sentence to quote (see alerts.matching), in the order given; articles gone
        meanwhile are left out."""
        query = parse_query(topic)
        vector = self._retriever.query_vector(query.text)
        by_article = self._store.article_passages(article_ids)
        articles = [by_article[a] for a in article_ids if a in by_article]
        vectors = self._store.vectors([p.id for passages in articles for p in passages])
        weights = self._retriever.term_weights(query)
        return match_articles(query, weights, vector, articles, vectors, self.profile.follow)

    def _judge(
        self, query: Query, vector: np.ndarray, article_ids: list[int]
    ) -> tuple[list[Subject], dict[int, Passage]]:
        """How each article's opening stands to the query, in the given order (articles
        gone meanwhile left out), and the openings read."""
        leads = self._store.lead_passages(article_ids)
        found = [leads[a] for a in article_ids if a in leads]
        vectors = self._store.vectors([p.id for p in found])
        weights = self._retriever.term_weights(query)
        return judge(query, weights, vector, found, vectors), leads

    def topics(
        self, *, days: int | None = None, now: date | None = None, max_topics: int = 10
    ) -> list[Topic]:
        """The main stories among the articles (of the last `days` before `now`), largest first."""
        from index.summaries.topics import find_topics

        today = now or date.today()
        passages = self._store.passages_since(window_start(days, today), until=self._until(today))
        stored = self._store.vectors([p.id for p in passages])
        # An article another process replaced between the two reads is left out.
        passages = [p for p in passages if p.id in stored]
        if not passages:
            return []
        matrix = np.vstack([stored[p.id] for p in passages])
        story_of = self._store.stories_of(list(dict.fromkeys(p.article_id for p in passages)))
        return find_topics(
            passages,
            matrix,
            threshold=self.profile.topic_threshold,
            max_topics=max_topics,
            story_of=story_of,
        )

    def latest(
        self,
        count: int = 10,
        *,
        topic: str | None = None,
        days: int | None = None,
        now: date | None = None,
    ) -> list[StoryLine]:
        """The `count` newest stories (articles of the last `days` before `now`; about
        `topic` when given, by the hybrid search), one per story, newest first."""
        from index.stories.reads import latest_stories

        if count < 1:
            raise InputError(f"count must be at least 1, got {count}")
        today = now or date.today()
        since, until = window_start(days, today), self._until(today)
        topic = clip_question(topic or "") or None
        if not topic:
            return latest_stories(self._store, count, since=since, until=until)
        _, subjects, _ = self._on_subject(topic, today, since)
        about = [s.article_id for s in subjects]
        return latest_stories(self._store, count, since=since, until=until, article_ids=about)

    def digest(
        self,
        *,
        days: int | None = None,
        now: date | None = None,
        count: int = 8,
        topic: str | None = None,
    ) -> Digest:
        """The `count` main stories, largest first, each with one lead sentence and its
        source: of the `days` before `now`, or without `days` of the week ending at the
        newest article's publication day (see stories.digest); with `topic`, only
        stories with an article about it (see summaries.subject)."""
        from index.stories.digest import build_digest

        if count < 1 or (days is not None and days < 1):
            raise InputError(f"count and days must be at least 1, got {count} and {days}")
        today = now or date.today()
        since = window_start(days, today) if days is not None else None
        topic = clip_question(topic or "") or None
        among = None
        if topic:
            _, subjects, _ = self._on_subject(topic, today, since or "")
            among = set(self._store.stories_of([s.article_id for s in subjects]).values())
        return build_digest(self._store, count, since=since, until=self._until(today), among=among)
