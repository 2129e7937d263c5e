"""Turning input files into articles: picks the reader by content and extension.

Whatever an input holds, reading it ends in Articles and Problems (one-line warnings),
or an InputError for the whole input: never another exception. Every article is
bounded here (see `bounded`), and a local input is read only when it is a regular
file, at most MAX_FILE_BYTES of it (MAX_DECOMPRESSED_BYTES once a .gz is unpacked).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zlib
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
from index.text.unicode import replace_surrogates

MAX_FILE_BYTES = 200 * 1024 * 1024  # a file as stored on disk
# A .gz once unpacked: a few hundred kilobytes can unpack to gigabytes, so the data is
# streamed and refused past this, never held whole.
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
_READ_BLOCK = 1024 * 1024

# Every article is cut to these at read time: a field is copied into each of its
# passages' search rows, so one huge title would multiply through the index.
MAX_ARTICLE_CHARS = 200_000  # longer texts are cut: no news article is that long
MAX_TITLE_CHARS = 300
MAX_SOURCE_CHARS = 100
MAX_ORIGIN_CHARS = 1_000  # a file name and line number, as the index records it
MAX_PROBLEM_CHARS = 500  # a warning is one line of a terminal or a chat message

# Characters that would break a one-line warning or drive a terminal: C0 and C1
# controls (newline, escape...) and the Unicode line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Opening a named pipe without O_NONBLOCK waits for a writer (POSIX; elsewhere 0).
_OPEN_FLAGS = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def shown(path: str | Path) -> str:
    """A file name fit to print and store: bytes that are not UTF-8 as \\xNN, control
    characters escaped, lone surrogates as U+FFFD."""
    name = os.fsdecode(path)
    try:
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file system byte stands for
        name = replace_surrogates(name)
    return _one_line(name)


def _one_line(text: str) -> str:
    """`text` escaped to one printable line (see _UNPRINTABLE), surrogates replaced."""
    text = replace_surrogates(text)
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _printable(problem: Problem) -> Problem:
    """A Problem that prints as one bounded line, whatever the input put in it."""
    where, message = _one_line(problem.where), _one_line(problem.message)
    if len(where) + len(message) > MAX_PROBLEM_CHARS:
        where = where[: MAX_PROBLEM_CHARS // 2]
        message = message[: MAX_PROBLEM_CHARS - len(where)]
    if (where, message) == (problem.where, problem.message):
        return problem
    return Problem(where, message)


def _cut(text: str, limit: int) -> str:
    return replace_surrogates(text[:limit])


def bounded(article: Article) -> Article:
    """`article` with every field within its limit (MAX_TITLE_CHARS...) and free of lone
    surrogates, which no store, tokenizer or terminal accepts. Idempotent."""
    return replace(
        article,
        title=_cut(article.title, MAX_TITLE_CHARS).strip(),
        text=_cut(article.text, MAX_ARTICLE_CHARS),
        source=_cut(article.source, MAX_SOURCE_CHARS).strip(),
        url=clean_url(article.url),
        published=_cut(article.published, 10),  # YYYY-MM-DD
        origin=_cut(article.origin, MAX_ORIGIN_CHARS),
    )


def decode(data: bytes, name: str) -> tuple[str, Problem | None]:
    """Return the text of `data` and a warning when it was not valid UTF-8.

    Raises InputError for empty or binary data.
    """
    if not data or data.isspace():  # not data.strip(): no copy of a large input
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


def _not_regular(mode: int) -> str:
    """What a file that is not a regular file is, for the warning ("" when regular)."""
    if stat.S_ISREG(mode):
        return ""
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "a special file")


def _read_capped(handle: io.BufferedIOBase, cap: int) -> bytes | None:
    """At most `cap` bytes of `handle`, or None when it holds more: never trusts a size
    the file system reports (/proc files say 0, a file may grow while read)."""
    parts: list[bytes] = []
    total = 0
    while True:
        part = handle.read(min(_READ_BLOCK, cap + 1 - total))
        if not part:
            return b"".join(parts)
        parts.append(part)
        total += len(part)
        if total > cap:
            return None


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, unpacked when its name ends in .gz.

    A directory, named pipe, device or socket is refused before it is opened (opening
    a pipe waits for a writer; a device may never end), and again after (it may have
    been swapped in between); so is a file over the limits.
    """
    name = shown(path)
    try:
        info = os.stat(path)  # follows a symbolic link: the kind of what is read
        kind = _not_regular(info.st_mode)
        if kind:
            raise InputError(f"{name}: not a regular file ({kind})")
        # O_NONBLOCK: should a pipe have been swapped in since the stat, opening it
        # returns at once (the fstat below refuses it); for a regular file it changes nothing.
        fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL in the name, or a name the file system cannot encode
        raise InputError(f"{name}: cannot read (not a possible file name)") from None
    with open(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            kind = _not_regular(info.st_mode)
            if kind:
                raise InputError(f"{name}: not a regular file ({kind})")
            if info.st_size > MAX_FILE_BYTES:
                raise InputError(
                    f"{name}: {info.st_size // 2**20} MiB is over the "
                    f"{MAX_FILE_BYTES // 2**20} MiB limit"
                )
            if path.name.lower().endswith(".gz"):
                return _gunzip(handle, name)
            data = _read_capped(handle, MAX_FILE_BYTES)
        except OSError as exc:
            raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if data is None:
        raise InputError(f"{name}: over the {MAX_FILE_BYTES // 2**20} MiB limit")
    return data


def _gunzip(handle: io.BufferedIOBase, name: str) -> bytes:
    """The unpacked bytes of a gzip stream, refused past the limit (read in blocks: a
    small .gz can unpack to gigabytes)."""
    cap = min(MAX_FILE_BYTES, MAX_DECOMPRESSED_BYTES)
    try:
        with gzip.GzipFile(fileobj=handle) as unpacked:
            data = _read_capped(unpacked, cap)
    except (OSError, EOFError, zlib.error) as exc:  # not gzip, cut short, or corrupt
        raise InputError(f"{name}: cannot read ({exc})") from None
    if data is None:
        raise InputError(f"{name}: over the {cap // 2**20} MiB limit once decompressed")
    return data


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` one at a time, split at \\n, \\r\\n and \\r only: JSON allows
    U+2028, U+0085 and the like raw inside a string, where str.splitlines would cut it."""
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    if start < len(text):
        yield text[start:]


def read_text(text: str, *, name: str, kind: str = "") -> Iterator[Article | Problem]:
    """Yield the articles in `text` (and Problems), by kind or by sniffing."""
    for item in _read_text(text, name=name, kind=kind):
        yield item if isinstance(item, Problem) else bounded(item)


def _read_text(text: str, *, name: str, kind: str) -> Iterator[Article | Problem]:
    jsonl_name = name.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson"))
    if kind == "jsonl" or (not kind and jsonl_name):
        yield from read_jsonl(_lines(text), origin=name)
        return
    if kind == "feed" or (not kind and looks_like_feed(text)):
        yield from read_feed(text, origin=name)
        return
    if kind == "html" or (not kind and _looks_like_html(text)):
        articles = read_html(text, origin=name)
        if not articles:
            raise InputError(f"{name}: no article text found in this HTML page")
        yield from articles
        return
    articles = read_page(text, origin=name)
    if not articles:
        raise InputError(f"{name}: no article text found")
    yield from articles


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
    other types (images, archives...) inside it are skipped, and so are symbolic links
    (with a Problem: see _walk). Raises nothing: an empty path, or a directory with no
    input file, yields a Problem for the caller to report.
    """
    for path in paths:
        if isinstance(path, str) and is_url(path):
            yield path
            continue
        if isinstance(path, str) and not path:  # Path("") would be the current directory
            yield Problem("", "empty path: name a file, a directory or a URL")
            continue
        path = Path(path)
        if not path.is_dir():
            yield path
            continue
        found: list[Path] = []
        for item in _walk(path):
            if isinstance(item, Problem):
                yield item
            else:
                found.append(item)
        if not found:
            yield Problem(shown(path), "no input files (.txt, .html, .xml, .jsonl...) inside")
        yield from sorted(found)


def _walk(root: Path) -> Iterator[Path | Problem]:
    """The input files under `root` (any order), and a Problem for each symbolic link
    skipped and each folder that cannot be listed.

    Iterative (a folder tree thousands deep is no recursion limit). Symbolic links are
    never followed, to files or to folders: none can lead out of the folder given (to
    /etc/passwd, say) or round in a loop. A link given directly is read: that is the
    user's choice.
    """
    folders = [os.fspath(root)]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            yield Problem(shown(folder), f"cannot list this folder ({exc.strerror or exc})")
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            is_input = entry.name.lower().endswith(INPUT_SUFFIXES)
            try:
                if entry.is_symlink():
                    if is_input or entry.is_dir():
                        yield Problem(shown(entry.path), "a symbolic link: not followed")
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif is_input:
                    yield Path(entry.path)
            except OSError as exc:
                yield Problem(shown(entry.path), f"cannot read ({exc.strerror or exc})")


def read_url(url: str, *, allow_private: bool = False) -> Iterator[Article | Problem]:
    """Yield the articles of a page or feed fetched from `url` (and Problems).
    `allow_private` lets the fetch reach loopback and private addresses (see fetch)."""
    fetched = fetch(url, allow_private=allow_private)
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
        yield from map(bounded, articles)
        return
    yield from read_text(text, name=url, kind=kind)


def read_path(path: str | Path, *, allow_private: bool = False) -> Iterator[Article | Problem]:
    """Yield the articles of one input file or URL, and Problems."""
    if isinstance(path, str) and is_url(path):
        yield from read_url(path, allow_private=allow_private)
        return
    path = Path(path)
    name = shown(path)
    text, warning = decode(_read_bytes(path), name)
    if warning:
        yield warning
    yield from read_text(text, name=name)


def read_inputs(
    paths: Sequence[str | Path],
    *,
    source: str = "",
    url: str = "",
    published: str = "",
    allow_private: bool = False,
) -> Iterator[Article | Problem]:
    """Yield the articles of every file, directory and URL in `paths`, and a Problem for
    each input (or part of one) that cannot be read: the others are still read.

    `source`, `url` and `published` fill only what each input's first article does not
    say (a scraped page's related articles keep their own outlet). An unusable `url`
    is left out (see clean_url). Every Problem prints as one line.
    """
    url = clean_url(url)
    for path in expand_paths(paths):
        if isinstance(path, Problem):
            yield _printable(path)
            continue
        try:
            first = True
            for item in read_path(path, allow_private=allow_private):
                if isinstance(item, Problem):
                    yield _printable(item)
                    continue
                if first:
                    first = False
                    item = bounded(
                        replace(
                            item,
                            source=item.source or source,
                            url=item.url or url,
                            published=item.published or published,
                        )
                    )
                yield item
        except InputError as exc:
            yield _printable(Problem("", str(exc)))
