"""Reading the JSONL corpus format: one article object per line."""

from __future__ import annotations

import json
from collections.abc import Iterator

from index.dates import parse_date
from index.records import Article


def read_jsonl(lines: Iterator[str], *, origin: str = "") -> Iterator[Article | str]:
    """Yield an Article per valid line, or a one-line problem description per bad line.

    Each object has "text" and optionally "title", "source", "url", "published".
    """
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{origin}:{number}: not valid JSON ({exc.msg})"
            continue
        if not isinstance(row, dict):
            yield f"{origin}:{number}: expected a JSON object"
            continue
        text, title = row.get("text"), row.get("title") or ""
        if not isinstance(text, str) or not isinstance(title, str) or not (text.strip()):
            yield f'{origin}:{number}: missing or empty "text"'
            continue
        meta = {k: row.get(k) or "" for k in ("source", "url", "published")}
        if not all(isinstance(v, str) for v in meta.values()):
            yield f'{origin}:{number}: "source", "url" and "published" must be strings'
            continue
        yield Article(
            title=title.strip(),
            text=text,
            source=meta["source"].strip(),
            url=meta["url"].strip(),
            published=parse_date(meta["published"]),
            origin=f"{origin}:{number}",
        )
