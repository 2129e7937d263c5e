"""`newsdesk feeds add | list | remove | poll` against a loopback web server."""

from __future__ import annotations

import json

import pytest

from index.cli import main
from tests.index.sources.documents import RSS, Item, page, rss2, story
from tests.support.web import Reply, WebServer


@pytest.fixture
def web():
    with WebServer() as server:
        items = [Item(f"The {n} story", server.url(f"/{n}"), guid=n) for n in ("dam", "bridge")]
        server.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
        for name in ("dam", "bridge"):
            server.route(f"/{name}", Reply(page(f"The {name} story", story(name))))
        yield server


@pytest.fixture
def cli(tmp_path, capsys):
    """Runs `newsdesk` on a fresh index that may reach 127.0.0.1; returns
    (exit code, stdout, stderr)."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[index]\nmodel = "hash-256"\n'
        "[sources]\nallow_private_addresses = true\nhost_interval_s = 0.0\n"
    )
    base = ["--config", str(config), "--index", str(tmp_path / "index")]

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_add_poll_list_remove(cli, web):
    feed = web.url("/feed")
    code, out, _ = cli("feeds", "add", feed, "--every", "2h")
    assert code == 0 and out.startswith(f"following {feed} (every 2h)")

    code, out, _ = cli("feeds", "poll")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == f"{feed}: added 2, updated 0 (already published when the source was added)"
    assert lines[1:] == ["    + The dam story", "    + The bridge story"]

    code, out, _ = cli("feeds", "poll")
    assert (code, out.strip()) == (
        0,
        "no source is due (`newsdesk feeds poll --all` polls every one now)",
    )
    code, out, _ = cli("feeds", "poll", "--all")
    assert (code, out.strip()) == (0, f"{feed}: added 0, updated 0")

    code, out, _ = cli("feeds", "list")
    assert code == 0
    assert out.startswith(f"[ok] Loop Wire {feed} · feed · every 2h · 2 articles · last success 20")

    code, out, _ = cli("feeds", "remove", feed)
    assert code == 0 and "no longer following" in out
    code, out, _ = cli("feeds", "list")
    assert out.strip() == "no sources: add one with `newsdesk feeds add URL`"
    code, out, _ = cli("stats", "--json")
    assert json.loads(out)["articles"] == 2  # removing a source keeps its articles


def test_json_output(cli, web):
    feed = web.url("/feed")
    code, out, _ = cli("feeds", "add", feed, "--json")
    added = json.loads(out)
    assert code == 0 and added["url"] == feed and added["every_s"] == 1800
    code, out, _ = cli("feeds", "poll", "--json")
    [result] = json.loads(out)["sources"]
    assert result["url"] == feed and result["backlog"] is True and result["error"] == ""
    assert [a["title"] for a in result["added"]] == ["The dam story", "The bridge story"]
    assert all(isinstance(a["article_id"], int) for a in result["added"])
    code, out, _ = cli("feeds", "list", "--json")
    [source] = json.loads(out)["sources"]
    assert (source["kind"], source["articles"], source["failures"]) == ("feed", 2, 0)


def test_a_failing_source_prints_its_error_and_exits_1(cli, web):
    web.route("/feed", Reply(b"down", status=500, content_type="text/plain"))
    cli("feeds", "add", web.url("/feed"))
    code, out, _ = cli("feeds", "poll")
    assert code == 1
    assert (
        out.strip()
        == f"{web.url('/feed')}: error: {web.url('/feed')}: HTTP 500 Internal Server Error"
    )
    code, out, _ = cli("feeds", "list")
    lines = out.splitlines()
    assert lines[0].startswith("[failing x1] ") and "last success never" in lines[0]
    assert lines[1] == f"    last error: {web.url('/feed')}: HTTP 500 Internal Server Error"


def test_an_entry_that_fails_is_a_warning(cli, web):
    web.route("/bridge", Reply(b"", status=302, headers={"Location": "http://169.254.169.254/"}))
    cli("feeds", "add", web.url("/feed"))
    code, out, err = cli("feeds", "poll")
    assert code == 0 and "added 1, updated 0" in out and "1 entries not read" in out
    assert err.startswith(f"warning: {web.url('/bridge')}: refused: redirected to")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["feeds", "add", "ftp://example.com/feed"], "not an http(s) address"),
        (["feeds", "add", "https://example.com/feed", "--every", "10s"], "between 60 s and 7 days"),
        (["feeds", "add", "https://example.com/feed", "--every", "soon"], "not an interval"),
        (["feeds", "remove", "https://example.com/feed"], "not a source: https://example.com/feed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, argv, message):
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("newsdesk: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
