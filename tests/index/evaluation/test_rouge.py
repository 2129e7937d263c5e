"""The DUC 2004 protocol: citation markers, 100-word cut, per-reference averaging, halves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.evaluation.rouge import (
    OURS,
    TUNE_CLUSTERS,
    Cluster,
    ClusterScore,
    EvalRun,
    evaluate_summaries,
    load_clusters,
    percentile,
    prepare,
    score_summary,
    split_clusters,
)

REPO = Path(__file__).resolve().parents[3]
DUC = REPO.parent / "shared" / "eval" / "duc2004" / "clusters_dev.jsonl"


def test_prepare_drops_citations_and_cuts_to_100_words():
    text = "Floods hit the port [1]. Docks closed [2][3] and [4, 5] barges waited [12]."
    assert prepare(text) == "Floods hit the port. Docks closed and barges waited."
    long = " ".join(f"w{i}" for i in range(150))
    assert prepare(long).split() == [f"w{i}" for i in range(100)]


def test_recall_is_averaged_over_references():
    one = "the port closed its docks after the flood"
    other = "barges waited at the rail terminal for two days"
    r1, r2 = score_summary(one, [one, other])
    r1_alone, r2_alone = score_summary(one, [one])
    assert r1_alone == pytest.approx(100.0) and r2_alone == pytest.approx(100.0)
    assert r1 == pytest.approx((100.0 + score_summary(one, [other])[0]) / 2)
    assert r2 == pytest.approx(50.0)  # no bigram of `one` is in `other`


def test_stemming_matches_inflections():
    assert score_summary("docks closing", ["dock closed"])[0] == pytest.approx(100.0)


def test_only_the_first_100_words_of_the_summary_count():
    reference = "barges waited at the terminal"
    late = " ".join(["filler"] * 100) + " " + reference
    assert score_summary(late, [reference]) == (0.0, 0.0)


def _cluster(cid: str, reference: str) -> Cluster:
    return Cluster(
        cluster_id=cid,
        documents=("Barges waited near docks.", "The port closed."),
        references=(("A", reference), ("B", reference)),
        system_summaries=(("Lead", "Barges waited near docks."),),
    )


def test_evaluate_scores_ours_and_each_published_system_and_tables_average():
    clusters = [_cluster("d1", "barges waited near docks"), _cluster("d2", "the port closed")]
    run = evaluate_summaries(clusters, lambda c: c.documents[1] + " [2]")
    table = run.table()
    assert set(table) == {OURS, "Lead"}
    assert table[OURS]["rouge1"] == pytest.approx((0.0 + 100.0) / 2)
    assert table["Lead"]["rouge1"] == pytest.approx((100.0 + 0.0) / 2)
    assert run.table(["d2"])[OURS]["rouge2"] == pytest.approx(100.0)
    assert len(run.seconds) == 2 and [cid for cid, _ in run.summaries] == ["d1", "d2"]


def test_split_is_first_twelve_by_file_order(tmp_path):
    path = tmp_path / "clusters.jsonl"
    with path.open("w") as handle:
        for i in range(25):
            row = {"cluster_id": f"d{i:02d}", "documents": ["x."], "references": {"A": "x"}}
            handle.write(json.dumps(row) + "\n")
    tune, held_out = split_clusters(load_clusters(path))
    assert len(tune) == TUNE_CLUSTERS == 12 and len(held_out) == 13
    assert tune[0].cluster_id == "d00" and held_out[0].cluster_id == "d12"


def test_table_of_a_hand_made_run_and_percentiles():
    run = EvalRun(
        scores=(ClusterScore("a", OURS, 40.0, 10.0), ClusterScore("b", OURS, 30.0, 8.0)),
        seconds=(0.1, 0.3),
        summaries=(),
    )
    assert run.table() == {OURS: {"rouge1": 35.0, "rouge2": 9.0}}
    assert percentile([0.1, 0.3], 0.5) == pytest.approx(0.2)
    assert percentile([], 0.95) == 0.0


@pytest.mark.shared
def test_published_systems_reproduce_on_the_dev_clusters():
    """Scored our way, LexRank/Submodular/DPP match the README's figures on these 25."""
    if not DUC.parent.parent.is_dir():
        pytest.skip("../shared/eval is absent")
    clusters = load_clusters(DUC)
    run = evaluate_summaries(clusters, lambda c: "", systems=True)
    table = run.table()
    for system, r1, r2 in (("LexRank", 36.5, 8.0), ("Submodular", 38.8, 9.3), ("DPP", 40.0, 9.8)):
        assert table[system]["rouge1"] == pytest.approx(r1, abs=0.15)
        assert table[system]["rouge2"] == pytest.approx(r2, abs=0.1)


def test_markdown_table_puts_ours_first_with_every_group():
    from index.evaluation.rouge import markdown_table, report_groups

    run = EvalRun(
        scores=(
            ClusterScore("a", "DPP", 41.0, 9.0),
            ClusterScore("a", OURS, 40.0, 10.0),
            ClusterScore("b", OURS, 30.0, 8.0),
        ),
        seconds=(0.1, 0.3),
        summaries=(),
    )
    groups = report_groups([_cluster("a", "x"), _cluster("b", "y")])
    assert [name for name, _ in groups] == ["tune (2)", "held-out (0)", "all (2)"]
    lines = markdown_table(run, groups).splitlines()
    assert lines[2].startswith(f"| **{OURS}** | 35.0 | 9.00 |")
    assert lines[3].startswith("| DPP | 41.0 | 9.00 |")
