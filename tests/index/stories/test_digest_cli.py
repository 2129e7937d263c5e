"""`newsdesk summary` without a topic: the digest as text and as one JSON object (fake
embedder via config); `format_digest` on its own."""

import json

from index.cli import main
from index.output import format_digest
from index.records import Digest, DigestStory

FLOOD = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the old dam overflowed following record rainfall."
)
RATES = (
    "The central bank raised interest rates by half a point on Wednesday, citing "
    "persistent inflation in services and rising wages across the economy."
)


def _config(tmp_path) -> str:
    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / "config.toml"
    config.write_text(f'[index]\nmodel = "hash-256"\npath = "{tmp_path / "ix"}"\n')
    return str(config)


def _setup(tmp_path) -> str:
    config = _config(tmp_path)
    rows = [
        ("Marlow floods", FLOOD, "Wire A", "https://a.com/1", "2025-03-04"),
        (
            "Marlow floods: dam",
            FLOOD.replace("record", "heavy"),
            "Wire B",
            "https://b.com/2",
            "2025-03-05",
        ),
        ("Rates up", RATES, "Wire C", "https://c.com/3", "2025-03-03"),
    ]
    corpus = tmp_path / "news.jsonl"
    corpus.write_text(
        "".join(
            json.dumps(dict(zip(("title", "text", "source", "url", "published"), r, strict=True)))
            + "\n"
            for r in rows
        )
    )
    assert main(["--config", config, "ingest", str(corpus)]) == 0
    return config


def test_summary_without_topic_prints_the_main_stories(tmp_path, capsys) -> None:
    config = _setup(tmp_path)
    capsys.readouterr()
    assert main(["--config", config, "summary"]) == 0
    assert capsys.readouterr().out == (
        "Main stories, 2025-02-27 to 2025-03-05\n"
        "\n"
        "1. Marlow floods: dam\n"
        f"   {FLOOD.replace('record', 'heavy')}\n"
        "   — Wire B, 2025-03-05, https://b.com/2\n"
        "   also reported by: Wire A\n"
        "\n"
        "2. Rates up\n"
        f"   {RATES}\n"
        "   — Wire C, 2025-03-03, https://c.com/3\n"
    )


def test_summary_without_topic_json_is_the_digest(tmp_path, capsys) -> None:
    config = _setup(tmp_path)
    capsys.readouterr()
    assert (
        main(["--config", config, "summary", "--json", "--days", "1", "--now", "2025-03-05"]) == 0
    )
    assert json.loads(capsys.readouterr().out) == {
        "stories": [
            {
                "story_id": 1,
                "headline": "Marlow floods: dam",
                "sentence": FLOOD.replace("record", "heavy"),
                "url": "https://b.com/2",
                "outlet": "Wire B",
                "published": "2025-03-05",
                "also_reported_by": ["Wire A"],
                "articles": 2,
            }
        ],
        "since": "2025-03-04",
        "until": "2025-03-06",
    }


def test_summary_of_an_empty_window_says_so(tmp_path, capsys) -> None:
    config = _setup(tmp_path)
    capsys.readouterr()
    assert main(["--config", config, "summary", "--days", "7", "--now", "2026-01-01"]) == 0
    assert capsys.readouterr().out == "No news read yet from the last 7 days.\n"
    empty = _config(tmp_path / "empty")
    assert main(["--config", empty, "summary"]) == 0
    assert capsys.readouterr().out == "No news read yet.\n"


def test_summary_with_a_topic_is_still_a_summary(tmp_path, capsys) -> None:
    config = _setup(tmp_path)
    capsys.readouterr()
    assert main(["--config", config, "summary", "--json", "Marlow floods"]) == 0
    assert {"topic", "lines", "sources", "text"} <= set(json.loads(capsys.readouterr().out))


def test_format_digest_shows_only_what_a_story_has() -> None:
    digest = Digest(
        stories=(
            DigestStory(7, "", "A sentence\x1b[31m without a headline.", "", "", "", (), 1),
            DigestStory(8, "Headline only", "", "https://x.test/8", "", "", ("A", "B"), 2),
        ),
        since="",
        until="",
    )
    assert format_digest(digest, days=3) == (
        "Main stories of the last 3 days\n"
        "\n"
        "1. A sentence [31m without a headline.\n"
        "\n"
        "2. Headline only\n"
        "   — https://x.test/8\n"
        "   also reported by: A and B"
    )
    assert "untitled" not in format_digest(digest, None).lower()
