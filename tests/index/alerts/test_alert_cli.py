"""`newsdesk follows add|list|remove` and `newsdesk digest [--now]` (fake embedder via
config): the command line mirrors the bot's /follow and /digest."""

from __future__ import annotations

import json
from datetime import date

from index.cli import main
from index.config import AlertsConfig, IndexConfig
from index.engine import NewsIndex
from tests.support.embedders import HashEmbedder

FLOOD = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the old dam overflowed following record rainfall."
)


def _config(tmp_path) -> str:
    config = tmp_path / "config.toml"
    config.write_text(f'[index]\nmodel = "hash-256"\npath = "{tmp_path / "ix"}"\n')
    return str(config)


def test_follows_are_added_listed_and_removed_per_server(tmp_path, capsys):
    config = _config(tmp_path)
    add = ["--config", config, "follows", "add"]
    assert main([*add, "Marlow floods", "--server", "1", "--channel", "10", "--role", "7"]) == 0
    assert main([*add, "Port Sable fire", "--server", "2", "--channel", "20"]) == 0
    capsys.readouterr()

    assert main(["--config", config, "follows", "list", "--server", "1", "--json"]) == 0
    [follow] = json.loads(capsys.readouterr().out)["follows"]
    assert (follow["topic"], follow["channel_id"], follow["role_id"]) == ("Marlow floods", 10, 7)
    assert main(["--config", config, "follows", "list"]) == 0
    out = capsys.readouterr().out
    assert "[1] #10: Marlow floods, pings role 7" in out and "[2] #20: Port Sable fire" in out

    remove = ["--config", config, "follows", "remove"]
    assert main([*remove, "Port Sable fire", "--server", "1"]) == 2  # not server 1's
    assert "does not follow" in capsys.readouterr().err
    assert main([*remove, "port sable FIRE", "--server", "2"]) == 0
    assert main(["--config", config, "follows", "list", "--server", "2"]) == 0
    assert capsys.readouterr().out.strip().endswith("No follows.")


def test_a_bad_follow_is_a_one_line_error(tmp_path, capsys):
    config = _config(tmp_path)
    assert main(["--config", config, "follows", "add", " ", "--server", "1", "--channel", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsdesk: error:") and err.count("\n") == 1


def test_digest_lists_schedules_and_now_prints_the_digest_a_schedule_would_post(tmp_path, capsys):
    config = _config(tmp_path)
    today = date.today().isoformat()
    with NewsIndex.open(
        tmp_path / "ix",
        IndexConfig(path=str(tmp_path / "ix"), model="hash-256"),
        HashEmbedder(256),
        alerts=AlertsConfig(),
    ) as index:
        from index.records import Article

        index.ingest_articles(
            [Article("Marlow floods", FLOOD, "Wire A", "https://a.example/1", today)]
        )
        index.schedule_digest(1, 10, "07:30", topic="Marlow")
    assert main(["--config", config, "digest"]) == 0
    assert "[1] #10: daily at 07:30 UTC about Marlow" in capsys.readouterr().out

    assert main(["--config", config, "digest", "--now", "--json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert [s["headline"] for s in digest["stories"]] == ["Marlow floods"]
    assert main(["--config", config, "digest", "--now"]) == 0
    assert "Marlow floods" in capsys.readouterr().out
