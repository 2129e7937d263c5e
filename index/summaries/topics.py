"""Topics for "/topics": articles grouped by what their passages are about.

Each article is the mean of its passage vectors; articles are joined by
average-linkage agglomeration under a cosine threshold (exact and
deterministic, fine to a few thousand articles), or, past that, by FAISS
k-means with a fixed seed. Nothing here touches storage.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from index.records import Passage, Topic
from index.text.words import STOPWORDS

# Keywords are shown to people: "cease-fire" stays one word, and no keyword is
# shorter than three letters (the shared tokenizer would give "cease", "fire", "s").
_KEYWORD = re.compile(r"[a-z][a-z-]+[a-z]")
_POSSESSIVE = re.compile(r"['’]s\b")
# Left over from contractions once apostrophes split words ("isn't" -> "isn").
_NOISE = frozenset(
    "isn aren wasn weren don doesn didn won wouldn couldn shouldn hasn haven".split()
)
AGGLOMERATIVE_LIMIT = 3000  # articles; past this, k-means (linkage needs n^2 memory)


def find_topics(
    passages: Sequence[Passage],
    vectors: np.ndarray,
    *,
    threshold: float = 0.45,
    max_topics: int = 10,
    min_articles: int = 1,
    seed: int = 0,
    story_of: Mapping[int, int] | None = None,
) -> list[Topic]:
    """Group the articles of `passages` (rows of unit `vectors`, same order) into topics.

    Two groups are joined while their average article-to-article cosine is at
    least `threshold`. Topics come with the most stories first (`story_of` maps an
    article id to its story; an article missing from it is a story of its own), then
    the most articles, then newest, then by label; at most `max_topics`, each with at
    least `min_articles` articles. The same input always gives the same topics.
    """
    if len(passages) != len(vectors):
        raise ValueError(f"{len(passages)} passages but {len(vectors)} vectors")
    if not passages:
        return []
    article_ids, members = _group_articles(passages)
    matrix = _article_vectors(np.asarray(vectors, dtype=np.float32), members)
    if len(article_ids) <= AGGLOMERATIVE_LIMIT:
        labels = _agglomerate(matrix, threshold)
    else:  # k-means into cells of one to a few articles, then join cells like articles
        cells = _kmeans(matrix, AGGLOMERATIVE_LIMIT, seed)
        joined = _agglomerate(_article_vectors(matrix, _members(cells)), threshold)
        labels = [joined[c] for c in cells]
    document_freq = Counter(
        term for a in range(len(article_ids)) for term in set(_article_terms(passages, members[a]))
    )
    topics = []
    for label in sorted(set(labels)):
        group = [a for a in range(len(article_ids)) if labels[a] == label]
        if len(group) >= min_articles:
            topic = _topic(group, article_ids, members, matrix, passages, document_freq)
            stories = {(story_of or {}).get(a, -a) for a in topic.article_ids}
            topics.append(replace(topic, stories=len(stories)))
    topics.sort(key=lambda t: (-t.stories, -t.articles, _negate(t.newest), t.label))
    return topics[:max_topics]


def _group_articles(passages: Sequence[Passage]) -> tuple[list[int], list[list[int]]]:
    """Article ids in first-seen order, and the row numbers of each article's passages."""
    rows: dict[int, list[int]] = {}
    for row, passage in enumerate(passages):
        rows.setdefault(passage.article_id, []).append(row)
    return list(rows), list(rows.values())


def _article_vectors(vectors: np.ndarray, members: list[list[int]]) -> np.ndarray:
    matrix = np.stack([vectors[rows].mean(axis=0) for rows in members])
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _agglomerate(matrix: np.ndarray, threshold: float) -> list[int]:
    """Average-linkage clusters whose mean pairwise cosine is >= `threshold`."""
    n = len(matrix)
    if n == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    distances = np.clip(pdist(matrix.astype(np.float64), metric="cosine"), 0.0, 2.0)
    tree = linkage(distances, method="average")
    return [int(x) for x in fcluster(tree, t=1.0 - threshold, criterion="distance")]


def _kmeans(matrix: np.ndarray, k: int, seed: int) -> list[int]:
    """Cell numbers 0..m-1 (empty cells dropped) from spherical k-means with a fixed seed."""
    import faiss

    data = np.ascontiguousarray(matrix, dtype=np.float32)
    kmeans = faiss.Kmeans(data.shape[1], k, niter=25, seed=seed, spherical=True, verbose=False)
    kmeans.cp.min_points_per_centroid = 1  # small cells are the point here
    kmeans.train(data)
    _, assigned = kmeans.index.search(data, 1)
    renumber: dict[int, int] = {}
    return [renumber.setdefault(int(x), len(renumber)) for x in assigned[:, 0]]


def _members(cells: list[int]) -> list[list[int]]:
    groups: list[list[int]] = [[] for _ in range(max(cells) + 1)]
    for row, cell in enumerate(cells):
        groups[cell].append(row)
    return groups


def _topic(
    group: list[int],
    article_ids: list[int],
    members: list[list[int]],
    matrix: np.ndarray,
    passages: Sequence[Passage],
    document_freq: Counter[str],
) -> Topic:
    centroid = matrix[group].mean(axis=0)
    # Most central first; ties (e.g. identical vectors) by article id for determinism.
    order = sorted(group, key=lambda a: (-float(matrix[a] @ centroid), article_ids[a]))
    rows = [r for a in order for r in members[a]]
    firsts = [passages[members[a][0]] for a in order]
    keywords = _keywords(
        [t for a in group for t in _article_terms(passages, members[a])],
        document_freq,
        len(article_ids),
    )
    title = next((p.title.strip() for p in firsts if p.title.strip()), "")
    return Topic(
        label=title or ", ".join(keywords[:4]) or "untitled",
        article_ids=tuple(article_ids[a] for a in order),
        passage_ids=tuple(passages[r].id for r in rows),
        outlets=len({p.source for p in firsts if p.source}),
        newest=max((p.published for p in firsts if p.published), default=""),
        keywords=keywords,
    )


def _article_terms(passages: Sequence[Passage], rows: list[int]) -> list[str]:
    text = " ".join([passages[rows[0]].title] + [passages[r].text for r in rows]).lower()
    words = _KEYWORD.findall(_POSSESSIVE.sub("", text))
    return [w for w in words if w not in STOPWORDS and w not in _NOISE]


def _keywords(terms: list[str], document_freq: Counter, n_articles: int) -> tuple[str, ...]:
    """The topic's five most distinctive words: frequent in it, rare in the other articles."""
    counts = Counter(terms)
    score = {
        t: c * math.log((1 + n_articles) / (1 + document_freq[t])) if n_articles > 1 else c
        for t, c in counts.items()
    }
    return tuple(sorted(score, key=lambda t: (-score[t], t))[:5])


def _negate(date: str) -> tuple[int, ...]:
    """Sort key putting later ISO dates first and missing dates last."""
    digits = [int(x) for x in re.findall(r"\d+", date)]
    return tuple(-x for x in digits) if digits else (1,)
