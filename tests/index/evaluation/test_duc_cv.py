"""DUC settings cross-validated by clusters: splits, selection on the fit half, measurement
on the other, and the summary figures, on small synthetic per-cluster score tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.evaluation.cross_validation import (
    ScoreTable,
    Split,
    best_row,
    cross_validate,
    leads,
    random_splits,
    summary,
)

REPO = Path(__file__).resolve().parents[3]
DUC = REPO.parent / "shared" / "eval" / "duc2004" / "clusters_dev.jsonl"


def scores(*rows: list[tuple[float, float]]) -> np.ndarray:
    return np.asarray(rows, dtype=float)


def table() -> ScoreTable:
    """Four clusters. Config 0 (the defaults) is steady; config 1 is best on clusters 0-1
    and worst on 2-3; config 2 the other way round. System A wins on 0-1, B on 2-3."""
    ours = scores(
        [(40, 10), (40, 10), (40, 10), (40, 10)],
        [(42, 14), (42, 14), (38, 6), (38, 6)],
        [(38, 6), (38, 6), (42, 14), (42, 14)],
    )
    published = scores(
        [(41, 11), (41, 11), (35, 7), (35, 7)],
        [(35, 7), (35, 7), (39, 9), (41, 9)],
    )
    configs = ({"lead_boost": 0.5}, {"lead_boost": 1.0}, {"lead_boost": 0.25})
    return ScoreTable(("c0", "c1", "c2", "c3"), configs, ours, ("A", "B"), published)


def test_splits_are_disjoint_cover_every_cluster_and_have_the_asked_sizes():
    splits = random_splits(25, 12, 50, seed=3)
    assert len(splits) == 50
    for split in splits:
        assert len(split.fit) == 12 and len(split.measure) == 13
        assert not set(split.fit) & set(split.measure)
        assert sorted([*split.fit, *split.measure]) == list(range(25))
    assert len({tuple(s.fit) for s in splits}) > 40  # random, not one split repeated


def test_seeded_splits_are_reproducible_and_the_seed_matters():
    same = random_splits(25, 12, 20, seed=7), random_splits(25, 12, 20, seed=7)
    assert [tuple(s.fit) for s in same[0]] == [tuple(s.fit) for s in same[1]]
    other = random_splits(25, 12, 20, seed=8)
    assert [tuple(s.fit) for s in other] != [tuple(s.fit) for s in same[0]]


def test_a_split_needs_clusters_on_both_sides():
    with pytest.raises(ValueError):
        random_splits(4, 4, 1, seed=0)
    with pytest.raises(ValueError):
        random_splits(4, 0, 1, seed=0)


def test_selection_picks_the_fit_half_best_and_measures_it_on_the_other_half():
    data = table()
    first, second = (
        Split(np.array([0, 1]), np.array([2, 3])),
        Split(np.array([2, 3]), np.array([0, 1])),
    )
    a, b = cross_validate(data, [first, second], defaults=0)
    # Fitted on clusters 0-1, config 1 wins there (14) and is measured on 2-3 (6).
    assert a.chosen == 1 and a.fitted == (42, 14) and a.unseen == (38, 6)
    assert b.chosen == 2 and b.fitted == (42, 14) and b.unseen == (38, 6)
    # The defaults are never refitted: the same steady figures on every half.
    assert a.defaults_unseen == (40, 10) and b.defaults_fitted == (40, 10)
    # The best published on the unseen half is chosen there; the fit-half choice is not.
    assert (a.best_system, a.best) == ("B", (40, 9))
    assert (a.fit_system, a.fit_best) == ("A", (35, 7))
    assert (b.best_system, b.fit_system, b.fit_best) == ("A", "B", (35, 7))
    assert a.best_rouge1 == 40 and b.best_rouge1 == 41


def test_ties_go_to_the_better_rouge1_then_to_the_defaults():
    tied = scores([(39, 10), (39, 10)], [(40, 10), (40, 10)], [(40, 10), (40, 10)])
    columns = np.array([0, 1])
    assert best_row(tied, columns) == 1
    assert best_row(tied, columns, prefer=2) == 2
    assert best_row(tied, columns, prefer=0) == 1  # the preferred row is not among the best


def test_the_target_needs_half_a_point_of_rouge2_and_level_rouge1():
    assert leads((40.0, 10.5), (40.0, 10.0))
    assert not leads((40.0, 10.4), (40.0, 10.0))
    assert not leads((39.9, 11.0), (40.0, 10.0))


def test_summary_reports_the_unseen_figures_and_how_often_the_defaults_win():
    data = table()
    splits = [Split(np.array([0, 1]), np.array([2, 3])), Split(np.array([2, 3]), np.array([0, 1]))]
    report = summary(data, cross_validate(data, splits, 0), 0)
    assert report["splits"] == 2 and report["configurations"] == 3
    assert report["defaults_chosen_share"] == 0
    assert report["refit"]["unseen"]["rouge2"]["mean"] == pytest.approx(6)
    assert report["refit"]["fitted"]["rouge2"]["mean"] == pytest.approx(14)
    assert report["defaults"]["unseen"]["rouge2"]["mean"] == pytest.approx(10)
    assert report["refit_minus_defaults_unseen_rouge2"]["mean"] == pytest.approx(-4)
    # Defaults vs the best published on the unseen half: 40/10 vs B 40/9 (leads) and vs
    # A 41/11 (does not); refit never leads.
    assert report["defaults"]["share_leading_best"] == pytest.approx(0.5)
    assert report["refit"]["share_leading_best"] == 0
    assert report["defaults"]["rouge2_margin_over_best"]["mean"] == pytest.approx(0)
    assert report["best_published_unseen"]["systems"] == {"B": 1, "A": 1}
    assert {row["config"]["lead_boost"] for row in report["chosen"]} == {1.0, 0.25}


def test_the_defaults_win_when_they_are_best_on_the_fit_half():
    data = table()
    ours = data.ours.copy()
    ours[0] += (0, 5)  # the defaults now lead everywhere
    better = ScoreTable(data.cluster_ids, data.configs, ours, data.systems, data.published)
    splits = random_splits(4, 2, 10, seed=1)
    report = summary(better, cross_validate(better, splits, 0), 0)
    assert report["defaults_chosen_share"] == 1
    assert report["refit_minus_defaults_unseen_rouge2"]["p95"] == 0


def test_percentiles_spread_over_splits():
    data = table()
    splits = random_splits(4, 2, 200, seed=0)
    report = summary(data, cross_validate(data, splits, 0), 0)
    unseen = report["refit"]["unseen"]["rouge2"]
    assert unseen["p5"] < unseen["mean"] < unseen["p95"]


def test_table_round_trips_through_json_and_finds_configs():
    data = table()
    again = ScoreTable.from_json(json.loads(json.dumps(data.to_json())))
    assert again.cluster_ids == data.cluster_ids and again.systems == data.systems
    assert np.array_equal(again.ours, data.ours) and np.array_equal(again.published, data.published)
    assert again.config_index({"lead_boost": 1.0}) == 1
    with pytest.raises(KeyError):
        again.config_index({"lead_boost": 3.0})


def test_table_shapes_are_checked():
    data = table()
    with pytest.raises(ValueError):
        ScoreTable(data.cluster_ids[:3], data.configs, data.ours, data.systems, data.published)


def test_the_script_scores_a_small_grid_and_reuses_its_cache(tmp_path):
    if not DUC.exists():
        pytest.skip("../shared/eval is absent")
    data = tmp_path / "clusters.jsonl"  # three real clusters, outside the repository
    data.write_text("".join(DUC.read_text(encoding="utf-8").splitlines(True)[:3]))
    fixed = ["position_weight=1", "lead_boost=0.5", "duplicate_cosine=0.5", "min_df_share=0.3"]
    command = [sys.executable, str(REPO / "benchmarks" / "duc_cv.py"), "--data", str(data)]
    command += ["--cache", str(tmp_path / "cache"), "--fit", "1", "--splits", "5", "--json"]
    command += [f"--set={item}" for item in [*fixed, "unigram_weight=0.3,0.5"]]
    first = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    assert "configurations" in first.stderr  # built: progress was printed
    report = json.loads(first.stdout)
    assert report["configurations"] == 2 and report["splits"] == 5
    assert report["clusters"] == 3 and report["best_published_unseen"]["systems"]
    assert 0 < report["defaults"]["unseen"]["rouge2"]["mean"] < 100
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    again = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    assert again.stderr == "" and json.loads(again.stdout) == report  # read from the cache
