"""Hostile and broken inputs: whatever one input (or one line) holds, it costs a one-line
warning at most; the rest is ingested, memory stays bounded and nothing blocks.

Each test of a finding ("Ingest that nothing breaks", or found by test_ingest_fuzz.py)
failed before its fix. A few cases are controls that passed before too, guarding the
ordinary path: plain invalid JSON, long sentences and paragraphs, a link given
directly, a large ordinary page.
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import os
import stat
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import index.ingest.readers as readers
from index.cli import main
from index.config import IndexConfig
from index.engine import NewsIndex
from index.errors import InputError
from index.ingest.cleaning import clean_body
from index.ingest.readers import bounded, read_inputs, read_path, read_text
from index.models.embedders import register_embedder
from index.records import Article, Problem
from index.search.query import clip_question, parse_query
from index.text.chunker import MAX_CHARS_PER_TOKEN, chunk_text
from index.text.unicode import replace_surrogates
from tests.support.embedders import HashEmbedder

HASH_COUNT = HashEmbedder().count_tokens


def quarter_count(texts: Any) -> list[int]:
    """A counter of about 4 characters a token (+2 special tokens), whatever the spaces."""
    return [-(-len(text) // 4) + 2 for text in texts]


def _good_lines(n: int = 10) -> list[str]:
    return [
        json.dumps(
            {
                "title": f"Good article {i}",
                "source": "Wire",
                "text": f"The harbour bridge number {i} reopened on Monday after repairs.",
            }
        )
        for i in range(n)
    ]


def _stored_titles(index: NewsIndex) -> set[str]:
    return {passage.title for passage in index.all_passages()}


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """The result of `call()`, failing the test when it takes longer than `seconds` (a
    read that blocks forever is left behind in a daemon thread)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`newsdesk --config <hash model> --index <tmp> ...`: (exit code, stdout, stderr)."""
    config = tmp_path / "config.toml"
    config.write_text('[index]\nmodel = "hash-256"\n', encoding="utf-8")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--config", str(config), "--index", str(tmp_path / "cli-index"), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


# -- 1. One bad line never costs the file ------------------------------------------------

BAD_LINES = {
    "lone surrogate": json.dumps({"title": "Odd \ud800", "text": "Text with \ud800 in it."}),
    "nested 100k deep": "[" * 100_000 + "]" * 100_000,
    "nested 100k deep in a field": '{"text": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "integer of 5,000 digits": '{"text": ' + "7" * 5_000 + "}",
    "not JSON": "{not json",
}


@pytest.mark.parametrize("bad", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_one_bad_jsonl_line_is_one_warning_and_the_ten_good_articles_are_stored(
    hash_index: NewsIndex, tmp_path: Path, bad: str
) -> None:
    lines = _good_lines()
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join([*lines[:5], bad, *lines[5:]]) + "\n", encoding="utf-8")
    report = hash_index.ingest_paths([path])
    assert {f"Good article {i}" for i in range(10)} <= _stored_titles(hash_index)
    assert [p.where for p in report.problems] == [f"{path}:6"]


@pytest.mark.parametrize("bad", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_the_cli_warns_once_per_bad_line_and_exits_0(cli: Any, tmp_path: Path, bad: str) -> None:
    lines = _good_lines()
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join([lines[0], bad, *lines[1:], bad]) + "\n", encoding="utf-8")
    code, out, err = cli("ingest", str(path))
    assert code == 0, err
    warnings = err.splitlines()
    assert len(warnings) == 2 and all(w.startswith("warning: ") for w in warnings), err
    assert f"{path}:2: " in warnings[0] and f"{path}:12: " in warnings[1]
    assert "added 1" in out  # 10 good articles, or 12 with the two repaired lines
    assert cli("stats", "--json")[1] and json.loads(cli("stats", "--json")[1])["articles"] >= 10


def test_lone_surrogates_are_replaced_in_every_field_of_a_jsonl_line(tmp_path: Path) -> None:
    row = {
        "title": "T\ud800",
        "source": "S\udfff",
        "url": "https://x.test/\ud800",
        "published": "2024-01-02\ud800",
        "text": "Body \udcff here.",
    }
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(row), encoding="utf-8")
    [problem, article] = list(read_path(path))
    assert isinstance(problem, Problem) and problem.where == f"{path}:1"
    assert isinstance(article, Article)
    assert (article.title, article.source, article.text) == (
        "T\ufffd",
        "S\ufffd",
        "Body \ufffd here.",
    )
    for value in vars(article).values():
        value.encode("utf-8")  # storable


def test_jsonl_lines_are_split_only_at_line_breaks_json_does_not_allow(tmp_path: Path) -> None:
    # U+2028, U+0085 and U+001E are legal raw inside a JSON string; str.splitlines cut there.
    path = tmp_path / "c.jsonl"
    rows = [{"text": f"First part.{sep}Second part."} for sep in ("\u2028", "\x85", "\x1e")]
    path.write_text("\r\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    items = list(read_path(path))
    assert [type(item) for item in items] == [Article] * 3
    assert [item.origin for item in items] == [f"{path}:{n}" for n in (1, 2, 3)]


def _bytes_name(folder: Path, name: bytes) -> Path:
    return Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))


def test_a_file_name_that_is_not_utf8_is_read_in_a_folder_and_given_directly(
    tmp_path: Path, cli: Any
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    path = _bytes_name(folder, b"bad\xff.jsonl")
    path.write_text("\n".join(_good_lines()) + "\n{broken\n", encoding="utf-8")
    code, out, err = cli("ingest", str(folder))
    assert code == 0 and "added 10 articles" in out, err
    assert err.startswith(f"warning: {folder}/bad\\xff.jsonl:11: not valid JSON (")
    assert err.count("\n") == 1
    code, out, err = cli("ingest", str(path))
    assert code == 0 and "unchanged 10" in out and err.count("warning:") == 1, err

    index = NewsIndex.open(tmp_path / "other", IndexConfig(path=str(tmp_path)), HashEmbedder())
    with index:
        report = index.ingest_paths([path])
        assert report.articles_added == 10
        [problem] = report.problems
        assert problem.where == f"{folder}/bad\\xff.jsonl:11"


def test_file_names_print_as_one_line_and_unencodable_names_are_a_problem(
    tmp_path: Path,
) -> None:
    path = tmp_path / "two\nlines\x1b[31m.txt"
    path.write_text("", encoding="utf-8")
    [problem] = list(read_inputs([path]))
    assert str(problem) == f"{tmp_path}/two\\nlines\\x1b[31m.txt: the file is empty"
    problems = list(read_inputs([str(tmp_path / "\ud800.txt"), str(tmp_path / "nul\x00.txt")]))
    assert [str(p) for p in problems] == [
        f"{tmp_path}/\ufffd.txt: cannot read (not a possible file name)",
        f"{tmp_path}/nul\\x00.txt: cannot read (not a possible file name)",
    ]


# -- 2. Every field is bounded; passages stay within the chunker's size --------------------


def test_every_field_is_bounded_at_read_time(hash_index: NewsIndex, tmp_path: Path) -> None:
    row = {
        "title": "Headline " * 130_000,  # 1.17 MB
        "source": "Outlet " * 10_000,
        "url": "https://x.test/" + "a" * 5_000,
        "text": "The harbour bridge reopened on Monday. " * 10_000,
    }
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(row), encoding="utf-8")
    [article] = list(read_path(path))
    assert isinstance(article, Article)
    assert len(article.title) <= readers.MAX_TITLE_CHARS == 300
    assert len(article.source) <= readers.MAX_SOURCE_CHARS == 100
    assert article.url == ""  # over 2,048 characters: unusable
    assert len(article.text) <= readers.MAX_ARTICLE_CHARS == 200_000
    hash_index.ingest_paths([path])
    assert all(len(p.title) <= 300 and len(p.source) <= 100 for p in hash_index.all_passages())
    size = sum(f.stat().st_size for f in hash_index.path.iterdir())
    assert size < 20 * 2**20  # a title copied into every search row made this 454 MB


def test_feed_and_html_titles_are_bounded() -> None:
    feed = (
        "<rss version='2.0'><channel><title>"
        + "Wire " * 5_000
        + "</title><item><title>"
        + "Dam " * 5_000
        + "</title><description>The new dam opened.</description>"
        "</item></channel></rss>"
    )
    [article] = list(read_text(feed, name="f.rss"))
    assert isinstance(article, Article)
    assert len(article.title) <= 300 and len(article.source) <= 100
    html = (
        "<!DOCTYPE html><html><head><title>" + "Budget " * 5_000 + "</title></head><body>"
        "<article>"
        + "<p>The city council approved the budget on Monday night.</p>" * 8
        + "</article></body></html>"
    )
    [article] = list(read_text(html, name="p.html"))
    assert isinstance(article, Article) and len(article.title) <= 300


def test_bounded_cleans_every_field_and_is_idempotent() -> None:
    article = Article(
        title="\ud800" * 1_000,
        text="x\udfff" * 200_000,
        source="s\ud800" * 100,
        url="https://x.test/\ud800",
        published="2024-01-02\ud800",
        origin="o\ud800" * 1_000,
    )
    once = bounded(article)
    assert bounded(once) == once
    for value in vars(once).values():
        value.encode("utf-8")
    assert len(once.title) == 300 and len(once.text) == 200_000 and len(once.source) == 100
    assert len(once.origin) <= readers.MAX_ORIGIN_CHARS


@pytest.mark.parametrize("count", [HASH_COUNT, quarter_count], ids=["hash", "chars/4"])
@pytest.mark.parametrize(
    "text",
    [
        "x" * 200_000,
        "Start. " + "y" * 200_000 + " end.",
        ("z" * 5_000 + " ") * 40,
        "word " * 60_000,
        "\n".join(["para " * 300] * 20),
    ],
    ids=["no whitespace", "inside a sentence", "long words", "one long sentence", "paragraphs"],
)
def test_no_passage_exceeds_the_limit_whatever_the_text(count: Any, text: str) -> None:
    limit = 256
    chunks = chunk_text(text, count, target=108, limit=limit)
    assert max(count([c.text for c in chunks])) <= limit
    assert max(len(c.text) for c in chunks) <= limit * MAX_CHARS_PER_TOKEN
    assert "".join("".join(c.text for c in chunks).split()) == "".join(text.split())


def test_an_article_with_no_whitespace_is_stored_as_bounded_passages(
    hash_index: NewsIndex, tmp_path: Path
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"title": "Run", "text": "x" * 250_000}), encoding="utf-8")
    report = hash_index.ingest_paths([path])
    assert report.articles_added == 1 and report.passages_added >= 40
    limit = hash_index.embedder.max_tokens * MAX_CHARS_PER_TOKEN
    assert max(len(p.text) for p in hash_index.all_passages()) <= limit


# -- 3. Only regular files, read within hard caps -------------------------------------------


def test_dev_zero_is_refused_at_once() -> None:
    [problem] = _within(10, lambda: list(read_inputs(["/dev/zero"])))
    assert problem == Problem("", "/dev/zero: not a regular file (a character device)")
    with pytest.raises(InputError, match="not a regular file"):
        _within(10, lambda: list(read_path("/dev/zero")))


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    [problem] = _within(10, lambda: list(read_inputs([fifo])))
    assert problem.message == f"{fifo}: not a regular file (a named pipe)"
    (tmp_path / "good.txt").write_text("Bridge reopens\nThe harbour bridge reopened.\n")
    items = _within(10, lambda: list(read_inputs([tmp_path])))  # the same pipe in a folder
    assert [type(i) for i in items] == [Article, Problem]


def test_a_folder_given_as_a_file_is_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not a regular file \(a directory\)"):
        list(read_path(tmp_path))


def test_the_size_the_file_system_reports_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc files are regular files that report a size of 0 whatever they hold.
    assert os.stat("/proc/self/maps").st_size == 0
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match="over the 0 MiB limit"):
        list(read_path("/proc/self/maps"))


def test_a_gzip_bomb_is_refused_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "MAX_DECOMPRESSED_BYTES", 2**20)
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as handle:
        block = b'{"text": "' + b"a" * (2**20 - 20) + b'"}\n'
        for _ in range(64):  # 64 MiB unpacked, ~64 KB packed
            handle.write(block)
    assert bomb.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="over the 1 MiB limit once decompressed"):
            list(read_path(bomb))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB reading a bomb with a 1 MiB cap"


def test_a_corrupt_gzip_file_is_a_problem(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(b"The harbour bridge reopened. " * 1_000))
    for spot in range(12, len(packed) - 8, 7):
        packed[spot] ^= 0xFF
    path = tmp_path / "corrupt.jsonl.gz"
    path.write_bytes(bytes(packed))
    [problem] = list(read_inputs([path]))  # was a zlib.error traceback
    assert problem.message.startswith(f"{path}: cannot read (Error -3 while decompressing")


def test_the_decompressed_cap_is_64_mib_and_refuses_rather_than_truncates() -> None:
    assert readers.MAX_DECOMPRESSED_BYTES == 64 * 2**20


# -- 4. A folder walk never leaves the folder -----------------------------------------------


def test_symbolic_links_in_a_walked_folder_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "passwd.txt"
    secret.write_text("Secret title\nroot:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "good.txt").write_text("Bridge reopens\nThe harbour bridge reopened.\n")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "etc").symlink_to(outside, target_is_directory=True)
    (folder / "again.txt").symlink_to(folder / "sub" / "good.txt")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "photo.jpg").symlink_to(secret)  # not an input name: skipped silently
    items = list(read_inputs([folder]))
    articles = [i for i in items if isinstance(i, Article)]
    problems = [str(i) for i in items if isinstance(i, Problem)]
    assert [a.origin for a in articles] == [str(folder / "sub/good.txt")]
    assert sorted(problems) == [
        f"{folder}/{name}: a symbolic link: not followed"
        for name in ("again.txt", "etc", "loop", "passwd.txt")
    ]
    # A link given directly is the user's choice.
    assert [type(i) for i in read_inputs([folder / "passwd.txt"])] == [Article]


def test_a_folder_thousands_deep_is_walked() -> None:
    # Not under tmp_path: pytest removes old ones with shutil.rmtree, which recurses too.
    root = Path(tempfile.mkdtemp(prefix="newsdesk-deep-"))
    folders = [root]
    try:
        for _ in range(1_200):  # past Python's recursion limit (os.walk recursed in 3.11)
            folders.append(folders[-1] / "d")
            folders[-1].mkdir()
        (folders[-1] / "a.txt").write_text("Bridge reopens\nThe harbour bridge reopened.\n")
        items = list(read_inputs([root]))
        assert [type(i) for i in items] == [Article]
    except OSError:
        pytest.skip("the file system refuses a path that long")
    finally:
        (folders[-1] / "a.txt").unlink(missing_ok=True)
        for folder in reversed(folders):
            folder.rmdir()


def test_an_empty_path_is_a_problem_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.txt").write_text("Bridge reopens\nThe harbour bridge reopened.\n")
    assert list(read_inputs([""])) == [Problem("", "empty path: name a file, a directory or a URL")]
    code, out, err = cli("ingest", "")
    assert code == 1 and "added 0 articles" in out
    assert err == "warning: empty path: name a file, a directory or a URL\n"


# -- 5. A question with a lone surrogate ---------------------------------------------------


def test_clip_question_replaces_lone_surrogates() -> None:
    assert clip_question("\ud800 who?") == "\ufffd who?"
    assert parse_query(" a\udcff  b ").text == "a\ufffd b"


class StrictTokenizer(HashEmbedder):
    """The fake embedder, refusing what the real tokenizer refuses: text that cannot be
    encoded (it raises TypeError on a lone surrogate). Records what it embeds."""

    seen: ClassVar[list[str]] = []

    def _check(self, texts: Sequence[str]) -> None:
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise TypeError("TextEncodeInput must be Union[TextInputSequence, ...]") from None
        self.seen.extend(texts)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self._check(texts)
        return super().encode(texts, progress=progress)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self._check(texts)
        return super().count_tokens(texts)


register_embedder("hash-strict", lambda: StrictTokenizer(64))


def test_the_cli_answers_a_question_with_a_lone_surrogate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[index]\nmodel = "hash-strict"\n', encoding="utf-8")

    def cli(*args: str) -> tuple[int, str, str]:
        code = main(["--config", str(config), "--index", str(tmp_path / "ix"), *args])
        return (code, *capsys.readouterr())

    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(_good_lines()), encoding="utf-8")
    assert cli("ingest", str(path))[0] == 0
    code, out, err = cli("ask", "\ud800 who?")
    assert (code, err) == (0, "") and out
    assert "\ufffd who?" in StrictTokenizer.seen
    code, out, err = cli("ask", "--json", "harbour bridge \udcff reopened")
    assert code == 0 and "harbour bridge" in json.loads(out)["passage"]
    assert cli("summary", "\ud800")[0] == 0


# -- 6. A feed that yields nothing says why ------------------------------------------------


def test_a_feed_cut_off_inside_its_only_entry_is_reported(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "broken.rss"
    path.write_text("<rss version='2.0'><channel><title>x</title><item><title>unclosed")
    with pytest.raises(InputError, match=r"not a readable RSS/Atom feed \(malformed feed: "):
        list(read_path(path))
    code, _, err = cli("ingest", str(path))
    assert code == 1 and err.startswith(f"warning: {path}: not a readable RSS/Atom feed")


def test_a_feed_with_no_entries_says_so() -> None:
    feed = "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title></channel></rss>"
    with pytest.raises(InputError, match=r"^f\.rss: no article in this feed \(no entries\)$"):
        list(read_text(feed, name="f.rss"))
    empty_entry = feed.replace("</channel>", "<item><link>https://x.test/a</link></item></channel>")
    with pytest.raises(InputError, match=r"\(1 entries, none with a title or text\)"):
        list(read_text(empty_entry, name="f.rss"))


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b"<rss version='2.0'><channel><title>Fetched</title><item><title>Leak</title>"
        body += b"<description>Fetched by the parser.</description></item></channel></rss>"
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_feed_text_is_parsed_never_fetched_or_opened(tmp_path: Path) -> None:
    # feedparser.parse(str) fetches a str that reads like a URL and opens one that names
    # a file: a feed body (or a URL's answer typed as a feed) must be data only.
    local = tmp_path / "local.rss"
    local.write_text(
        "<rss version='2.0'><channel><title>Local</title><item><title>Opened</title>"
        "<description>Read from a file named by the input.</description></item></channel></rss>"
    )
    with pytest.raises(InputError):
        list(read_text(str(local), name="body", kind="feed"))
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed?<rss"
        with pytest.raises(InputError):
            list(read_text(url, name="body", kind="feed"))
    finally:
        server.shutdown()
        server.server_close()
    assert _Counting.hits == []


# -- 7. An advertisement line between paragraphs ------------------------------------------


def test_an_advertisement_line_keeps_the_paragraphs_around_it_apart() -> None:
    assert clean_body("First paragraph.\nAdvertisement\nSecond paragraph.") == (
        "First paragraph.\nSecond paragraph."
    )
    assert clean_body("First.\r\n  Advertisement \r\nSecond.") == "First.\nSecond."
    assert clean_body("First. Advertisement\nSecond.") == "First.\nSecond."
    assert clean_body("The minister spoke. Advertisement The vote is on Friday.") == (
        "The minister spoke. The vote is on Friday."
    )


def test_replace_surrogates_keeps_clean_text_as_it_is() -> None:
    text = "Café — 東京 😀"
    assert replace_surrogates(text) is text
    assert (
        replace_surrogates("a\ud83d\ude00b") == "a\ufffd\ufffdb"
    )  # a pair in a str is two lone halves


def test_stat_of_what_is_read_follows_the_link_given_directly(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("Bridge reopens\nThe harbour bridge reopened.\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert stat.S_ISLNK(os.lstat(link).st_mode)
    [article] = list(read_path(link))  # a link given directly is the user's choice
    assert isinstance(article, Article)


def test_reading_stays_fast_on_a_large_page(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(
        "Big page\n" + "The harbour bridge reopened on Monday. 1 Caption. AP " * 100_000
    )
    started = time.monotonic()
    articles = [i for i in read_path(path) if isinstance(i, Article)]
    assert articles and time.monotonic() - started < 30


def test_the_cli_prints_what_the_terminal_cannot_encode_escaped(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": "The café’s harbour bridge reopened."}), encoding="utf-8")
    assert cli("ingest", str(path))[0] == 0
    shown = io.BytesIO()
    terminal = io.TextIOWrapper(shown, encoding="ascii")  # PYTHONIOENCODING=ascii, say
    monkeypatch.setattr(sys, "stdout", terminal)
    code, _, err = cli("ask", "harbour bridge reopened")
    terminal.flush()
    assert (code, err) == (0, "")
    assert b"caf\\xe9\\u2019s harbour bridge" in shown.getvalue()


# -- Found by the fuzz suite (tests/index/ingest/test_ingest_fuzz.py) ----------------------


@pytest.mark.parametrize("ref", ["&#xD800;", "&#1114112;", "&#" + "9" * 5_000 + ";"])
def test_a_feed_with_an_impossible_character_reference_is_read(ref: str) -> None:
    # feedparser's loose parser encoded chr(n): UnicodeEncodeError / ValueError.
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Wire" + ref + "</title>"
        "<item><title>Dam" + ref + "opens</title><description>It opened.</description></item>"
        "</channel></rss>"
    )
    [article] = list(read_text(feed, name="f.rss"))
    assert isinstance(article, Article) and article.title == "Dam\ufffdopens"


def test_html_that_trips_trafilatura_is_an_input_error() -> None:
    # htmldate's cleaning calls lxml's drop_tree on the root: an AssertionError.
    with pytest.raises(InputError, match=r"^p\.html: cannot read this HTML page \("):
        list(read_text("<body><html><svg><foreignObject>", name="p.html", kind="html"))


def test_an_html_page_of_too_many_elements_is_refused_at_once() -> None:
    # trafilatura's time grows about with the square of the elements: this took ~10 s,
    # twice as many paragraphs ~30 s.
    paragraphs = "".join(f"<p>The council met on day {i}.</p>" for i in range(60_000))
    html = f"<!DOCTYPE html><html><body><article>{paragraphs}</article></body></html>"
    started = time.monotonic()
    with pytest.raises(InputError, match=r"an HTML page of 60,00\d elements, over the 50,000"):
        list(read_text(html, name="p.html"))
    assert time.monotonic() - started < 10
