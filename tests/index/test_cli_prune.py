"""`newsdesk prune`: what it removes, what it prints, and the disk use it reports."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from index.cli import main
from index.config import IndexConfig
from index.engine import DB_FILE, NewsIndex
from index.records import Article
from tests.support.embedders import HashEmbedder

TODAY = date(2025, 8, 17)


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """An index (fake embedder "hash-64") with 40 articles 200 days old and 5 new ones."""
    path = tmp_path / "ix"
    old = [(f"old{n}", TODAY - timedelta(days=200)) for n in range(40)]
    new = [(f"new{n}", TODAY - timedelta(days=2)) for n in range(5)]
    with NewsIndex.open(path, IndexConfig(path=str(path), model="hash-64"), HashEmbedder(64)) as ix:
        ix.ingest_articles(
            Article(
                title=f"{name} report",
                text=" ".join(f"The {name} council met about item {s}." for s in range(60)),
                url=f"https://news.test/{name}",
                published=day.isoformat(),
            )
            for name, day in old + new
        )
    return path


def _config(tmp_path: Path, retention_days: int) -> str:
    config = tmp_path / "config.toml"
    config.write_text(f'[index]\nmodel = "hash-64"\nretention_days = {retention_days}\n')
    return str(config)


def _titles(path: Path) -> set[str]:
    db = sqlite3.connect(path / DB_FILE)
    try:
        return {r[0] for r in db.execute("SELECT title FROM articles")}
    finally:
        db.close()


def test_prune_json_reports_what_left_and_the_disk_use(tmp_path, index_dir, capsys) -> None:
    config = _config(tmp_path, 90)
    args = ["--config", config, "--index", str(index_dir), "prune", "--now", str(TODAY)]
    code = main([*args, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) == {"articles", "passages", "cutoff", "bytes_before", "bytes_after", "vacuumed"}
    assert out["articles"] == 40 and out["passages"] >= 40 and out["cutoff"] == "2025-05-19"
    assert 0 < out["bytes_after"] <= out["bytes_before"] and out["vacuumed"] is False
    assert _titles(index_dir) == {f"new{n} report" for n in range(5)}

    assert main([*args, "--days", "1", "--vacuum"]) == 0  # --days overrides the config
    text = capsys.readouterr().out
    assert text.startswith("removed 5 articles (") and "published before 2025-08-16" in text
    assert "MB before" in text and "MB after" in text and "--vacuum" not in text
    assert _titles(index_dir) == set()


def test_vacuum_gives_the_space_back(tmp_path, index_dir, capsys) -> None:
    args = ["--config", _config(tmp_path, 90), "--index", str(index_dir), "prune", "--json"]
    assert main([*args, "--now", str(TODAY), "--vacuum"]) == 0
    out = json.loads(capsys.readouterr().out)
    # Half: an empty index is ~200 KB of tables and indexes (one page each at least).
    assert out["vacuumed"] is True and out["bytes_after"] < out["bytes_before"] / 2
    assert (index_dir / DB_FILE).stat().st_size <= out["bytes_after"]


def test_zero_days_keeps_everything_and_says_so(tmp_path, index_dir, capsys) -> None:
    config = _config(tmp_path, 0)
    assert main(["--config", config, "--index", str(index_dir), "prune"]) == 0
    assert capsys.readouterr().out.startswith("nothing removed: retention is 0 days")
    assert len(_titles(index_dir)) == 45


def test_text_output_mentions_vacuum_when_space_stays_in_the_file(tmp_path, index_dir, capsys):
    args = ["--config", _config(tmp_path, 30), "--index", str(index_dir), "prune"]
    assert main([*args, "--now", str(TODAY)]) == 0  # retention_days = 30 from the config
    out = capsys.readouterr().out
    assert "removed 40 articles" in out and "published before 2025-07-18" in out
    assert "--vacuum gives it back" in out


def test_a_negative_day_count_is_a_usage_error(tmp_path, index_dir, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--index", str(index_dir), "prune", "--days", "-3"])
    assert exit_.value.code == 2
    assert "must be 0 or a positive whole number" in capsys.readouterr().err
