"""Reading the JSONL corpus format: one article object per line."""

from __future__ import annotations

import json
from collections.abc import Iterator

from index.ingest.urls import clean_url
from index.records import Article, Problem
from index.text.dates import parse_date
from index.text.unicode import replace_surrogates

_MAX_DATE_CHARS = 100  # a longer "published" is no date: not worth parsing


def read_jsonl(lines: Iterator[str], *, origin: str = "") -> Iterator[Article | Problem]:
    """Yield an Article per valid line, or a Problem per bad line (with its number):
    whatever a line holds, the lines after it are still read.

    Each object has "text" and optionally "title", "source", "url", "published". An
    unusable "url" is stored as "" (see clean_url).
    """
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(f"{origin}:{number}", f"not valid JSON ({exc.msg})")
            continue
        except RecursionError:
            yield Problem(f"{origin}:{number}", "not readable: JSON nested too deeply")
            continue
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            yield Problem(f"{origin}:{number}", f"not readable JSON ({exc})")
            continue
        if not isinstance(row, dict):
            yield Problem(f"{origin}:{number}", "expected a JSON object")
            continue
        text, title = row.get("text"), row.get("title") or ""
        if not isinstance(text, str) or not isinstance(title, str) or not (text.strip()):
            yield Problem(f"{origin}:{number}", 'missing or empty "text"')
            continue
        meta = {k: row.get(k) or "" for k in ("source", "url", "published")}
        if not all(isinstance(v, str) for v in meta.values()):
            yield Problem(f"{origin}:{number}", '"source", "url" and "published" must be strings')
            continue
        fields = [text, title, *meta.values()]
        if any(replace_surrogates(value) is not value for value in fields):
            # A "\\ud800" escape: JSON allows it, no store or tokenizer does.
            yield Problem(f"{origin}:{number}", "lone surrogate escapes read as U+FFFD")
            text, title = replace_surrogates(text), replace_surrogates(title)
            meta = {k: replace_surrogates(v) for k, v in meta.items()}
        yield Article(
            title=title.strip(),
            text=text,
            source=meta["source"].strip(),
            url=clean_url(meta["url"]),
            published=parse_date(meta["published"][:_MAX_DATE_CHARS]),
            origin=f"{origin}:{number}",
        )
