"""The evaluation harness behind `newsdesk eval`: a fresh index, every question, the
full pipeline beside baselines.

The full pipeline is asked through `NewsIndex.answer`, the code path the bot uses;
the baselines rank the same passages in the same run with no knowledge of dates,
and never abstain: "lexical" is BM25 alone (FTS5), "dense" is MiniLM + FAISS flat
as ../shared/eval/README.md defines it, and when the index has another model,
"dense_model" is that model alone (what fusion and priors add on the same vectors).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.engine import NewsIndex
from index.errors import InputError
from index.evaluation.matching import answers, bold_has_evidence
from index.evaluation.metrics import METRIC_KEYS, Outcome, score_outcomes
from index.models.embedders import MINILM, Embedder, load_embedder
from index.records import Hit
from index.search.fusion import SearchSettings
from index.search.highlight import best_sentence
from index.search.query import parse_query
from index.storage.vector_index import VectorIndex

MODES = ("full", "lexical", "dense")
BASELINE_MODEL = MINILM  # the dense baseline of ../shared/eval/README.md


@dataclass(frozen=True)
class Question:
    """One evaluation question; empty `evidence` means the corpus does not answer it."""

    id: str
    question: str
    evidence: tuple[str, ...]
    date: date | None


def read_questions(path: str | Path) -> list[Question]:
    """Read a questions.jsonl file; raises InputError naming the first bad line."""
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row["question"], str) or not isinstance(
                row.get("evidence") or [], list
            ):
                raise TypeError('"question" must be a string and "evidence" a list')
            out.append(
                Question(
                    id=str(row.get("id", number)),
                    question=row["question"],
                    evidence=tuple(row.get("evidence") or ()),
                    date=date.fromisoformat(row["date"]) if row.get("date") else None,
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}:{number}: not a question object ({exc})") from None
    if not out:
        raise InputError(f"{path}: no questions")
    return out


def first_answering_rank(
    hits: Sequence[Hit], evidence: Sequence[str], depth: int = 10
) -> int | None:
    """1-based rank of the first passage among the top `depth` that answers, else None."""
    for rank, hit in enumerate(hits[:depth], 1):
        if answers(hit.passage.text, evidence):
            return rank
    return None


def _outcome(
    question: Question,
    hits: Sequence[Hit],
    abstained: bool,
    ms: float,
    highlight: tuple[int, int] | None = None,
) -> Outcome:
    top = hits[0].passage.text if hits else None
    return Outcome(
        answerable=bool(question.evidence),
        rank=first_answering_rank(hits, question.evidence) if question.evidence else None,
        abstained=abstained or not hits,
        shown_correct=top is not None and answers(top, question.evidence),
        passage_chars=len(top) if top is not None else None,
        latency_ms=ms,
        bold_has_evidence=top is not None and bold_has_evidence(top, highlight, question.evidence),
    )


def baseline_highlight(
    index: NewsIndex, question: str, hits: Sequence[Hit]
) -> tuple[int, int] | None:
    """The sentence the bot would bold in a baseline's rank-1 passage (the engine's
    chooser and IDF weights), so every pipeline reports `bold_has_evidence`."""
    if not hits:
        return None
    query = parse_query(question)
    weights = index.retriever(SearchSettings()).term_weights(query)
    return best_sentence(query, hits[0].passage.text, weights)


class DenseBaseline:
    """Another model's vectors of every passage of an index, searched exactly (FAISS flat)."""

    def __init__(self, index: NewsIndex, embedder: Embedder) -> None:
        self.embedder = embedder
        self.passages = index.all_passages()
        self.vectors = VectorIndex(embedder.dim)
        if self.passages:
            matrix = embedder.encode([p.text for p in self.passages])
            self.vectors.add(np.arange(len(self.passages)), matrix)

    def search(self, question: str, k: int = 10) -> list[Hit]:
        text = parse_query(question).text  # the same question text the engine embeds
        found = self.vectors.search(self.embedder.encode([text])[0], k)
        return [Hit(passage=self.passages[i], score=s, dense=s) for i, s in found]


def dense_baseline(index: NewsIndex, model: str = BASELINE_MODEL) -> DenseBaseline | None:
    """The dense baseline over `index`, or None when the index's own model is that model
    (its own dense search is then the baseline)."""
    return None if index.embedder.name == model else DenseBaseline(index, load_embedder(model))


def ask(
    index: NewsIndex, question: Question, mode: str, baseline: DenseBaseline | None = None
) -> Outcome:
    """Ask one question in one mode and record what happened."""
    start = time.perf_counter()
    if mode == "full":
        answer = index.answer(question.question, now=question.date)
        ms = (time.perf_counter() - start) * 1000
        return _outcome(question, answer.hits, answer.abstained, ms, answer.highlight)
    if mode == "dense" and baseline is not None:
        hits = baseline.search(question.question)
    else:
        search_mode = "dense" if mode == "dense_model" else mode
        hits = index.search(question.question, k=10, now=None, mode=search_mode)
    ms = (time.perf_counter() - start) * 1000
    return _outcome(question, hits, False, ms, baseline_highlight(index, question.question, hits))


def evaluate_answers(
    index: NewsIndex,
    questions: Sequence[Question],
    modes: Sequence[str] = MODES,
    baseline_model: str = BASELINE_MODEL,
    baseline: DenseBaseline | None = None,
) -> dict[str, dict[str, float | int]]:
    """The metrics of every mode over the same index and questions.

    "dense" is the MiniLM baseline; when the index has another model, its own dense
    ranking is reported too, as "dense_model". A `baseline` built before is reused
    (several question sets over one corpus embed its passages once).
    """
    index.embedder.encode(["warm up"])  # the first call pays for lazy initialisation
    if "dense" not in modes:
        baseline = None
    elif baseline is None:
        baseline = dense_baseline(index, baseline_model)
    if baseline is not None:
        baseline.embedder.encode(["warm up"])
        modes = (*modes, "dense_model")
    return {
        mode: score_outcomes([ask(index, q, mode, baseline) for q in questions]) for mode in modes
    }


@contextmanager
def corpus_index(
    corpus: str | Path,
    config: IndexConfig | None = None,
    embedder: Embedder | None = None,
    directory: str | Path | None = None,
) -> Iterator[NewsIndex]:
    """An index holding `corpus`: in a fresh temporary directory, or in `directory`.

    A `directory` already holding the corpus is reused as is (unchanged articles
    are not embedded again), which makes repeated tuning runs cheap.
    """
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        path = Path(directory) if directory else Path(tmp)
        config = config or IndexConfig()
        index = NewsIndex.open(path, replace(config, path=str(path)), embedder)
        try:
            report = index.ingest_paths([corpus])
            if report.problems and not index.stats().passages:
                raise InputError("; ".join(map(str, report.problems)))
            yield index
        finally:
            index.close()


def format_table(results: dict[str, dict[str, float | int]]) -> str:
    """The metrics as a plain-text table, one column per mode."""
    modes = list(results)
    lines = [f"{'metric':<24}" + "".join(f"{m:>13}" for m in modes)]
    for key in METRIC_KEYS:
        cells = []
        for mode in modes:
            value = results[mode][key]
            cells.append(f"{value:>13.3f}" if isinstance(value, float) else f"{value:>13}")
        lines.append(f"{key:<24}" + "".join(cells))
    return "\n".join(lines)
