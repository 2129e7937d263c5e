"""The engine facade with the fast fake embedder: ingest, reopen, dedupe, crash safety."""

import json
from datetime import date

import numpy as np
import pytest

from index.config import IndexConfig
from index.engine import DB_FILE, VECTORS_FILE, NewsIndex
from index.errors import InputError, StoreError
from index.records import Article, Problem
from index.search.query import MAX_QUESTION_CHARS, clip_question
from index.storage.store import Store
from index.storage.vector_index import VectorIndex
from tests.support.embedders import HashEmbedder


def _open(path, embedder=None):
    return NewsIndex.open(path, IndexConfig(path=str(path)), embedder or HashEmbedder())


def test_ingest_reopen_and_reingest_adds_nothing(tmp_path, sample_page):
    with _open(tmp_path) as index:
        report = index.ingest_paths([sample_page])
        assert report.articles_added == 4 and report.passages_added > 10
        first = index.stats()
    with _open(tmp_path) as index:
        assert index.stats() == first
        again = index.ingest_paths([sample_page])
        assert (again.articles_added, again.passages_added, again.articles_skipped) == (0, 0, 4)
        assert index.stats() == first


def test_reopen_does_not_embed_again(tmp_path, sample_page):
    class Counting(HashEmbedder):
        calls = 0

        def encode(self, texts, *, progress=False):
            Counting.calls += len(texts)
            return super().encode(texts, progress=progress)

    with _open(tmp_path, Counting()) as index:
        index.ingest_paths([sample_page])
    before = Counting.calls
    with _open(tmp_path, Counting()) as index:
        index.ingest_paths([sample_page])
    assert Counting.calls == before


def test_passages_never_exceed_the_model_limit(hash_index, sample_page):
    hash_index.ingest_paths([sample_page])
    passages = hash_index.all_passages()
    counts = hash_index.embedder.count_tokens([p.text for p in passages])
    assert max(counts) <= hash_index.embedder.max_tokens
    assert {p.article_id for p in passages} == set(range(1, 5))


def test_user_metadata_fills_only_what_the_page_lacks(hash_index, sample_page):
    hash_index.ingest_paths(
        [sample_page], source="Daily8", url="https://daily8.test/putin", published="2025-08-17"
    )
    passages = hash_index.all_passages()
    lead = next(p for p in passages if p.title.startswith("Putin agreed"))
    assert (lead.source, lead.url, lead.published) == (
        "Daily8",
        "https://daily8.test/putin",
        "2025-08-17",
    )
    related = [p for p in passages if not p.title.startswith("Putin agreed")]
    assert {p.source for p in related} == {"New York Post", "The Hill"}
    assert {p.url for p in related} == {""}, "the page's url is the lead article's only"


def test_updated_article_replaces_its_passages(hash_index):
    old = Article(title="Vote", text="The vote is on Monday.", url="https://n.test/vote")
    new = Article(title="Vote", text="The vote moved to Friday night.", url="https://n.test/vote")
    hash_index.ingest_articles([old])
    report = hash_index.ingest_articles([new])
    assert report.articles_updated == 1
    passages = hash_index.all_passages()
    assert [p.text for p in passages] == ["The vote moved to Friday night."]
    assert hash_index.vector_ids().tolist() == [passages[0].id]


def test_crash_in_the_middle_of_an_ingest_leaves_a_consistent_index(tmp_path):
    articles = [
        Article(title=f"T{i}", text=f"Story number {i} about topic {i}. " * 100) for i in range(100)
    ]

    class Crashing(HashEmbedder):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def encode(self, texts, *, progress=False):
            self.batches += 1
            if self.batches == 3:
                raise RuntimeError("power cut")
            return super().encode(texts, progress=progress)

    index = _open(tmp_path, Crashing())
    with pytest.raises(RuntimeError):
        index.ingest_articles(articles)
    committed = index.stats()
    assert 0 < committed.articles < 100
    # The process dies here: nothing else is saved.
    with _open(tmp_path) as reopened:
        assert reopened.stats() == committed
        assert len(reopened.vector_ids()) == committed.passages
        report = reopened.ingest_articles(articles)
        assert report.articles_added == 100 - committed.articles
        assert reopened.stats().articles == 100
    index.close()


def test_missing_or_corrupt_vector_file_is_rebuilt_without_embedding(tmp_path, sample_page):
    with _open(tmp_path) as index:
        index.ingest_paths([sample_page])
        expected = index.search("Gaza hostages deal", k=3)
    (tmp_path / VECTORS_FILE).write_bytes(b"garbage")

    class NoEncode(HashEmbedder):
        def encode(self, texts, *, progress=False):
            assert len(texts) == 1, "only the question may be embedded"
            return super().encode(texts, progress=progress)

    with _open(tmp_path, NoEncode()) as index:
        assert [h.passage.id for h in index.search("Gaza hostages deal", k=3)] == [
            h.passage.id for h in expected
        ]


def test_vectors_missing_from_faiss_are_restored(tmp_path, sample_page):
    with _open(tmp_path) as index:
        index.ingest_paths([sample_page])
        ids = index.vector_ids()
    dim = HashEmbedder().dim
    vectors = VectorIndex.load(tmp_path / VECTORS_FILE, dim)
    vectors.remove([1, 2])
    vectors.save(tmp_path / VECTORS_FILE)
    assert VectorIndex.load(tmp_path / VECTORS_FILE, dim).size == len(ids) - 2
    with _open(tmp_path) as index:
        assert np.array_equal(index.vector_ids(), ids)
        assert [p.id for p in index.all_passages()] == ids.tolist()


def test_index_built_with_another_model_is_refused(tmp_path, sample_page):
    with _open(tmp_path) as index:
        index.ingest_paths([sample_page])
    with pytest.raises(StoreError, match="built with model 'hash-256'"):
        _open(tmp_path, HashEmbedder(dim=128))


def test_a_refused_index_closes_its_database(tmp_path, monkeypatch):
    import index.engine

    closed = []

    class Recording(index.engine.Store):
        def close(self):
            closed.append(True)
            super().close()

    _open(tmp_path).close()
    monkeypatch.setattr(index.engine, "Store", Recording)
    with pytest.raises(StoreError):
        _open(tmp_path, HashEmbedder(dim=128))
    assert closed == [True]


def test_bad_files_are_reported_and_good_ones_ingested(hash_index, sample_page, tmp_path):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\x00\x00JFIF")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    report = hash_index.ingest_paths([binary, sample_page, empty])
    assert report.articles_added == 4
    assert all(isinstance(p, Problem) for p in report.problems)
    assert [str(p) for p in report.problems] == [
        f"{binary}: looks like a binary file, not text, HTML, a feed or JSONL",
        f"{empty}: the file is empty",
    ]


def test_answer_handles_empty_and_huge_questions(hash_index, sample_page):
    hash_index.ingest_paths([sample_page])
    with pytest.raises(InputError):
        hash_index.answer("   ")
    huge = "Gaza hostages protest " * 800  # ~18,000 chars
    answer = hash_index.answer(huge)
    assert answer.hit is not None
    # Clipped once, at the one limit, for answers and summary topics alike.
    assert answer.question == clip_question(huge) and len(answer.question) == MAX_QUESTION_CHARS
    assert hash_index.summarize(huge).topic == clip_question(huge)


def test_fts_syntax_in_questions_is_just_text(hash_index):
    hash_index.ingest_articles(
        [
            Article(title="Ferries", text="Ferry services across the strait resumed on Monday."),
            Article(title="Budget", text="The council approved the road budget on Tuesday."),
        ]
    )
    question = '"NEAR(ferry strait)" OR * AND ^title: - + \'); DROP TABLE passages; --'
    hits = hash_index.search(question, mode="lexical")
    # bm25 returns only passages matching the question's words: here the ferry story alone.
    assert [h.passage.title for h in hits] == ["Ferries"]
    answer = hash_index.answer(question)
    assert answer.hit is not None and answer.hit.passage.title == "Ferries"
    for broken in ['"unbalanced ferry', "NEAR(a b) OR AND *", "col:value ^ - +", "*"]:
        hash_index.answer(broken)  # must not raise
    assert hash_index.stats().articles == 2  # and nothing was dropped


def test_duplicate_passages_from_two_outlets_collapse(hash_index):
    text = "The central bank raised interest rates by half a point on Wednesday, citing inflation."
    hash_index.ingest_articles(
        [
            Article(title="Rates up", text=text, source="Wire A", url="https://a.test/1"),
            Article(title="Rates rise", text=text, source="Wire B", url="https://b.test/1"),
        ]
    )
    hits = hash_index.search("central bank interest rates", k=5)
    assert len(hits) == 1
    assert hits[0].also_in == ("Wire B",) or hits[0].also_in == ("Wire A",)


def test_articles_from_after_now_are_not_yet_known(hash_index):
    hash_index.ingest_articles(
        [
            Article(
                title="Eclipse", text="The eclipse was seen across Chile.", published="2024-04-08"
            ),
        ]
    )
    assert hash_index.search("eclipse Chile", now=date(2024, 4, 9))
    assert not hash_index.search("eclipse Chile", now=date(2023, 1, 1))


def test_stats(hash_index, sample_page):
    hash_index.ingest_paths([sample_page], published="2025-08-17")
    stats = hash_index.stats()
    assert (stats.articles, stats.sources, stats.newest) == (4, 2, "2025-08-17")
    assert (hash_index.path / DB_FILE).exists()
    assert np.array_equal(hash_index.vector_ids(), [p.id for p in hash_index.all_passages()])
    store = Store(hash_index.path / DB_FILE)
    try:
        assert json.loads(store.get_meta("model")) == {"name": "hash-256", "dim": 256}
        assert store.get_meta("passage_tokens") == str(IndexConfig().passage_tokens)
    finally:
        store.close()


def test_a_directory_is_ingested_file_by_file(hash_index, sample_page, tmp_path):
    folder = tmp_path / "news"
    (folder / "more").mkdir(parents=True)
    (folder / "page.txt").write_text(sample_page.read_text())
    (folder / "more" / "wire.jsonl").write_text('{"title": "Dam", "text": "The dam opened."}\n')
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\x00")  # not an input type: skipped
    (folder / ".hidden.txt").write_text("Hidden notes are not news.")
    report = hash_index.ingest_paths([folder])
    assert report.articles_added == 5 and report.problems == ()
    empty = tmp_path / "empty"
    empty.mkdir()
    [problem] = hash_index.ingest_paths([empty]).problems
    assert problem.where == str(empty) and "no input files" in problem.message


TUNNEL = (
    "Officials said the new rail tunnel under the river opened to passengers on {0}. "
    "The rail tunnel cost four billion dollars and took nine years to build after delays. "
    "Commuters said the rail tunnel cut their journey across the river by twenty minutes."
)


def test_a_days_window_past_year_one_means_no_limit(hash_index):
    hash_index.ingest_articles(
        [
            Article(
                title="Rail tunnel opens", text=TUNNEL.format("Monday"), published="2025-08-11"
            ),
            Article(
                title="Rail tunnel plan",
                text=TUNNEL.format("a date to be set"),
                published="1999-01-01",
            ),
        ]
    )
    today = date(2025, 8, 20)
    topics = hash_index.topics(now=today)
    assert [t.articles for t in topics] == [2]
    assert hash_index.topics(days=10**6, now=today) == topics
    everything = hash_index.summarize("rail tunnel", now=today)
    assert everything.lines and everything.articles == 2
    assert {s.published for s in everything.sources} == {"2025-08-11", "1999-01-01"}
    assert hash_index.summarize("rail tunnel", days=10**6, now=today) == everything
    # A window that fits in the calendar still applies.
    assert hash_index.summarize("rail tunnel", days=30, now=today).articles == 1


def test_articles_told_apart_by_a_query_parameter_are_both_kept(hash_index):
    def article(url: str, text: str) -> Article:
        return Article(title=text, text=f"{text} was reported by the council.", url=url)

    report = hash_index.ingest_articles(
        [
            article("https://x.test/news.php?id=1", "The bridge reopened"),
            article("https://x.test/news.php?id=2", "The library closed"),
            article("https://www.x.test/news.php?id=1&utm_source=feed#top", "The bridge reopened"),
        ]
    )
    assert (report.articles_added, report.articles_skipped) == (2, 1)
    assert hash_index.stats().articles == 2


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path):
    (tmp_path / DB_FILE).write_text("not a database, just some text " * 10)
    with pytest.raises(StoreError, match=r"cannot open index database .*not a database"):
        _open(tmp_path)


def test_user_publication_date_is_stored_as_iso_or_refused(hash_index, sample_page):
    with pytest.raises(InputError, match="not a date"):
        hash_index.ingest_paths([sample_page], published="17/08/2025")
    assert hash_index.stats().articles == 0
    hash_index.ingest_paths([sample_page], published="August 17, 2025")
    passages = hash_index.all_passages()
    assert {p.published for p in passages if p.title.startswith("Putin agreed")} == {"2025-08-17"}


def test_an_index_built_with_another_passage_size_is_refused(tmp_path, sample_page):
    with _open(tmp_path) as index:
        index.ingest_paths([sample_page])
    other = IndexConfig(path=str(tmp_path), passage_tokens=64)
    with pytest.raises(StoreError, match=r"built with passage_tokens = 108, not 64"):
        NewsIndex.open(tmp_path, other, HashEmbedder())
    with _open(tmp_path) as index:  # the refusal changed nothing
        assert index.stats().articles == 4


def test_now_none_means_today(hash_index):
    from datetime import timedelta

    today = date.today()

    def eclipse(title: str, days: int, text: str) -> Article:
        return Article(title=title, text=text, published=str(today + timedelta(days=days)))

    hash_index.ingest_articles(
        [
            eclipse("Eclipse", 0, "The eclipse was seen across Chile today."),
            eclipse("Eclipse later", 30, "Crowds in Chile will watch the next eclipse."),
            eclipse("Eclipse before", -30, "Chile prepared hotels for eclipse tourists."),
        ]
    )
    # Articles dated after today are not yet written: None did not mean "no now".
    found = {h.passage.title for h in hash_index.search("eclipse Chile")}
    assert found == {"Eclipse", "Eclipse before"}
    assert hash_index.answer("eclipse Chile").hit.passage.title in found
    summary = hash_index.summarize("eclipse Chile", days=1)
    assert summary.articles == 1
    assert summary == hash_index.summarize("eclipse Chile", days=1, now=today)
    topics = hash_index.topics(days=1)
    assert topics and all(3 not in t.article_ids for t in topics)  # 30 days old: outside
    assert topics == hash_index.topics(days=1, now=today)


def test_topics_and_whole_news_summary_leave_out_articles_after_now(hash_index):
    hash_index.ingest_articles(
        [
            Article(title="Past", text=TUNNEL.format("Monday"), published="2025-01-10"),
            Article(title="Future", text=TUNNEL.format("Friday"), published="2025-03-01"),
        ]
    )
    now = date(2025, 1, 20)
    assert [t.articles for t in hash_index.topics(now=now)] == [1]
    assert hash_index.summarize(None, now=now).articles == 1
    # Today (long after both) they count; "news as of" is never a day still to come.
    assert [t.articles for t in hash_index.topics()] == [2]
    assert hash_index.stats().newest == "2025-03-01"


def test_news_as_of_is_never_a_day_still_to_come(hash_index):
    from datetime import timedelta

    today = date.today()
    hash_index.ingest_articles(
        [
            Article(title="Now", text=TUNNEL.format("Monday"), published=today.isoformat()),
            Article(
                title="Later",
                text=TUNNEL.format("Friday"),
                published=(today + timedelta(days=30)).isoformat(),
            ),
        ]
    )
    assert hash_index.stats().newest == today.isoformat()
    assert hash_index.stats().articles == 2
    assert hash_index.summarize(None).articles == 1


def test_articles_given_directly_are_bounded_like_those_read_from_files(hash_index) -> None:
    """ingest_articles (the API feeds and tests use) cuts every field as the readers do:
    a 1 MB title is stored once, cut to its limit; a lone surrogate does not abort."""
    from index.ingest.readers import MAX_TITLE_CHARS

    report = hash_index.ingest_articles(
        [
            Article(title="Budget " * 150_000, text="The council approved the road budget."),
            Article(title="Ferries\ud800", text="Ferry services resumed\ud800 on Monday."),
        ]
    )
    assert report.articles_added == 2
    titles = {p.title for p in hash_index.all_passages()}
    assert max(len(t) for t in titles) <= MAX_TITLE_CHARS
    assert all("\ud800" not in p.text + p.title for p in hash_index.all_passages())
