"""Ingest and questions under arbitrary input: the only errors are the documented one-line
ones (InputError, Problem), every article is bounded, passages keep within the model's
limit, memory stays bounded, nothing is fetched, and what was stored survives.

Each property runs briefly in the default test run (the whole file in well under a
minute); the `fuzz_long` copies run many more examples and are skipped unless asked for:
`pytest -m fuzz_long tests/index/ingest/test_ingest_fuzz.py`. With `-s` the module prints
how many inputs each property read.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import tempfile
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import index.ingest.readers as readers
from index.config import IndexConfig
from index.engine import NewsIndex
from index.errors import InputError
from index.ingest.readers import read_inputs, read_text
from index.ingest.urls import clean_url
from index.records import Answer, Article, Problem
from index.search.query import MAX_QUESTION_CHARS, parse_query
from index.text.chunker import MAX_CHARS_PER_TOKEN, chunk_text
from tests.support.embedders import HashEmbedder

SHORT_EXAMPLES = 150
LONG_EXAMPLES = 5_000
FUZZED: Counter[str] = Counter()  # inputs read, per property
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# -- strategies -----------------------------------------------------------------------------

# Any code point, lone surrogates included (Hypothesis leaves them out by default).
ANY_CHAR = st.characters(exclude_categories=())
WHITESPACE = st.sampled_from(
    [" ", "\n", "\r\n", "\r", "\t", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\xa0", "\u2028",
     "\u3000", "\u200b", "\ufeff"]
)  # fmt: skip
WORDS = st.sampled_from(
    ["The", "council", "approved", "the", "budget", "on", "Monday.", "Advertisement", "AP",
     "Getty Images", "4", "Mr.", "U.S.", "said:", "“quoted”", "—", "Share", "Related Articles",
     "CNN", "- CNN", "a few seconds ago", "2 hours ago", "2024-06-01", "Kyiv", "東京", "😀",
     "\ud800", "\udcff", "\x00", "\x1b[31m", "&amp;", "&#0;", "&#xD800;", "<", ">", "]]>",
     "https://x.test/a", "javascript:alert(1)", "{", "}", "[", "]", '"', "\\", "\\ud800"]
)  # fmt: skip
SHORT_TEXT = st.text(ANY_CHAR, max_size=60)


@st.composite
def texts(draw: st.DrawFn, max_words: int = 80) -> str:
    """Text from any characters, news-like words and whitespace of every kind."""
    parts = draw(st.lists(st.one_of(WORDS, WHITESPACE, SHORT_TEXT), max_size=max_words))
    return "".join(parts)


@st.composite
def long_runs(draw: st.DrawFn) -> str:
    """One long run: no whitespace at all, one word repeated, or a single long line."""
    unit = draw(st.sampled_from(["x", "ab", "é", "東", "\ud800", "word ", "Sentence. ", "<p>"]))
    return unit * draw(
        st.integers(1_000, 250_000) if unit in ("x", "ab") else st.integers(1, 30_000)
    )


TEXT = st.one_of(texts(), texts(max_words=400), long_runs())

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), SHORT_TEXT, texts()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SHORT_TEXT, inner, max_size=4),
    max_leaves=20,
)
FIELD = st.one_of(TEXT, JSON_VALUES)


@st.composite
def jsonl_lines(draw: st.DrawFn) -> str:
    """One line of a JSONL file: an article-shaped object with any field values, any JSON
    value, deep nesting, a huge number or string, or not JSON at all."""
    kind = draw(st.sampled_from(["article", "value", "deep", "number", "huge", "raw"]))
    if kind == "article":
        row = draw(
            st.fixed_dictionaries(
                {"text": FIELD},
                optional={k: FIELD for k in ("title", "source", "url", "published", "extra")},
            )
        )
        return json.dumps(row, ensure_ascii=draw(st.booleans()))
    if kind == "value":
        return json.dumps(draw(JSON_VALUES), ensure_ascii=draw(st.booleans()))
    if kind == "deep":
        depth = draw(st.integers(1, 120_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"text": [', "]}")]))
        return opener * depth + closer * draw(st.sampled_from([depth, 0, depth // 2]))
    if kind == "number":
        return '{"text": "x", "title": ' + "9" * draw(st.integers(1, 20_000)) + "}"
    if kind == "huge":
        field = draw(st.sampled_from(["text", "title", "source", "url", "published"]))
        return json.dumps({"text": "Body.", field: draw(long_runs())})
    return draw(TEXT).replace("\n", " ").replace("\r", " ")


@st.composite
def jsonl_files(draw: st.DrawFn) -> str:
    lines = draw(st.lists(jsonl_lines(), max_size=8))
    separator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return separator.join(lines) + draw(st.sampled_from(["", separator]))


HTML_PIECES = st.sampled_from(
    ["<html>", "</html>", "<head>", "<title>", "</title>", "<body>", "</body>", "<article>",
     "</article>", "<p>", "</p>", "<div>", "</div>", "<script>", "</script>", "<style>",
     "<!--", "-->", "<![CDATA[", "]]>", "<meta charset='utf-16'>", "<meta charset='bogus'>",
     "<meta property='og:title' content='", "'>", "<br>", "<svg><foreignObject>", "<math>",
     "<table><tr><td>", "<?xml version='1.0'?>", "<h1>", "</h1>", "<a href='javascript:x'>",
     "<time datetime='2024-02-30'>", "<base href='file:///etc/'>", "&", "&amp;", "&#0;",
     "&#xD800;", "&#1114112;", "&nbsp;", "<li>", "<noscript>", "<iframe src='http://x'>",
     "The city council approved the budget on Monday night after a long debate."]
)  # fmt: skip


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["<!DOCTYPE html><html><body>", "<html>", "<body>", ""]))
    parts = draw(st.lists(st.one_of(HTML_PIECES, TEXT), max_size=40))
    deep = draw(st.sampled_from(["", "<div>" * 5_000, "<b>" * 300 + "x"]))
    return head + deep + "".join(parts)


@st.composite
def feeds(draw: st.DrawFn) -> str:
    """RSS or Atom with any field text (escaped or raw), entities, DOCTYPEs and cut-offs."""
    raw = draw(st.booleans())

    def field() -> str:
        value = draw(TEXT)
        return value if raw else escape(value)

    items = []
    for _ in range(draw(st.integers(0, 4))):
        item = draw(st.lists(st.sampled_from(["title", "description", "link", "pubDate",
                                              "content", "cdata"]), max_size=5))  # fmt: skip
        body = ""
        for name in item:
            if name == "cdata":
                body += f"<description><![CDATA[{draw(TEXT)}]]></description>"
            elif name == "content":
                body += f"<content:encoded>{field()}</content:encoded>"
            else:
                body += f"<{name}>{field()}</{name}>"
        items.append(body)
    atom = draw(st.booleans())
    doctype = draw(
        st.sampled_from(
            ["", "<!DOCTYPE rss [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>"
             "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'><!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;'>]>",
             "<!DOCTYPE rss SYSTEM 'http://127.0.0.1:9/x.dtd'>",
             "<!DOCTYPE rss [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"]
        )
    )  # fmt: skip
    if atom:
        entries = "".join(f"<entry>{i.replace('description', 'summary')}</entry>" for i in items)
        text = (
            f"<?xml version='1.0'?>{doctype}<feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>{field()}</title>{entries}</feed>"
        )
    else:
        entries = "".join(f"<item>{i}</item>" for i in items)
        text = (
            f"<?xml version='1.0'?>{doctype}<rss version='2.0' "
            "xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
            f"<channel><title>{field()}</title>{entries}</channel></rss>"
        )
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


PAGE_LINES = st.sampled_from(
    ["Related Articles", "Try Our AI Features", "Explore what CNN can do for you:",
     "Advertisement", "Share", "CNN", "a few seconds ago", "- CNN", "The Hill", "2 hours ago",
     "- The Hill", "2024-06-01", "Comments", "No comments yet.",
     "Ukraine peace talks resume in Geneva",
     "4 Ukrainian troops fire a howitzer near the front line in the east. Getty Images",
     "The minister spoke. Advertisement The vote is on Friday.", ""]
)  # fmt: skip


@st.composite
def pages(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.one_of(PAGE_LINES, TEXT), max_size=30))
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


SUFFIXES = st.sampled_from(
    [".txt", ".html", ".htm", ".xml", ".rss", ".atom", ".jsonl", ".ndjson", ".md", ".jsonl.gz",
     ".txt.gz"]
)  # fmt: skip
CONTENTS = st.one_of(TEXT, jsonl_files(), html_pages(), feeds(), pages())


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    """What a file holds: text of any reader's shape in some encoding, or any bytes."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=2_000))
    text = draw(CONTENTS)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return text.encode(encoding, errors=errors)


# Any bytes but "/" and NUL (a suffix follows, so never "." or "..").
NAMES = st.binary(min_size=1, max_size=30).map(lambda n: n.replace(b"/", b"%").replace(b"\0", b"%"))


@st.composite
def input_files(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(file name, bytes on disk): any name; gzip for .gz names (or not gzip at all)."""
    name = draw(NAMES) + draw(SUFFIXES).encode()
    data = draw(file_bytes())
    if name.endswith(b".gz") and draw(st.integers(0, 3)):
        data = gzip.compress(data)
        if data and draw(st.booleans()):  # corrupt: flip bytes past the header, or cut
            packed = bytearray(data)
            for spot in draw(st.lists(st.integers(10, len(packed) - 1), max_size=5)):
                packed[spot] ^= draw(st.integers(1, 255))
            data = bytes(packed[: draw(st.integers(0, len(packed)))])
    return name, data


@st.composite
def article_files(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A JSONL file of articles that are stored (text of any characters), among bad lines."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 3)):
            row = {"title": draw(SHORT_TEXT), "text": "Words " + draw(TEXT) + " end."}
            lines.append(json.dumps(row, ensure_ascii=draw(st.booleans())))
        else:
            lines.append(draw(jsonl_lines()))
    return draw(NAMES) + b".jsonl", "\n".join(lines).encode("utf-8", "surrogatepass")


# -- checks ---------------------------------------------------------------------------------


def assert_bounded(article: Article) -> None:
    """An article as the readers promise it: every field within its limit and storable."""
    assert len(article.title) <= readers.MAX_TITLE_CHARS
    assert len(article.source) <= readers.MAX_SOURCE_CHARS
    assert len(article.text) <= readers.MAX_ARTICLE_CHARS
    assert len(article.origin) <= readers.MAX_ORIGIN_CHARS
    assert article.url == clean_url(article.url)
    assert article.published == "" or date.fromisoformat(article.published)
    for value in vars(article).values():
        value.encode("utf-8")  # no lone surrogate


def assert_one_line(text: str) -> None:
    """A warning prints as one line: no line break or control character, no surrogate."""
    text.encode("utf-8")
    assert not UNPRINTABLE.search(text), repr(text)
    assert len(text) <= readers.MAX_PROBLEM_CHARS + 2


def read_all(call: Callable[[], Iterator[Article | Problem]]) -> list[Article | Problem]:
    """Everything `call` yields; an InputError (the only error allowed) ends the list."""
    items: list[Article | Problem] = []
    try:
        for item in call():
            assert isinstance(item, Article | Problem), item
            if isinstance(item, Article):
                assert_bounded(item)
            items.append(item)
    except InputError as exc:
        assert str(exc)
    return items


def assert_chunks_fit(text: str) -> None:
    count = HashEmbedder().count_tokens
    chunks = chunk_text(text, count, target=108, limit=256)
    assert all(n <= 256 for n in count([c.text for c in chunks]))
    assert all(len(c.text) <= 256 * MAX_CHARS_PER_TOKEN for c in chunks)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading local input never connects anywhere (feedparser fetches a str that reads
    like a URL; a DTD or entity could name one)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    print("\ninputs fuzzed:", dict(FUZZED), "total", sum(FUZZED.values()))


# -- properties -----------------------------------------------------------------------------


def check_jsonl(text: str) -> None:
    FUZZED["jsonl files"] += 1
    items = read_all(lambda: read_text(text, name="x.jsonl"))
    # Every line that is not blank gives an article or a warning with its number.
    numbers = {
        n
        for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1)
        if line.strip()
    }
    seen = {int((i.origin if isinstance(i, Article) else i.where).rsplit(":", 1)[1]) for i in items}
    assert seen == numbers
    for item in items:
        if isinstance(item, Article):
            assert item.text.strip()
            FUZZED["jsonl articles"] += 1


def check_html(text: str, sniff: bool) -> None:
    FUZZED["html pages"] += 1
    for item in read_all(lambda: read_text(text, name="p.html", kind="" if sniff else "html")):
        if isinstance(item, Article):
            assert_chunks_fit(item.text)


def check_feed(text: str) -> None:
    FUZZED["feeds"] += 1
    items = read_all(lambda: read_text(text, name="f.rss", kind="feed"))
    assert all(isinstance(i, Article) for i in items)  # a feed gives articles or InputError
    FUZZED["feed articles"] += len(items)


def check_page(text: str) -> None:
    FUZZED["scraped pages"] += 1
    items = read_all(lambda: read_text(text, name="page.txt", kind="page"))
    for item in items:
        if isinstance(item, Article):
            assert_chunks_fit(item.text)


def check_files(files: list[tuple[bytes, bytes]]) -> None:
    """Files with any name and any bytes, given one by one and as a folder."""
    FUZZED["files"] += len(files)
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, data in files:
            path = os.path.join(os.fsencode(folder), name)
            with open(path, "wb") as handle:
                handle.write(data)
            paths.append(Path(os.fsdecode(path)))
        for given_paths in ([*paths], [folder]):
            for item in read_all(lambda given_paths=given_paths: read_inputs(given_paths)):
                if isinstance(item, Problem):
                    assert_one_line(str(item))


def check_chunker(
    text: str, counter: tuple[str, Callable[[str], int]], limit: int, target: int
) -> None:
    FUZZED["chunked texts"] += 1
    _, count_one = counter

    def count(texts: Any) -> list[int]:
        return [count_one(t) + 2 for t in texts]

    chunks = chunk_text(text, count, target=target, limit=limit)
    assert all(c.text and c.text == c.text.strip() for c in chunks)
    assert all(n <= limit for n in count([c.text for c in chunks]))
    assert all(len(c.text) <= limit * MAX_CHARS_PER_TOKEN for c in chunks)
    # Nothing lost, nothing reordered, but whitespace.
    assert "".join("".join(c.text for c in chunks).split()) == "".join(text.split())


COUNTERS = st.sampled_from(
    [
        ("words*1.3", lambda t: int(len(t.split()) * 1.3)),
        ("chars/4", lambda t: -(-len(t) // 4)),
        ("chars/4 floor", lambda t: len(t) // 4),
        ("chars", len),
        ("utf-8 bytes/3", lambda t: -(-len(t.encode("utf-8", "surrogatepass")) // 3)),
        ("words+punctuation", lambda t: len(t.split()) + sum(not c.isalnum() for c in t)),
        ("one", lambda t: 1),
    ]
)


def _property(
    check: Callable[..., None], *strategies: Any, examples: int = SHORT_EXAMPLES
) -> tuple[Any, Any]:
    """A short run of `check` for every test run, and a long one marked fuzz_long."""
    health = [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ]
    short = settings(max_examples=examples, deadline=None, suppress_health_check=health)
    long = settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=health)
    return (
        short(given(*strategies)(check)),
        pytest.mark.fuzz_long(long(given(*strategies)(check))),
    )


test_jsonl, test_jsonl_long = _property(check_jsonl, jsonl_files(), examples=300)
test_html, test_html_long = _property(check_html, html_pages(), st.booleans(), examples=100)
test_feed, test_feed_long = _property(check_feed, feeds(), examples=200)
test_page, test_page_long = _property(check_page, pages(), examples=200)
test_files, test_files_long = _property(
    check_files, st.lists(input_files(), min_size=1, max_size=4), examples=100
)
test_chunker, test_chunker_long = _property(
    check_chunker, TEXT, COUNTERS, st.integers(8, 512), st.integers(1, 600), examples=300
)


# -- questions, and what was stored survives -------------------------------------------------

GOOD = Article(
    title="Zebrafish observatory opens",
    text="The zebrafish observatory in Quillon opened on Monday with a public aquarium.",
    source="Quillon Courier",
    url="https://quillon.example/observatory",
    published="2025-06-02",
)
GOOD_QUESTION = "When did the zebrafish observatory in Quillon open?"


@pytest.fixture(scope="module")
def small_index() -> Iterator[NewsIndex]:
    with tempfile.TemporaryDirectory() as folder:
        index = NewsIndex.open(folder, IndexConfig(path=folder), HashEmbedder())
        index.ingest_articles([GOOD])
        yield index
        index.close()


def assert_good_is_answerable(index: NewsIndex) -> None:
    hits = index.search(GOOD_QUESTION, k=3, now=date(2025, 6, 3))
    assert hits and hits[0].passage.url == GOOD.url


QUESTIONS = st.one_of(
    st.text(ANY_CHAR, max_size=200), texts(), long_runs(), st.just(""), WHITESPACE
)


def test_questions(small_index: NewsIndex) -> None:
    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(QUESTIONS)
    def check(question: str) -> None:
        FUZZED["questions"] += 1
        query = parse_query(question)
        assert len(query.text) <= MAX_QUESTION_CHARS
        query.text.encode("utf-8")
        try:
            answer = small_index.answer(question, now=date(2025, 6, 3))
        except InputError:
            assert not query.text
            return
        assert isinstance(answer, Answer)

    check()
    assert_good_is_answerable(small_index)


@pytest.mark.fuzz_long
def test_questions_long(small_index: NewsIndex) -> None:
    @settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(QUESTIONS)
    def check(question: str) -> None:
        FUZZED["questions"] += 1
        try:
            small_index.answer(question)
        except InputError:
            assert not parse_query(question).text

    check()


def _ingest_survives(examples: int) -> Callable[[NewsIndex], None]:
    def test(small_index: NewsIndex) -> None:
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(input_files() | article_files(), min_size=1, max_size=3), st.booleans())
        def check(files: list[tuple[bytes, bytes]], as_folder: bool) -> None:
            FUZZED["files ingested"] += len(files)
            with tempfile.TemporaryDirectory() as folder:
                paths: list[str | Path] = []
                for name, data in files:
                    path = os.path.join(os.fsencode(folder), name)
                    with open(path, "wb") as handle:
                        handle.write(data)
                    paths.append(Path(os.fsdecode(path)))
                report = small_index.ingest_paths([folder] if as_folder else paths)
            for problem in report.problems:
                assert_one_line(str(problem))
            FUZZED["articles ingested"] += report.articles_added + report.articles_updated
            assert_good_is_answerable(small_index)

        check()

    return test


test_what_was_stored_survives = _ingest_survives(60)
test_what_was_stored_survives_long = pytest.mark.fuzz_long(_ingest_survives(LONG_EXAMPLES))


# -- memory stays bounded -------------------------------------------------------------------


def _warm_up() -> None:
    """Import the parsers before measuring: their first import costs tens of MiB."""
    html = "<html><body><p>Warm.</p><p>Up.</p></body></html>"
    feed = "<rss><channel><item><title>W</title></item></channel></rss>"
    read_all(lambda: read_text(html, name="w.html"))
    read_all(lambda: read_text(feed, name="w.rss"))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(input_files())
def test_memory_stays_within_a_multiple_of_the_input(file: tuple[bytes, bytes]) -> None:
    name, data = file
    assume(len(data) > 1_000)
    _warm_up()
    FUZZED["files measured"] += 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))
        path.write_bytes(data)
        try:
            size = max(len(data), len(gzip.decompress(data)))
        except (OSError, EOFError, zlib.error):  # not gzip, or corrupt
            size = len(data)
        tracemalloc.start()
        try:
            read_all(lambda: read_inputs([path]))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # Measured: at most ~45 times the input, for HTML (lxml and trafilatura's copies).
    assert peak < 16 * 2**20 + 64 * size, f"{peak / 2**20:.0f} MiB for {size} bytes"
