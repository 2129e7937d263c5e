"""The passage that says it: a linear reranker over the top fused hits.

Fusion ranks by topic (cosine, bm25), recency and depth in the article, so the right
article's lead often sits above the passage of the same article that carries the asked-
for fact. This reorders the first `RerankSettings.top` hits by a linear score over
signals that mean the same on any week's news: the fused score and rank, how much of the
question its best sentence covers (rare words counting more), whether a sentence with
question words holds what the question asks for (`highlight.holds_kind`: a number for
"how many", a date for "when", a name for "who"...), and whether it is an article's lead.
Lexical only: no model, no SQL (rarity is counted over the hits themselves).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Hit
from index.search.highlight import NAME, NUMBER, asked_kind, holds_kind
from index.search.query import Query
from index.text.sentences import sentence_spans
from index.text.words import question_terms, question_tokens

_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")

# The columns of `features`, in order.
FEATURES = ("fused", "rank", "sentence", "kind", "lead")


@dataclass(frozen=True)
class RerankSettings:
    """The reranker's weights (the fused score's gap to the top hit counts 1).

    Shipped (`SearchSettings.rerank`, applied by the answer step): the best sentence's
    coverage of the question above `floor` only, a sentence restating most of what is
    asked, chosen on the early halves of rtqa-gold and rtqa-evidence and the even
    questions of benchmarks/seed_page_questions.jsonl and measured on the rest
    (benchmarks/rerank.py --floors; README "The passage that says it"). A linear fit of
    every feature (`fit_pairwise`) did not transfer.
    """

    top: int = 10  # hits reordered; the rest keep their place after them
    rank: float = 0.0  # x rank / top: the fused order itself
    sentence: float = 0.0  # x IDF-weighted coverage of the question by the best sentence,
    floor: float = 0.0  # ... above this share
    kind: float = 0.0  # x coverage of the best sentence holding the kind asked
    lead: float = 0.0  # the passage opens its article

    def vector(self) -> np.ndarray:
        return np.array([1.0, self.rank, self.sentence, self.kind, self.lead])

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """The linear score of `features` rows, the sentence column counted above `floor`."""
        x = np.array(rows, dtype=np.float64)
        if len(x) and self.floor:
            column = FEATURES.index("sentence")
            x[:, column] = np.maximum(0.0, x[:, column] - self.floor)
        return x @ self.vector()


def _words(text: str) -> tuple[set[str], set[str]]:
    """The meaning words of `text` and their five-letter prefixes (coverage's crude stem)."""
    words = set(question_terms(text))
    return words, {w[:5] for w in words if len(w) >= 5}


def _found(term: str, words: tuple[set[str], set[str]]) -> bool:
    return term in words[0] or (len(term) >= 5 and term[:5] in words[1])


def local_weights(terms: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency of each term over `texts` (the hits themselves): a word
    every hit shares says nothing about which hit answers."""
    return _rarity(terms, [_words(t) for t in texts])


def _rarity(terms: Sequence[str], bags: Sequence[tuple[set[str], set[str]]]) -> dict[str, float]:
    n = len(bags)
    return {term: math.log(1.0 + n / (1.0 + sum(_found(term, b) for b in bags))) for term in terms}


def _coverage(
    terms: Sequence[str], weights: Mapping[str, float], words: tuple[set[str], set[str]]
) -> float:
    total = sum(weights.get(t, 1.0) for t in terms)
    if not total:
        return 0.0
    return sum(weights.get(t, 1.0) for t in terms if _found(t, words)) / total


def _holds(kind: str | None, sentence: str, question_words: set[str]) -> bool:
    """`highlight.holds_kind`, but a number must be written in digits: the count asked
    for, not the lead's "dozens" or "millions"."""
    if kind == NUMBER:
        return any(
            not set(re.findall(r"\d+", m.group(0))) <= question_words
            for m in _DIGITS.finditer(sentence)
        )
    return holds_kind(kind, sentence, question_words)


def features(
    query: Query,
    hits: Sequence[Hit],
    weights: Mapping[str, float] | None = None,
    *,
    kinds: bool = True,
    floor: float = 0.0,
) -> np.ndarray:
    """One row per hit, the columns of FEATURES. Without `weights` the question's words
    are weighted by their rarity among `hits`; without `kinds` the "kind" column is 0
    (not looked for: half the features' time). Without `kinds`, a hit whose whole text
    covers no more than `floor` of the question has that coverage as its "sentence"
    (no sentence of it covers more), its sentences unread: the same `scores` for a
    `RerankSettings.floor` at least as high."""
    terms = query.terms
    bags = [_words(h.passage.text) for h in hits]
    if weights is None:
        weights = _rarity(terms, bags)
    kind = asked_kind(query.text)
    if kind == NAME:
        kind = None  # some capitalised word new to the question: nearly every passage
    question_words = set(question_tokens(query.text))
    # The fused score's gap to the top hit, never above a hit ranked before it: `rank`
    # lets one article hold 3 places before the others get theirs, so the order the hits
    # arrive in is the fused order, not their scores' alone.
    scores = np.array([h.score for h in hits], dtype=np.float64)
    fused = np.minimum.accumulate(scores) - scores[0] if len(hits) else scores
    rows = np.zeros((len(hits), len(FEATURES)))
    for i, hit in enumerate(hits):
        text = hit.passage.text
        best = best_kind = 0.0
        whole = _coverage(terms, weights, bags[i]) if terms and not kinds else 1.0
        if whole <= floor:
            best, spans = whole, []
        else:
            spans = sentence_spans(text)
        for start, end in spans:
            sentence = text[start:end]
            covered = _coverage(terms, weights, _words(sentence)) if terms else 0.0
            best = max(best, covered)
            if kinds and covered > best_kind and _holds(kind, sentence, question_words):
                best_kind = covered
        rows[i] = (
            fused[i],
            i / max(1, len(hits)),
            best,
            best_kind,
            float(hit.passage.position == 0),
        )
    return rows


def reorder(hits: Sequence[Hit], scores: np.ndarray) -> list[Hit]:
    """`hits` by score, best first; equal scores keep their order."""
    order = sorted(range(len(hits)), key=lambda i: -float(scores[i]))  # sorted is stable
    return [hits[i] for i in order]


def rerank(
    query: Query,
    hits: Sequence[Hit],
    settings: RerankSettings,
    weights: Mapping[str, float] | None = None,
) -> list[Hit]:
    """`hits` (fused order) with the first `settings.top` reordered by the linear score."""
    head, tail = list(hits[: settings.top]), list(hits[settings.top :])
    if len(head) < 2:
        return list(hits)
    rows = features(query, head, weights, kinds=bool(settings.kind), floor=settings.floor)
    scores = np.nan_to_num(settings.scores(rows), nan=-math.inf)
    return reorder(head, scores) + tail


def fit_pairwise(
    groups: Sequence[tuple[np.ndarray, np.ndarray]],
    l2: float = 1.0,
    steps: int = 30,
) -> np.ndarray:
    """Weights of a linear score (one per feature column) that rank, within each group,
    the rows labelled True above the others: logistic regression on the differences of
    every (answering, not answering) pair, each group weighing 1 in all, by Newton's method.
    `groups` are (features, labels) of one question each; groups without both kinds of
    rows teach nothing and are skipped."""
    diffs: list[np.ndarray] = []
    weight: list[np.ndarray] = []
    for x, y in groups:
        y = np.asarray(y, dtype=bool)
        pos, neg = x[y], x[~y]
        if not len(pos) or not len(neg):
            continue
        d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, x.shape[1])
        diffs.append(d)
        weight.append(np.full(len(d), 1.0 / len(d)))
    if not diffs:
        return np.zeros(groups[0][0].shape[1] if groups else 0)
    a, c = np.vstack(diffs), np.concatenate(weight)
    w = np.zeros(a.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -60, 60)))
        gradient = a.T @ (c * (p - 1.0)) + l2 * w
        hessian = (a * (c * p * (1 - p))[:, None]).T @ a + l2 * np.eye(a.shape[1])
        w -= np.linalg.solve(hessian, gradient)
    return w


def settings_from(w: np.ndarray, top: int = 20) -> RerankSettings:
    """The RerankSettings of fitted weights `w` (scaled so the fused score counts 1)."""
    scale = w[0] if w[0] > 1e-9 else 1.0
    rank, sentence, kind, lead = (float(v / scale) for v in w[1:])
    return RerankSettings(top=top, rank=rank, sentence=sentence, kind=kind, lead=lead)
