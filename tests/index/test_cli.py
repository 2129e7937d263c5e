"""The `newsdesk` command line with the real model: ingest, ask, stats, errors."""

import json
import subprocess
import sys

import pytest

from index.cli import main


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.model
def test_ingest_then_ask_in_an_empty_folder_with_no_config(
    tmp_path, monkeypatch, capsys, sample_page, real_embedder
):
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "ingest", str(sample_page))
    assert code == 0 and "added 4 articles" in out
    assert (tmp_path / "newsdesk-data" / "news.sqlite3").exists()

    code, out, _ = _run(
        capsys,
        "ask",
        "--json",
        "--now",
        "2025-08-17",
        "Who runs the aid distribution points in Gaza?",
    )
    reply = json.loads(out)
    assert code == 0 and reply["abstained"] is False
    assert "Gaza Humanitarian Foundation" in reply["passage"]
    assert reply["title"].startswith("Israel's growing frustration")
    assert reply["source"] == "The Hill" and reply["url"] == "" and reply["published"] == ""
    assert set(reply) == {
        "abstained",
        "passage",
        "title",
        "source",
        "url",
        "published",
        "score",
        "also_reported_by",
    }
    assert reply["also_reported_by"] == []  # the page's other articles are other stories

    code, out, _ = _run(capsys, "ask", "How tall is Mount Everest?")
    assert code == 0 and "I don't know" in out

    code, out, _ = _run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert code == 0 and stats["articles"] == 4 and stats["passages"] > 10
    assert stats["newest"] == ""


@pytest.mark.model
def test_text_answer_shows_passage_and_source(tmp_path, capsys, sample_page, real_embedder):
    index = str(tmp_path / "ix")
    _run(
        capsys,
        "--index",
        index,
        "ingest",
        str(sample_page),
        "--source",
        "Daily8",
        "--url",
        "https://daily8.test/a",
        "--published",
        "2025-08-17",
    )
    code, out, _ = _run(
        capsys,
        "--index",
        index,
        "ask",
        "What did Rubio say on ABC would happen if there is no peace agreement?",
    )
    assert code == 0
    assert "**" in out  # the answer sentence is marked (no colour when not a terminal)
    assert "Daily8" in out and "2025-08-17" in out and "https://daily8.test/a" in out


def test_errors_are_one_line_with_nonzero_exit(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[index]\nsurprise = 1\n")
    code, _, err = _run(capsys, "--config", str(bad), "stats")
    assert code == 2 and err.count("\n") == 1 and "unknown key 'surprise'" in err

    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02")
    code, _, err = _run(capsys, "--index", str(tmp_path / "ix"), "ingest", str(binary))
    assert code == 1 and "binary" in err


def test_console_script_entry_point(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "index", "--index", str(tmp_path / "ix"), "stats", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"articles": 0, "passages": 0, "newest": "", "sources": 0}


@pytest.mark.parametrize("line", ["[1, 2]", '{"cluster_id": "d1", "documents": 3}', "{not json"])
def test_eval_summary_bad_clusters_file_is_one_line(tmp_path, capsys, line):
    clusters = tmp_path / "clusters.jsonl"
    clusters.write_text(line + "\n")
    assert main(["eval-summary", str(clusters)]) == 2
    assert "cannot read DUC clusters" in capsys.readouterr().err
