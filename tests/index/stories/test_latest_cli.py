"""`newsdesk latest` and `ask --json`'s `also_reported_by` (fake embedder via config)."""

import json

from index.cli import main
from index.output import answer_json, format_answer
from index.records import Answer, Hit, Passage

FLOOD = (
    "Floods swept through the river town of Marlow on Tuesday, forcing two thousand "
    "residents from their homes after the old dam overflowed following record rainfall."
)
RATES = (
    "The central bank raised interest rates by half a point on Wednesday, citing "
    "persistent inflation in services and rising wages across the economy."
)


def _setup(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[index]\nmodel = "hash-256"\npath = "{tmp_path / "ix"}"\n')
    rows = [
        {
            "title": "Marlow floods",
            "text": FLOOD,
            "source": "Wire A",
            "url": "https://a.com/1",
            "published": "2025-03-04",
        },
        {
            "title": "Marlow dam overflows",
            "text": FLOOD.replace("record", "heavy"),
            "source": "Wire B",
            "url": "https://b.com/2?utm_source=rss",
            "published": "2025-03-05",
        },
        {
            "title": "Rates up",
            "text": RATES,
            "source": "Wire C",
            "url": "https://c.com/3",
            "published": "2025-03-03",
        },
    ]
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["--config", str(config), "ingest", str(corpus)]) == 0
    return config


def test_latest_json_lists_one_entry_per_story(tmp_path, capsys) -> None:
    config = _setup(tmp_path)
    capsys.readouterr()
    assert main(["--config", str(config), "latest", "--json", "--now", "2025-03-06"]) == 0
    stories = json.loads(capsys.readouterr().out)["stories"]
    assert [s["headline"] for s in stories] == ["Marlow dam overflows", "Rates up"]
    assert stories[0] == {
        "headline": "Marlow dam overflows",
        "url": "https://b.com/2",
        "source": "Wire B",
        "published": "2025-03-05",
        "also_reported_by": ["Wire A"],
        "articles": 2,
    }
    assert main(["--config", str(config), "latest", "--count", "1", "--now", "2025-03-06"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "1. Marlow dam overflows · Wire B · 2025-03-05 (also reported by Wire A)"
    )
    assert "Rates up" not in text


def test_ask_json_carries_also_reported_by(tmp_path, capsys) -> None:
    config = _setup(tmp_path)
    capsys.readouterr()
    question = "How many Marlow residents left their homes?"
    assert main(["--config", str(config), "ask", "--json", "--now", "2025-03-06", question]) == 0
    reply = json.loads(capsys.readouterr().out)
    # The fake embedder's confidence abstains here: no answer, so no other outlets.
    assert reply["abstained"] and reply["also_reported_by"] == []


def test_answer_json_and_text_list_the_other_outlets() -> None:
    passage = Passage(1, 1, 0, "Two thousand left.", "Marlow floods", "Wire A", "", "")
    answer = Answer(
        question="q",
        abstained=False,
        confidence=0.9,
        hit=Hit(passage, 1.0),
        also_reported_by=("Wire B", "Wire C", "Wire D", "Wire E"),
    )
    assert answer_json(answer)["also_reported_by"] == ["Wire B", "Wire C", "Wire D", "Wire E"]
    text = format_answer(answer, color=False)
    assert "also reported by Wire B, Wire C, Wire D and 1 more" in text
