"""Turning input files into articles: picks the reader by content and extension."""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from index.errors import InputError
from index.ingest.feeds import looks_like_feed, read_feed
from index.ingest.fetch import fetch, is_url
from index.ingest.html import read_html
from index.ingest.jsonl import read_jsonl
from index.ingest.page import read_page
from index.ingest.urls import clean_url
from index.records import Article, Problem

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ARTICLE_CHARS = 200_000  # longer texts are cut: no news article is that long


def decode(data: bytes, name: str) -> tuple[str, Problem | None]:
    """Return the text of `data` and a warning when it was not valid UTF-8.

    Raises InputError for empty or binary data.
    """
    if not data.strip():
        raise InputError(f"{name}: the file is empty")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file, not text, HTML, a feed or JSONL")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        # Older pages are often Windows-1252; latin-1 cannot fail, so nothing is lost.
        try:
            return data.decode("cp1252"), Problem(name, "not UTF-8, read as Windows-1252")
        except UnicodeDecodeError:
            return data.decode("latin-1"), Problem(name, "not UTF-8, read as Latin-1")


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    limit = MAX_FILE_BYTES // 2**20
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {size // 2**20} MiB is over the {limit} MiB limit")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    try:
        if path.suffix.lower() != ".gz":
            return path.read_bytes()
        with gzip.open(path) as handle:  # read in bounds: a small .gz can unpack to gigabytes
            data = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}: over the {limit} MiB limit once decompressed")
    return data


def _clip(article: Article) -> Article:
    if len(article.text) <= MAX_ARTICLE_CHARS:
        return article
    return replace(article, text=article.text[:MAX_ARTICLE_CHARS])


def read_text(text: str, *, name: str, kind: str = "") -> Iterator[Article | Problem]:
    """Yield the articles in `text` (and Problems), by kind or by sniffing."""
    jsonl_name = name.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson"))
    if kind == "jsonl" or (not kind and jsonl_name):
        for item in read_jsonl(iter(text.splitlines()), origin=name):
            yield item if isinstance(item, Problem) else _clip(item)
        return
    if kind == "feed" or (not kind and looks_like_feed(text)):
        yield from map(_clip, read_feed(text, origin=name))
        return
    if kind == "html" or (not kind and _looks_like_html(text)):
        articles = read_html(text, origin=name)
        if not articles:
            raise InputError(f"{name}: no article text found in this HTML page")
        yield from map(_clip, articles)
        return
    articles = read_page(text, origin=name)
    if not articles:
        raise InputError(f"{name}: no article text found")
    yield from map(_clip, articles)


INPUT_SUFFIXES = (
    ".txt",
    ".html",
    ".htm",
    ".xml",
    ".rss",
    ".atom",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".md",
)


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str | Path | Problem]:
    """Yield URLs and files as given, and for a directory the input files inside it.

    A directory is walked recursively in name order; hidden files and files of
    other types (images, archives...) inside it are skipped. Raises nothing:
    a directory with no input file yields a Problem for the caller to report.
    """
    for path in paths:
        if isinstance(path, str) and is_url(path):
            yield path
            continue
        path = Path(path)
        if not path.is_dir():
            yield path
            continue
        found = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
            and p.name.lower().endswith(INPUT_SUFFIXES)
        )
        if not found:
            yield Problem(str(path), "no input files (.txt, .html, .xml, .jsonl...) inside")
        yield from found


def read_url(url: str) -> Iterator[Article | Problem]:
    """Yield the articles of a page or feed fetched from `url` (and Problems)."""
    fetched = fetch(url)
    text, warning = decode(fetched.body, url)
    if warning:
        yield warning
    kind = {"application/rss+xml": "feed", "application/atom+xml": "feed"}.get(
        fetched.content_type, ""
    )
    is_html = fetched.content_type == "text/html" or _looks_like_html(text)
    if kind == "" and is_html and not looks_like_feed(text):
        articles = read_html(text, url=fetched.url, origin=url)
        if not articles:
            raise InputError(f"{url}: no article text found in this HTML page")
        yield from map(_clip, articles)
        return
    yield from read_text(text, name=url, kind=kind)


def read_path(path: str | Path) -> Iterator[Article | Problem]:
    """Yield the articles of one input file or URL, and Problems."""
    if isinstance(path, str) and is_url(path):
        yield from read_url(path)
        return
    path = Path(path)
    text, warning = decode(_read_bytes(path), str(path))
    if warning:
        yield warning
    yield from read_text(text, name=str(path))


def read_inputs(
    paths: Sequence[str | Path], *, source: str = "", url: str = "", published: str = ""
) -> Iterator[Article | Problem]:
    """Yield the articles of every file, directory and URL in `paths`, and a Problem for
    each input (or part of one) that cannot be read: the others are still read.

    `source`, `url` and `published` fill only what each input's first article does not
    say (a scraped page's related articles keep their own outlet). An unusable `url`
    is left out (see clean_url).
    """
    url = clean_url(url)
    for path in expand_paths(paths):
        if isinstance(path, Problem):
            yield path
            continue
        try:
            first = True
            for item in read_path(path):
                if first and isinstance(item, Article):
                    first = False
                    item = replace(
                        item,
                        source=item.source or source,
                        url=item.url or url,
                        published=item.published or published,
                    )
                yield item
        except InputError as exc:
            yield Problem("", str(exc))
