"""`newsdesk eval-follow`: follows phrased from DUC references, scored against every
cluster's documents, the bar fitted on one half and measured on the other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.alerts.matching import FollowSettings
from index.cli import main
from index.config import IndexConfig
from index.engine import NewsIndex
from index.evaluation.follow import evaluate_follows, follow_text
from index.evaluation.rouge import Cluster
from tests.support.embedders import HashEmbedder

TOPICS = [
    ("volcano", "The volcano erupted and lava flowed down the volcano slopes near the town."),
    ("election", "Voters chose a new parliament as the election count gave the opposition seats."),
    ("strike", "Dock workers went on strike and the port strike halted container ships."),
    ("floods", "Floods swept the river valley and the floods forced families from homes."),
]


def _cluster(name: str, sentence: str) -> Cluster:
    documents = tuple(f"{sentence} Report number {i} on the {name}." for i in range(3))
    return Cluster(
        cluster_id=name,
        documents=documents,
        references=(("A", f"The {name} story: {sentence}"),),
        system_summaries=(),
    )


def test_follows_match_their_own_cluster(tmp_path: Path) -> None:
    clusters = [_cluster(name, sentence) for name, sentence in TOPICS]
    assert (
        follow_text(clusters[0]).split()
        == "The volcano story: The volcano erupted and lava".split()
    )
    embedder = HashEmbedder()
    run = evaluate_follows(
        clusters,
        lambda path: NewsIndex.open(path, IndexConfig(path=str(path)), embedder),
        tmp_path / "ix",
    )
    assert run.follows == 2 and run.fitted_on == 2
    assert run.precision == 1.0 and run.recall == 1.0  # words and meaning both separate them
    assert set(run.json()) >= {"precision", "recall", "follows", "bar", "profile_bar"}
    assert run.profile_bar == FollowSettings().min_score  # the test embedder gets the default's


def test_eval_follow_needs_two_clusters(tmp_path: Path, capsys) -> None:
    data = tmp_path / "one.jsonl"
    name, sentence = TOPICS[0]
    data.write_text(
        json.dumps({"cluster_id": name, "documents": [sentence], "references": {"A": sentence}})
        + "\n"
    )
    assert main(["eval-follow", str(data)]) != 0
    assert "at least 2 clusters" in capsys.readouterr().err


@pytest.mark.model
def test_eval_follow_on_duc_prints_the_figures(capsys) -> None:
    from tests.conftest import shared_path

    clusters = shared_path("eval", "duc2004", "clusters_dev.jsonl")
    assert main(["eval-follow", str(clusters), "--clusters", "4", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["follows"] == 2 and 0.0 <= figures["precision"] <= 1.0
    assert figures["recall"] > 0.3  # a follow finds some of its own cluster's stories
    assert set(figures) >= {"bar", "tune_precision", "tune_recall", "fitted_on", "profile_bar"}
