"""The JSONL corpus reader: one Article per good line, one Problem per bad one."""

from __future__ import annotations

import json

from index.ingest.jsonl import read_jsonl
from index.records import Article, Problem


def _read(*lines: str) -> list[Article | Problem]:
    return list(read_jsonl(iter(lines), origin="c.jsonl"))


def test_good_lines_become_articles_with_their_line_as_origin() -> None:
    row = {
        "title": "  Dam opens ",
        "text": "The dam opened.",
        "source": " Wire ",
        "url": " https://x.test/a ",
        "published": "June 10, 2025",
        "extra": "ignored",
    }
    [article] = _read("", json.dumps(row))
    assert article == Article(
        title="Dam opens",
        text="The dam opened.",
        source="Wire",
        url="https://x.test/a",
        published="2025-06-10",
        origin="c.jsonl:2",
    )


def test_bad_lines_are_problems_with_their_line_numbers() -> None:
    items = _read(
        json.dumps({"text": "Good one."}),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"title": "no text"}),
        json.dumps({"text": "   "}),
        json.dumps({"text": "Bad source.", "source": 5}),
        json.dumps({"text": 7}),
        json.dumps({"text": "Good two.", "published": "garbage"}),
    )
    problems = [i for i in items if isinstance(i, Problem)]
    assert [(p.where, p.message.split(" (")[0]) for p in problems] == [
        ("c.jsonl:3", "not valid JSON"),
        ("c.jsonl:4", "expected a JSON object"),
        ("c.jsonl:5", 'missing or empty "text"'),
        ("c.jsonl:6", 'missing or empty "text"'),
        ("c.jsonl:7", '"source", "url" and "published" must be strings'),
        ("c.jsonl:8", 'missing or empty "text"'),
    ]
    assert str(problems[1]) == "c.jsonl:4: expected a JSON object"
    articles = [i for i in items if isinstance(i, Article)]
    assert [(a.text, a.origin, a.published) for a in articles] == [
        ("Good one.", "c.jsonl:1", ""),
        ("Good two.", "c.jsonl:9", ""),  # an unreadable date is unknown, not an error
    ]
