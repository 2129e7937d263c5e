"""Topic clustering for /topics: grouping, labels, counts, ranking, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import index.summaries.topics as topics_module
from index.records import Passage, Topic
from index.summaries.topics import find_topics

# (title, source, published, n_articles); every article gets two passages.
STORIES = {
    "quake": ("Earthquake shakes the coast", ("Reuters", "AP", "BBC"), "2025-05-03", 4),
    "vote": ("Parliament passes the budget", ("AP", "AP"), "2025-05-01", 2),
    "match": ("Cup final goes to penalties", ("ESPN",), "2025-05-04", 3),
}


def _corpus(seed: int = 7, titles: bool = True):
    rng = np.random.default_rng(seed)
    centers = {name: rng.normal(size=32) for name in STORIES}
    passages, vectors, truth = [], [], {}
    article_id = 100
    for name, (title, sources, published, n) in STORIES.items():
        for a in range(n):
            article_id += 1
            truth[article_id] = name
            for position in range(2):
                vector = centers[name] + 0.25 * rng.normal(size=32)
                vectors.append(vector / np.linalg.norm(vector))
                passages.append(
                    Passage(
                        id=len(passages) + 1,
                        article_id=article_id,
                        position=position,
                        text=f"{name} story words {name} report {a} {position}",
                        title=f"{title} ({a})" if titles else "",
                        source=sources[a % len(sources)],
                        url="",
                        published=published if a else "",  # one article undated
                    )
                )
    return passages, np.asarray(vectors, dtype=np.float32), truth


def _stories(topics: list[Topic], truth: dict[int, str]) -> list[set[str]]:
    return [{truth[a] for a in t.article_ids} for t in topics]


def test_groups_articles_by_story_largest_first():
    passages, vectors, truth = _corpus()
    topics = find_topics(passages, vectors)
    assert _stories(topics, truth) == [{"quake"}, {"match"}, {"vote"}]
    quake, match, vote = topics
    assert (quake.articles, match.articles, vote.articles) == (4, 3, 2)
    assert quake.outlets == 3 and vote.outlets == 1 and match.outlets == 1
    assert quake.newest == "2025-05-03" and vote.newest == "2025-05-01"
    # Every passage of every member article is listed, none twice.
    members = {p.id for p in passages if p.article_id in quake.article_ids}
    assert set(quake.passage_ids) == members and len(quake.passage_ids) == len(members)


def test_label_is_the_most_central_headline():
    passages, vectors, _ = _corpus()
    for topic in find_topics(passages, vectors):
        first = topic.article_ids[0]
        title = next(p.title for p in passages if p.article_id == first)
        assert topic.label == title


def test_keywords_label_topics_without_titles():
    passages, vectors, _ = _corpus(titles=False)
    topics = find_topics(passages, vectors)
    assert topics[0].label.startswith("quake")
    assert "quake" in topics[0].keywords
    assert all(t.label and t.keywords for t in topics)


def test_equal_sizes_rank_newest_first():
    passages, vectors, truth = _corpus()
    keep = [i for i, p in enumerate(passages) if truth[p.article_id] != "quake"]
    keep = [i for i in keep if passages[i].article_id not in (108,)]  # match: 3 -> 2 articles
    topics = find_topics([passages[i] for i in keep], vectors[keep])
    assert [t.articles for t in topics] == [2, 2]
    assert topics[0].newest == "2025-05-04"


def test_deterministic_and_independent_of_input_order():
    passages, vectors, _ = _corpus()
    first = find_topics(passages, vectors)
    assert find_topics(passages, vectors) == first
    order = np.random.default_rng(1).permutation(len(passages))
    shuffled = find_topics([passages[i] for i in order], vectors[order])
    assert [set(t.article_ids) for t in shuffled] == [set(t.article_ids) for t in first]


def test_limits_and_min_articles():
    passages, vectors, _ = _corpus()
    assert len(find_topics(passages, vectors, max_topics=2)) == 2
    assert [t.articles for t in find_topics(passages, vectors, min_articles=3)] == [4, 3]


def test_one_article_and_empty_input():
    passages, vectors, _ = _corpus()
    one = find_topics(passages[:2], vectors[:2])
    assert len(one) == 1 and one[0].articles == 1
    assert find_topics([], np.zeros((0, 32), dtype=np.float32)) == []
    with pytest.raises(ValueError):
        find_topics(passages, vectors[:3])


def test_kmeans_path_for_large_corpora(monkeypatch):
    monkeypatch.setattr(topics_module, "AGGLOMERATIVE_LIMIT", 6)  # 9 articles: k-means
    passages, vectors, truth = _corpus()
    topics = find_topics(passages, vectors)
    assert topics == find_topics(passages, vectors)  # fixed seed
    assert sorted(map(sorted, _stories(topics, truth))) == [["match"], ["quake"], ["vote"]]


@pytest.mark.model
def test_seed_page_separates_gaza_from_the_ukraine_talks(sample_page, real_embedder):
    from index.ingest.page import read_page

    passages = []
    for article_id, article in enumerate(read_page(sample_page.read_text()), start=1):
        for position, text in enumerate(p for p in article.text.split("\n\n") if p.strip()):
            passages.append(
                Passage(
                    len(passages) + 1,
                    article_id,
                    position,
                    text,
                    article.title,
                    article.source,
                    article.url,
                    article.published,
                )
            )
    vectors = real_embedder.encode([p.text for p in passages])
    topics = find_topics(passages, vectors)
    assert len(topics) == 2
    assert topics[0].articles == 3 and "Ukraine" in topics[0].label
    assert "Gaza" in topics[1].label and topics[1].outlets == 1
