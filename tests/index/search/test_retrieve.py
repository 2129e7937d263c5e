"""Retrieval with the deterministic fake embedder: candidates, fusion through the index,
dates, time words, duplicates."""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.records import Article, Hit, Passage
from index.search.fusion import SearchSettings
from index.search.query import parse_query
from index.search.retrieve import Retriever, collapse_duplicates
from index.text.words import normalized

NOW = date(2022, 6, 16)
FILLER = (
    "Officials met on Tuesday to discuss the budget for the coming year. "
    "The council said roads and schools would be funded first."
)


def _article(text: str, published: str = "", source: str = "", url: str = "") -> Article:
    return Article(title="", text=text, source=source, url=url, published=published)


# Unrelated news, so that scores are normalised over a realistic spread of candidates.
OTHERS = [
    _article(text, "2022-05-01", url=f"https://other.test/{i}")
    for i, text in enumerate(
        [
            FILLER,
            "The orchestra announced its summer season of open-air concerts in the park.",
            "Shares of the carmaker fell after it recalled thousands of vehicles.",
            "The museum returned a looted statue to the country it was taken from.",
            "Heavy rain flooded the subway stations during the morning commute.",
            "The tennis champion withdrew from the tournament with a knee injury.",
        ]
    )
]


def test_a_newer_report_of_the_same_story_ranks_first(hash_index) -> None:
    story = "The volcano on the island erupted again, sending ash over the harbour town."
    hash_index.ingest_articles(
        [
            _article(story, "2022-03-01", url="https://a.test/old"),
            _article(story + " Flights were cancelled.", "2022-06-14", url="https://b.test/new"),
            *OTHERS,
        ]
    )
    hits = hash_index.search("Where did the volcano erupt?", now=NOW)
    assert hits[0].passage.published == "2022-06-14"


def test_articles_dated_after_now_are_not_yet_written(hash_index) -> None:
    hash_index.ingest_articles(
        [
            _article(
                "The striker signed a record transfer deal.", "2022-06-15", url="https://a.t/1"
            ),
            _article("The striker retired after the final.", "2022-07-30", url="https://a.t/2"),
        ]
    )
    hits = hash_index.search("What did the striker do?", now=NOW)
    assert [h.passage.published for h in hits] == ["2022-06-15"]
    # now=None means today, when both articles are in the past.
    assert len(hash_index.search("What did the striker do?")) == 2


def test_time_words_are_detected() -> None:
    assert parse_query("What is the latest on the strike?").time_sensitive
    assert parse_query("Who won the election this week?").time_sensitive
    assert not parse_query("Who won the 1990 election?").time_sensitive


def test_time_words_add_weight_to_recency_when_configured(hash_index) -> None:
    old = _article("Ferry services across the strait resumed.", "2022-01-10", url="https://a.t/o")
    new = _article(
        "Ferry services across the strait resumed normally.", "2022-06-10", url="https://a.t/n"
    )
    hash_index.ingest_articles([old, new, *OTHERS])
    retriever = hash_index.retriever(SearchSettings(recency_weight=0.0, time_word_weight=2.0))
    plain = retriever.search(parse_query("Ferry services across the strait resumed?"), now=NOW)
    timed = retriever.search(parse_query("Latest on ferry services across the strait?"), now=NOW)
    assert plain[0].passage.published == "2022-01-10"  # better wording match, no time words
    assert timed[0].passage.published == "2022-06-10"


def test_a_passage_whose_article_is_on_topic_wins_a_tie(hash_index) -> None:
    topic = "The central bank raised interest rates to fight inflation."
    on_topic = (
        f"{topic}\n\n"
        + "Inflation reached its highest level in decades, the central bank said. " * 6
        + "\n\nThe bank expects interest rates to stay high while inflation persists."
    )
    off_topic = f"{FILLER}\n\n{topic}\n\n" + "Local football results follow. " * 12
    hash_index.ingest_articles(
        [_article(off_topic, url="https://a.t/off"), _article(on_topic, url="https://a.t/on")]
    )
    hits = hash_index.search("Why did the central bank raise interest rates?")
    assert hits[0].passage.url == "https://a.t/on"


def test_baseline_modes_rank_by_one_score_only(hash_index) -> None:
    hash_index.ingest_articles(
        [
            _article("Wildfires forced thousands to evacuate in the valley.", url="https://a.t/1"),
            _article(FILLER, url="https://a.t/2"),
        ]
    )
    for mode in ("lexical", "dense", "hybrid"):
        hits = hash_index.search("Why did thousands evacuate the valley?", mode=mode)
        assert hits[0].passage.url == "https://a.t/1", mode
    lexical = hash_index.search("wildfires", mode="lexical")
    assert [h.passage.url for h in lexical] == ["https://a.t/1"]  # bm25 finds only matches


def _hit(pid: int, text: str, source: str) -> Hit:
    return Hit(passage=Passage(pid, pid, 0, text, "", source, "", ""), score=1.0 / pid)


def test_syndicated_copies_collapse_into_the_best_listing_the_other_outlets() -> None:
    text = "The storm made landfall near the coast on Sunday, cutting power to 200,000 homes."
    hits = [
        _hit(1, text, "apnews.com"),
        _hit(2, "Other news: the bridge reopened after repairs.", "local.test"),
        _hit(3, text.replace("Sunday", "Sunday night"), "abcnews.com"),
        _hit(4, text, "apnews.com"),
    ]
    collapsed = collapse_duplicates(hits)
    assert [h.passage.id for h in collapsed] == [1, 2]
    assert collapsed[0].also_in == ("abcnews.com",)


def _collapse_pairwise(hits: list[Hit], threshold: float = 0.7) -> list[Hit]:
    """The definition, on `normalized` words: each hit against every kept one."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        found = normalized(text).split()
        return set(zip(found, found[1:], found[2:], strict=False)) or {tuple(found)}

    kept: list[tuple[Hit, set[tuple[str, ...]]]] = []
    for hit in hits:
        mine = shingles(hit.passage.text)
        for i, (other, theirs) in enumerate(kept):
            if len(mine & theirs) / min(len(mine), len(theirs)) >= threshold:
                source = hit.passage.source
                if source and source != other.passage.source and source not in other.also_in:
                    kept[i] = (replace(other, also_in=(*other.also_in, source)), theirs)
                break
        else:
            kept.append((hit, mine))
    return [hit for hit, _ in kept]


_DRAWN_WORDS = ["the", "Storm", "hit", "ﬁre", "fire", "on", "2.5", "—"]  # a ligature, a dash


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_DRAWN_WORDS), max_size=14),
            st.sampled_from(["a.test", "b.test", "c.test", ""]),
        ),
        max_size=12,
    ),
    st.integers(min_value=0, max_value=6),
)
def test_collapse_keeps_what_comparing_every_pair_keeps(
    drawn: list[tuple[list[str], str]], keep: int
) -> None:
    hits = [_hit(i + 1, " ".join(words), source) for i, (words, source) in enumerate(drawn)]
    everything = _collapse_pairwise(hits)
    assert collapse_duplicates(hits) == everything
    # Keeping the first few compares later hits with those alone: the same first few.
    assert collapse_duplicates(hits, keep=keep) == everything[:keep]


def test_duplicates_collapse_through_the_engine(hash_index) -> None:
    text = "Rescuers pulled three climbers from the glacier after a two-day search."
    hash_index.ingest_articles(
        [
            _article(text, source="one.test", url="https://one.test/a"),
            _article(text + " ", source="two.test", url="https://two.test/a"),
        ]
    )
    hits = hash_index.search("Who was rescued from the glacier?")
    assert len(hits) == 1 and hits[0].also_in in (("two.test",), ("one.test",))


def test_the_bm25_side_reads_rows_of_its_best_or_of_those_the_vector_search_missed(
    hash_index,
) -> None:
    hash_index.ingest_articles(
        [
            _article(f"Storm {i} hit the coast and the storm surge rose.", "2022-06-01")
            for i in range(8)
        ]
        + OTHERS
    )
    retriever = hash_index.retriever(hash_index.profile.search)
    terms = parse_query("storm surge on the coast").terms
    alone = retriever._lexical_side(terms, 5, [])  # the vector search still running
    best = list(alone.scores)[:5]
    assert set(alone.rows) == set(best) and alone.stored.tolist() == best
    assert alone.matrix.shape == (5, hash_index.embedder.dim)
    found = {pid: 0.5 for pid in best[:2]}  # the vector search done, with two of them
    after = retriever._lexical_side(terms, 5, [found])
    assert after.scores == alone.scores and set(after.rows) == set(best[2:])
    assert after.stored.tolist() == best[2:]


def test_an_early_passage_beats_the_same_words_deep_in_an_article(hash_index) -> None:
    fact = "The bridge over the river will close for repairs in March."
    filler = [f"Paragraph {i} of a long story about the weather in the hills." for i in range(30)]
    deep = "\n\n".join([*filler, fact])
    hash_index.ingest_articles(
        [_article(deep, url="https://a.t/deep"), _article(fact, url="https://a.t/early"), *OTHERS]
    )
    hits = hash_index.search("When will the bridge over the river close?")
    assert hits[0].passage.url == "https://a.t/early"
    assert hits[0].passage.position == 0


def test_now_is_required_by_the_retriever() -> None:
    for method in (Retriever.search, Retriever.candidates):
        now = inspect.signature(method).parameters["now"]
        assert now.kind is inspect.Parameter.KEYWORD_ONLY
        assert now.default is inspect.Parameter.empty, method.__name__


def test_candidates_hold_dense_and_lexical_matches_with_their_features(hash_index) -> None:
    hash_index.ingest_articles(
        [
            _article(
                "The volcano erupted near the harbour town.", "2022-06-14", url="https://v.t/1"
            ),
            _article("Ash from the volcano closed the airport.", "", url="https://v.t/2"),
            _article("The striker retired after the final.", "2022-07-30", url="https://v.t/3"),
            *OTHERS,
        ]
    )
    retriever = hash_index.retriever(SearchSettings())
    found = retriever.candidates(parse_query("volcano ash"), now=NOW, want=20)
    passages = retriever.store.passages(found.ids)
    by_url = {passages[pid].url: i for i, pid in enumerate(found.ids)}
    assert "https://v.t/3" not in by_url  # dated after now: not yet written
    first, second = by_url["https://v.t/1"], by_url["https://v.t/2"]
    features = found.features
    assert len(features) == len(found.ids)
    assert features.age_days[first] == 2.0
    assert features.age_days[second] == float("inf")  # undated
    assert features.lexical[second] > features.lexical[first] > 0  # two words against one
    assert set(found.lexical) == {found.ids[first], found.ids[second]}
    # In hybrid mode every candidate has a cosine, bm25 matches included.
    assert set(found.dense) >= set(found.ids)
    lexical_only = retriever.candidates(
        parse_query("volcano ash"), now=NOW, want=20, mode="lexical"
    )
    found_urls = {p.url for p in retriever.store.passages(lexical_only.ids).values()}
    assert found_urls == {"https://v.t/1", "https://v.t/2"}
    assert lexical_only.dense == {}


def test_since_leaves_out_older_articles(hash_index) -> None:
    hash_index.ingest_articles(
        [
            _article(
                "The volcano erupted near the harbour town.", "2022-06-14", url="https://v.t/1"
            ),
            _article("The volcano erupted near the old town.", "2021-01-01", url="https://v.t/2"),
        ]
    )
    retriever = hash_index.retriever(SearchSettings())
    hits = retriever.search(parse_query("volcano erupted"), now=NOW, since="2022-06-01")
    assert [h.passage.url for h in hits] == ["https://v.t/1"]


def test_term_weights_favour_rare_words_and_article_text_reads_the_whole_article(hash_index):
    hash_index.ingest_articles(
        [
            Article(title="Rain", text="Rain fell on the city.", url="https://r.t/1"),
            Article(title="More rain", text="Rain and a volcano.", url="https://r.t/2"),
            Article(title="Rain again", text="Rain, rain, rain.", url="https://r.t/3"),
        ]
    )
    retriever = hash_index.retriever(SearchSettings())
    weights = retriever.term_weights(parse_query("rain volcano"))
    assert weights["volcano"] > weights["rain"] > 0
    hit = retriever.search(parse_query("volcano"), now=NOW, mode="lexical")[0]
    assert retriever.article_text(hit.passage.article_id) == "More rain\nRain and a volcano."
    assert retriever.article_text(10**6) == ""


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_baseline_modes_return_at_most_k(hash_index, mode) -> None:
    hash_index.ingest_articles(OTHERS)
    hits = hash_index.retriever(SearchSettings()).search(
        parse_query("the council budget concerts rain"), now=NOW, k=2, mode=mode
    )
    assert 1 <= len(hits) <= 2


def test_bm25_beside_the_embedding_and_dense_search_finds_what_it_finds_in_turn(
    hash_index, monkeypatch
):
    """A hybrid question runs its bm25 reads on another thread while it embeds the
    question and searches the vectors; inside a write transaction (its own rows visible
    only to it) everything stays on its thread. The candidates are the same either way."""
    import threading

    from index.side_threads import side_pool

    hash_index.ingest_articles(
        [
            _article("The volcano erupted near the harbour town.", "2022-06-14"),
            _article("Ash from the volcano closed the airport.", "", url="https://v.t/2"),
            *OTHERS,
        ]
    )
    retriever = hash_index.retriever(SearchSettings())
    threads: list[str] = []
    lexical = type(retriever.store).lexical

    def recording(self, terms, limit=5000):
        threads.append(threading.current_thread().name)
        return lexical(self, terms, limit)

    monkeypatch.setattr(type(retriever.store), "lexical", recording)
    beside = retriever.candidates(parse_query("volcano ash"), now=NOW, want=20)
    monkeypatch.setattr(type(retriever.store), "writing", lambda self: True)
    in_turn = retriever.candidates(parse_query("volcano ash"), now=NOW, want=20)
    assert threads[0].startswith("bm25-side") and threads[1] == threading.current_thread().name
    assert beside.ids == in_turn.ids
    assert beside.dense == in_turn.dense and beside.lexical == in_turn.lexical
    assert beside.lexical and side_pool("bm25-side") is side_pool("bm25-side")


def test_a_hit_deleted_while_it_is_ranked_gives_its_place_to_the_next(
    hash_index, monkeypatch
) -> None:
    reports = [
        _article(f"The volcano report number {i}.", "2022-06-14", url=f"https://v.t/{i}")
        for i in range(8)
    ]
    hash_index.ingest_articles(reports)
    retriever = hash_index.retriever(SearchSettings())
    query = parse_query("volcano report")
    before = [h.passage.id for h in retriever.search(query, now=NOW, k=2)]  # 6 hits
    longer = [h.passage.id for h in retriever.search(query, now=NOW, k=3)]  # 9 hits
    assert len(before) == 6 and longer[:6] == before
    store = type(retriever.store)
    read = store.passages

    def top_deleted_meanwhile(self, ids):
        found = read(self, ids)
        found.pop(before[0], None)  # deleted between ranking and reading
        return found

    monkeypatch.setattr(store, "passages", top_deleted_meanwhile)
    after = [h.passage.id for h in retriever.search(query, now=NOW, k=2)]
    assert after == [pid for pid in longer if pid != before[0]][:6]
