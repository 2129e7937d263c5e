"""`newsdesk eval` end to end with the fake embedder: output shapes and errors."""

from __future__ import annotations

import json

import pytest

from index.cli import main
from index.evaluation.metrics import METRIC_KEYS

CORPUS = [
    {
        "id": "a",
        "title": "",
        "source": "x.test",
        "url": "https://x.test/a",
        "published": "2022-06-10",
        "text": "The ferry to the island resumed service on Monday.",
    },
    {
        "id": "b",
        "title": "",
        "source": "x.test",
        "url": "https://x.test/b",
        "published": "2022-06-12",
        "text": "The council approved a budget for new roads.",
    },
]
QUESTIONS = [
    {
        "id": "1",
        "question": "When did the ferry to the island resume?",
        "evidence": ["ferry to the island resumed"],
        "date": "2022-06-16",
    },
    {"id": "2", "question": "Who won the chess final?", "evidence": [], "date": "2022-06-16"},
]


def _files(tmp_path):
    corpus, questions, config = (tmp_path / n for n in ("c.jsonl", "q.jsonl", "config.toml"))
    corpus.write_text("\n".join(json.dumps(r) for r in CORPUS))
    questions.write_text("\n".join(json.dumps(r) for r in QUESTIONS))
    config.write_text('[index]\nmodel = "hash-256"\n')
    return corpus, questions, config


@pytest.mark.model  # the "dense" baseline loads the real MiniLM model
def test_json_output_has_three_pipelines_with_every_metric(tmp_path, capsys) -> None:
    corpus, questions, config = _files(tmp_path)
    args = ["--config", str(config), "eval", "--corpus", str(corpus), "--questions"]
    assert main([*args, str(questions), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    # "dense" is the MiniLM baseline; the index's own model (here the fake) is "dense_model".
    assert list(results) == ["full", "lexical", "dense", "dense_model"]
    for metrics in results.values():
        assert list(metrics) == list(METRIC_KEYS)
        assert (metrics["answerable"], metrics["unanswerable"]) == (1, 1)
    assert results["lexical"]["recall@1"] == 1.0
    assert results["dense"]["withheld_answerable"] == 0.0
    assert results["dense"]["recall@1"] == 1.0  # MiniLM finds the ferry


def test_dense_baseline_ranks_the_same_passages_with_its_own_model(hash_index) -> None:
    from index.evaluation.harness import DenseBaseline
    from index.records import Article
    from index.search.query import parse_query
    from tests.support.embedders import HashEmbedder

    hash_index.ingest_articles(
        Article(title="", text=row["text"], url=row["url"], published=row["published"])
        for row in CORPUS
    )
    other = HashEmbedder(128)
    baseline = DenseBaseline(hash_index, other)
    assert [p.text for p in baseline.passages] == [r["text"] for r in CORPUS]
    hits = baseline.search(QUESTIONS[0]["question"])
    assert len(hits) == 2 and hits[0].passage.text == CORPUS[0]["text"]
    text = parse_query(QUESTIONS[0]["question"]).text
    expected = other.encode([text])[0] @ other.encode([CORPUS[0]["text"]])[0]
    assert hits[0].dense == pytest.approx(float(expected), abs=1e-5)


@pytest.mark.model  # the "dense" baseline loads the real MiniLM model
def test_table_output_and_a_missing_file_is_one_error_line(tmp_path, capsys) -> None:
    corpus, questions, config = _files(tmp_path)
    args = ["--config", str(config), "eval", "--corpus", str(corpus), "--questions"]
    assert main([*args, str(questions)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["metric", "full", "lexical", "dense", "dense_model"]
    assert main([*args, str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsdesk: error:") and "missing.jsonl" in err


def test_question_of_the_wrong_type_is_named_with_its_line(tmp_path):
    from index.errors import InputError
    from index.evaluation.harness import read_questions

    for row in ({"question": 5}, {"question": "q?", "evidence": "one string"}):
        path = tmp_path / "q.jsonl"
        path.write_text(json.dumps({"question": "ok?"}) + "\n" + json.dumps(row) + "\n")
        with pytest.raises(InputError, match=r"q\.jsonl:2: not a question object"):
            read_questions(path)


def test_a_corpus_that_gives_nothing_is_one_error_line(tmp_path, capsys) -> None:
    _, questions, config = _files(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    args = ["--config", str(config), "eval", "--corpus", str(empty), "--questions"]
    assert main([*args, str(questions)]) == 2
    assert capsys.readouterr().err == f"newsdesk: error: {empty}: the file is empty\n"


def test_evaluate_answers_without_the_dense_baseline_needs_no_model(hash_index) -> None:
    from index.evaluation.harness import evaluate_answers, read_questions
    from index.records import Article

    hash_index.ingest_articles(
        Article(title="", text=row["text"], url=row["url"], published=row["published"])
        for row in CORPUS
    )
    path = hash_index.path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in QUESTIONS))
    results = evaluate_answers(hash_index, read_questions(path), modes=("full", "lexical"))
    assert list(results) == ["full", "lexical"]
    assert results["lexical"]["recall@1"] == 1.0
    assert (results["full"]["answerable"], results["full"]["unanswerable"]) == (1, 1)
