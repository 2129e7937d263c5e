"""From stored passages to a cited summary: the documents a summary reads, and the
numbering of the sources its sentences cite."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from index.records import Passage, Source, Summary, SummaryLine
from index.summaries.extractive import SummaryDoc, SummarySentence

MIN_SUMMARY_SENTENCES = 2  # one sentence is a quote, not a summary


def summary_docs(
    passages: Iterable[Passage], weights: Mapping[int, float] | None = None
) -> list[SummaryDoc]:
    """One document per article of `passages` (its passages in order), oldest first.

    `weights` (by article id) scales an article's say in the summary, e.g. its relevance.
    """
    by_article: dict[int, list[Passage]] = {}
    for passage in passages:
        by_article.setdefault(passage.article_id, []).append(passage)
    docs: list[tuple[str, int, SummaryDoc]] = []
    for article_id, parts in by_article.items():
        parts.sort(key=lambda p: p.position)
        first = parts[0]
        doc = SummaryDoc(
            key=article_id,
            text=tuple(p.text for p in parts),
            title=first.title,
            source=first.source,
            url=first.url,
            published=first.published,
            weight=(weights or {}).get(article_id, 1.0),
            has_lead=first.position == 0,
        )
        docs.append((first.published, article_id, doc))
    docs.sort(key=lambda entry: entry[:2])
    return [doc for *_, doc in docs]


def cite(topic: str, docs: Sequence[SummaryDoc], chosen: Sequence[SummarySentence]) -> Summary:
    """The chosen sentences as a Summary: sources numbered in order of first citation.

    Fewer than MIN_SUMMARY_SENTENCES sentences make an empty summary.
    """
    by_key = {doc.key: doc for doc in docs}
    numbers: dict[int | str, int] = {}
    lines = []
    for sentence in chosen:
        number = numbers.setdefault(sentence.doc_key, len(numbers) + 1)
        lines.append(SummaryLine(text=sentence.text, citation=number))
    if len(lines) < MIN_SUMMARY_SENTENCES:
        lines, numbers = [], {}
    sources = tuple(
        Source(number, d.title, d.source, d.url, d.published)
        for key, number in numbers.items()
        for d in [by_key[key]]
    )
    return Summary(topic=topic, lines=tuple(lines), sources=sources, articles=len(docs))
