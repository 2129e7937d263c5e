"""Input readers: JSONL, HTML, RSS/Atom, and bad input that must fail clearly."""

import gzip
import json

import pytest

from index.errors import InputError
from index.ingest.readers import read_path
from index.records import Article, Problem


def _articles(path):
    items = list(read_path(path))
    assert all(isinstance(i, Article | Problem) for i in items), items
    return [item for item in items if isinstance(item, Article)]


def _problems(path):
    return [item for item in read_path(path) if isinstance(item, Problem)]


def test_jsonl_reads_every_field(tmp_path):
    path = tmp_path / "c.jsonl"
    row = {
        "id": "1",
        "title": "T",
        "source": "cnn.com",
        "url": "https://x.test/a",
        "published": "2022-06-12",
        "text": "First paragraph.\n\nSecond one.",
    }
    path.write_text(json.dumps(row) + "\n")
    [article] = _articles(path)
    assert (article.title, article.source, article.url, article.published) == (
        "T",
        "cnn.com",
        "https://x.test/a",
        "2022-06-12",
    )
    assert article.text == "First paragraph.\n\nSecond one."


def test_jsonl_bad_lines_are_reported_with_line_numbers_and_good_ones_kept(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    lines = [
        json.dumps({"text": "Good one."}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps(["a list"]),
        json.dumps({"text": "Good two.", "published": "garbage"}),
    ]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    assert [a.text for a in _articles(path)] == ["Good one.", "Good two."]
    assert _articles(path)[1].published == ""  # unparseable date: stored as unknown
    problems = _problems(path)
    assert [p.where for p in problems] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert problems[0].message.startswith("not valid JSON")
    assert problems[1].message == 'missing or empty "text"'
    assert problems[2].message == "expected a JSON object"
    assert str(problems[0]).startswith(f"{path}:2: not valid JSON")


def test_html_page_gives_main_text_and_metadata(tmp_path):
    body = "".join(
        f"<p>Paragraph {i} about the harbour bridge reopening to traffic.</p>" for i in range(8)
    )
    html = (
        "<!DOCTYPE html><html><head><title>Bridge reopens | Daily Test</title>"
        '<meta property="og:site_name" content="Daily Test">'
        '<meta property="article:published_time" content="2024-05-02T10:00:00Z">'
        "</head><body><nav>Home | Sports | Subscribe</nav>"
        f"<article><h1>Bridge reopens</h1>{body}</article><footer>Cookie policy</footer>"
        "</body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(html)
    [article] = _articles(path)
    assert "harbour bridge" in article.text
    assert "Cookie policy" not in article.text and "Subscribe" not in article.text
    assert article.published == "2024-05-02"
    assert "Bridge reopens" in article.title


def test_rss_feed_gives_one_article_per_entry(tmp_path):
    rss = """<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>
    <item><title>Dam opens</title><link>https://wire.test/dam</link>
    <pubDate>Tue, 10 Jun 2025 08:00:00 GMT</pubDate>
    <description>&lt;p&gt;The new dam opened on Tuesday.&lt;/p&gt;</description></item>
    <item><title>Second</title><link>https://wire.test/2</link>
    <description>Another story.</description></item></channel></rss>"""
    path = tmp_path / "feed.xml"
    path.write_text(rss)
    first, second = _articles(path)
    assert (first.title, first.source, first.url, first.published) == (
        "Dam opens",
        "Test Wire",
        "https://wire.test/dam",
        "2025-06-10",
    )
    assert first.text == "The new dam opened on Tuesday."
    assert second.published == ""


def test_atom_feed(tmp_path):
    atom = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
    <entry><title>Rail strike ends</title><link href="https://atom.test/rail"/>
    <updated>2025-03-01T12:00:00Z</updated><summary>Workers returned on Monday.</summary></entry>
    </feed>"""
    path = tmp_path / "feed.atom"
    path.write_text(atom)
    [entry] = _articles(path)
    assert entry.url == "https://atom.test/rail" and entry.published == "2025-03-01"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x7fELF\x00\x00\x01binary", "binary")],
)
def test_empty_and_binary_files_fail_clearly(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(read_path(path))


def test_missing_file_and_directory_fail_clearly(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        list(read_path(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="directory"):
        list(read_path(tmp_path))


def test_non_utf8_text_is_read_with_a_warning(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\xe9 owners in S\xe3o Paulo protested on Monday.".encode("latin-1"))
    items = list(read_path(path))
    assert [i for i in items if isinstance(i, Problem)] == [
        Problem(str(path), "not UTF-8, read as Windows-1252")
    ]
    [article] = [i for i in items if isinstance(i, Article)]
    assert "Café" in article.text and "São Paulo" in article.text


def test_a_feed_cut_off_before_any_entry_fails_clearly(tmp_path):
    path = tmp_path / "broken.rss"
    path.write_text("<rss version='2.0'><channel><title>x")
    with pytest.raises(InputError, match=r"broken\.rss: not a readable RSS/Atom feed"):
        list(read_path(path))


def test_a_feed_cut_off_in_an_entry_keeps_the_whole_entries_before_it(tmp_path):
    path = tmp_path / "broken.rss"
    path.write_text(
        "<rss version='2.0'><channel><title>Wire</title>"
        "<item><title>Dam opens</title><description>The new dam opened.</description></item>"
        "<item><title>unclosed"
    )
    [article] = _articles(path)
    assert (article.title, article.text, article.source) == (
        "Dam opens",
        "The new dam opened.",
        "Wire",
    )


def test_a_feed_cut_off_inside_its_only_entry_is_reported(tmp_path):
    path = tmp_path / "broken.rss"
    path.write_text("<rss version='2.0'><channel><title>x</title><item><title>unclosed")
    with pytest.raises(InputError, match="not a readable RSS/Atom feed"):
        list(read_path(path))


def test_huge_article_is_cut_not_rejected(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"text": "Word after word. " * 30_000}))
    [article] = _articles(path)
    assert 100_000 < len(article.text) <= 200_000


@pytest.mark.parametrize("name", ["C.JSONL", "c.Jsonl.GZ"])
def test_upper_case_jsonl_names_are_read_as_jsonl(tmp_path, name):
    path = tmp_path / name
    data = json.dumps({"title": "T", "text": "The bridge reopened."}).encode()
    path.write_bytes(gzip.compress(data) if name.lower().endswith(".gz") else data)
    [article] = _articles(path)
    assert (article.title, article.text) == ("T", "The bridge reopened.")


def test_a_gzip_file_over_the_limit_once_decompressed_is_refused(tmp_path, monkeypatch):
    import index.ingest.readers

    monkeypatch.setattr(index.ingest.readers, "MAX_FILE_BYTES", 10_000)
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"text": "a " * 20_000}).encode()))
    assert path.stat().st_size < 10_000
    with pytest.raises(InputError, match="once decompressed"):
        list(read_path(path))
