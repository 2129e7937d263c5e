"""`newsdesk eval` on the seed set with the real model: the targets and the JSON shape."""

from __future__ import annotations

import contextlib
import json

import pytest

from index.cli import main
from index.evaluation.metrics import METRIC_KEYS
from tests.conftest import shared_path

pytestmark = [pytest.mark.model, pytest.mark.shared]


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory) -> dict:
    corpus = shared_path("corpus", "seed_news_page.txt")
    questions = shared_path("eval", "seed", "questions.jsonl")
    out = tmp_path_factory.mktemp("eval") / "out.json"
    with out.open("w") as handle, contextlib.redirect_stdout(handle):
        code = main(["eval", "--corpus", str(corpus), "--questions", str(questions), "--json"])
    assert code == 0
    return json.loads(out.read_text())


def test_json_has_every_metric_for_every_pipeline(seed_results) -> None:
    assert set(seed_results) == {"full", "lexical", "dense", "dense_model"}
    for metrics in seed_results.values():
        assert list(metrics) == list(METRIC_KEYS)
        assert metrics["answerable"] == 7 and metrics["unanswerable"] == 2
        for key in ("recall@1", "recall@5", "mrr@10", "precision_shown", "answered_correctly"):
            assert 0.0 <= metrics[key] <= 1.0


def test_seed_targets(seed_results) -> None:
    full = seed_results["full"]
    assert full["recall@1"] >= 6 / 7
    assert full["recall@5"] == 1.0
    assert full["abstained_unanswerable"] == 1.0
    assert full["passage_chars_max"] <= 1000


def test_baselines_never_withhold_an_answer(seed_results) -> None:
    for mode in ("lexical", "dense", "dense_model"):
        assert seed_results[mode]["withheld_answerable"] == 0.0
