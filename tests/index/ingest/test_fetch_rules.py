"""fetch(): address rules, redirects, deadline, size cap and content types.

The misbehaving server runs on 127.0.0.1 in a thread. No test resolves or
contacts a public name or address: names go to an injected resolver, and the
injected network backend (`_Network`) opens sockets only to loopback, sending
the made-up public address PUBLIC to the test server instead.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import ipaddress
import socket
import struct
import threading
import time
import tracemalloc
import urllib.parse
import zlib
from collections.abc import Iterable
from typing import Any, ClassVar

import httpcore
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.config import SourcesConfig, parse_config
from index.errors import ConfigError, InputError
from index.ingest.fetch import MAX_BYTES, address_kind, fetch

PUBLIC = "93.184.216.34"  # a global address; never contacted (see _Network)
PAGE = b"<!DOCTYPE html><html><body><article><p>The council met.</p></article></body></html>"
TEXT = b"Plain words that look like an article, nothing binary here.\n"


def _bomb() -> bytes:
    """About 200 KB of gzip that inflates to 200 MiB of zeros: one compressed MiB,
    flushed so that it can be repeated, 200 times, in a single gzip stream."""
    zeros = bytes(2**20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(200):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, 200 * 2**20 % 2**32)
    return header + block * 200 + packer.flush() + trailer


BOMB = _bomb()


class _Handler(http.server.BaseHTTPRequestHandler):
    other_port: ClassVar[int] = 0

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, data: bytes) -> None:
        for i in range(len(data)):
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(0.2)

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route()  # a broken pipe: the client gave up, as it should

    def _route(self) -> None:
        path, _, query = self.path.partition("?")
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/page":
            self._send(200, {**html, "Content-Length": str(len(PAGE))}, PAGE)
        elif path == "/host":
            host = self.headers.get("Host", "").encode()
            self._send(200, {"Content-Type": "text/plain", "Content-Length": str(len(host))}, host)
        elif path == "/trickle-body":
            self._send(200, {**html, "Content-Length": "50"})
            self._trickle(b"x" * 50)
        elif path == "/trickle-headers":
            self.wfile.write(b"HTTP/1.0 200 OK\r\n")
            self._trickle(b"Content-Type: text/html\r\nX-Slow: " + b"y" * 50)
        elif path == "/lying-length":
            self._send(200, {"Content-Type": "text/plain", "Content-Length": "1000"}, TEXT)
        elif path == "/huge-length":
            self._send(200, {"Content-Type": "text/plain", "Content-Length": str(MAX_BYTES + 1)})
        elif path == "/endless":  # no Content-Length: read until closed
            self._send(200, {"Content-Type": "text/plain"})
            for _ in range(64):
                self.wfile.write(b"word " * 1000)
        elif path == "/png":
            self._send(200, {"Content-Type": "image/png"}, TEXT)
        elif path == "/octet":
            self._send(200, {"Content-Type": "application/octet-stream"}, TEXT)
        elif path == "/pdf":
            self._send(200, {"Content-Type": "application/pdf"}, TEXT)
        elif path == "/untyped-text":
            self._send(200, {"Content-Length": str(len(TEXT))}, TEXT)
        elif path == "/untyped-binary":
            data = b"\x89PNG\r\n\x1a\n" + TEXT
            self._send(200, {"Content-Length": str(len(data))}, data)
        elif path == "/gzip":
            data = gzip.compress(PAGE)
            self._send(200, {**html, "Content-Encoding": "gzip"}, data)
        elif path == "/gzip-cut":
            data = gzip.compress(PAGE * 50)[:-40]
            self._send(200, {**html, "Content-Encoding": "gzip"}, data)
        elif path == "/brotli":
            self._send(200, {**html, "Content-Encoding": "br"}, PAGE)
        elif path == "/bomb":
            headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
            self._send(200, {**headers, "Content-Length": str(len(BOMB))})
            for start in range(0, len(BOMB), 16384):
                self.wfile.write(BOMB[start : start + 16384])
        elif path == "/ftp":
            self._send(302, {"Location": "ftp://127.0.0.1/feed.xml"})
        elif path == "/file":
            self._send(302, {"Location": "file:///etc/passwd"})
        elif path == "/to-loopback":
            self._send(302, {"Location": f"http://127.0.0.1:{self.server.server_port}/page"})
        elif path == "/to-metadata":
            self._send(302, {"Location": "http://169.254.169.254/latest/meta-data/"})
        elif path == "/to-other-port":
            self._send(302, {"Location": f"http://127.0.0.1:{self.other_port}/page"})
        elif path == "/to-page":
            self._send(301, {"Location": "/page"})
        elif path.startswith("/loop/"):
            self._send(302, {"Location": f"/loop/{int(path[6:]) + 1}"})
        elif path == "/redirect":
            target = urllib.parse.parse_qs(query).get("to", [""])[0]
            target = target.replace("\r", "").replace("\n", "")
            # The header goes out as the target's UTF-8 bytes, as a careless server would.
            self._send(302, {"Location": target.encode().decode("latin-1")})
        else:
            self._send(404, {"Content-Length": "0"})


def _serve() -> http.server.ThreadingHTTPServer:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module")
def servers():
    main, other = _serve(), _serve()
    _Handler.other_port = other.server_port
    yield main.server_port, other.server_port
    for httpd in (main, other):
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(servers):
    return f"http://127.0.0.1:{servers[0]}"


class _Network(httpcore.NetworkBackend):
    """Records every connection asked for; connects to loopback only, and sends the
    made-up public address PUBLIC to the test server. Anything else fails at once."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.connections: list[tuple[str, int]] = []
        self._real = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.connections.append((host, port))
        if host == PUBLIC and self.port:
            return self._real.connect_tcp("127.0.0.1", self.port, timeout)
        if ipaddress.ip_address(host).is_loopback:
            return self._real.connect_tcp(host, port, timeout)
        raise httpcore.ConnectError("test network: no route")


class _Resolver:
    """Answers every name from a table (or `default`), recording the questions."""

    def __init__(self, table: dict[str, list[str]] | None = None, default=None) -> None:
        self.table = table or {}
        self.default = default
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        answer = self.table.get(host, self.default)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(answer)


def _public(port: int) -> dict[str, Any]:
    """fetch() keywords under which news.example is PUBLIC, served by the test server."""
    return {
        "resolver": _Resolver({"news.example": [PUBLIC]}),
        "network_backend": _Network(port),
    }


# -- address rules, no network -------------------------------------------------------

LOOPBACK_OR_PRIVATE = [
    "127.0.0.1",
    "localhost",
    "LocalHost.",
    "[::1]",
    "2130706433",
    "0x7f000001",
    "127.1",
    "0177.1",
    "10.0.0.1",
    "192.168.1.1",
    "172.16.0.1",
    "100.64.0.1",
    "[::ffff:127.0.0.1]",
    "[::ffff:10.0.0.1]",
    "[fd00::1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
]
NEVER = ["0.0.0.0", "0", "169.254.169.254", "[fe80::1]", "224.0.0.1", "[ff02::1]", "240.0.0.1"]
NEVER += ["255.255.255.255", "[::]", "[::ffff:169.254.169.254]"]


@pytest.mark.parametrize("host", LOOPBACK_OR_PRIVATE + NEVER)
def test_non_public_address_is_refused_before_any_connection(host):
    resolver = _Resolver({"localhost": ["127.0.0.1"]})
    network = _Network()
    url = f"http://{host}:8080/x"
    with pytest.raises(InputError, match=r"^http://\S+: refused: .* address") as info:
        fetch(url, resolver=resolver, network_backend=network)
    assert network.connections == []
    assert resolver.asked == []  # literals and localhost never reach the resolver
    assert "\n" not in str(info.value) and str(info.value).startswith(url)


@pytest.mark.parametrize("host", NEVER)
def test_link_local_multicast_unspecified_stay_refused_with_allow_private(host):
    network = _Network()
    with pytest.raises(InputError, match=r"refused: .* address \(never fetched\)"):
        fetch(f"http://{host}/x", allow_private=True, resolver=_Resolver(), network_backend=network)
    assert network.connections == []


def test_refusal_message_names_url_address_and_setting():
    with pytest.raises(InputError) as info:
        fetch("http://10.0.0.1/x", resolver=_Resolver(), network_backend=_Network())
    assert str(info.value) == (
        "http://10.0.0.1/x: refused: 10.0.0.1 is a private address "
        "(set [sources] allow_private_addresses = true for an intranet)"
    )
    with pytest.raises(InputError, match=r"2130706433 means 127\.0\.0\.1, a loopback"):
        fetch("http://2130706433/", resolver=_Resolver(), network_backend=_Network())


def test_name_resolving_to_loopback_is_refused():
    resolver = _Resolver({"news.example": ["127.0.0.1"]})
    network = _Network()
    with pytest.raises(InputError, match=r"news\.example resolves to 127\.0\.0\.1, a loopback"):
        fetch("http://news.example/feed", resolver=resolver, network_backend=network)
    assert network.connections == []


def test_one_private_answer_among_public_ones_refuses_the_name():
    resolver = _Resolver({"news.example": [PUBLIC, "10.1.2.3"]})
    network = _Network()
    with pytest.raises(InputError, match=r"resolves to 10\.1\.2\.3, a private address"):
        fetch("http://news.example/feed", resolver=resolver, network_backend=network)
    assert network.connections == []


def test_rebinding_resolver_is_asked_once_and_only_the_vetted_address_is_used(servers):
    """Public on the first answer, loopback on every later one (TTL 0)."""
    answers = iter([[PUBLIC]])
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers, ["127.0.0.1"])

    network = _Network(servers[0])
    # Two hops on the same name: the redirect must not resolve it again.
    fetched = fetch("http://news.example/to-page", resolver=rebinding, network_backend=network)
    assert fetched.body == PAGE and fetched.url == "http://news.example/page"
    assert asked == ["news.example"]
    assert {host for host, _ in network.connections} == {PUBLIC}


def test_connection_keeps_the_name_for_host_header_and_sni(servers):
    network = _Network(servers[0])
    fetched = fetch(
        "http://news.example/host", **{**_public(servers[0]), "network_backend": network}
    )
    assert fetched.body == b"news.example"  # the Host header: the name, not the address
    assert network.connections == [(PUBLIC, 80)]

    class _Tls(httpcore.NetworkStream):
        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            names.append(server_hostname)
            raise httpcore.ConnectError("test: no TLS peer")

        def close(self) -> None:
            pass

    class _TlsNetwork(_Network):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            self.connections.append((host, port))
            return _Tls()

    names: list[str | None] = []
    tls = _TlsNetwork()
    with pytest.raises(InputError, match="cannot fetch"):
        fetch(
            "https://news.example/",
            resolver=_Resolver({"news.example": [PUBLIC]}),
            network_backend=tls,
        )
    assert tls.connections == [(PUBLIC, 443)] and names == ["news.example"]


def test_unresolvable_name_is_one_line():
    with pytest.raises(InputError, match=r"^http://nowhere\.example/: cannot resolve nowhere"):
        fetch("http://nowhere.example/", resolver=_Resolver(), network_backend=_Network())


def test_stuck_resolver_is_bounded_by_the_deadline():
    def stuck(host: str, port: int) -> list[str]:
        time.sleep(5)
        return [PUBLIC]

    with pytest.raises(InputError, match="timed out"):
        fetch("http://news.example/", deadline=0.3, resolver=stuck, network_backend=_Network())


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "http:///x",
        "http://[",
        "http://a b/",
        "http://0177.0.0.1/",
    ],
)
def test_other_schemes_and_broken_urls_are_refused(url):
    network = _Network()
    with pytest.raises(InputError, match=r"(refused: only http|not a valid address)"):
        fetch(url, resolver=_Resolver(), network_backend=network)
    assert network.connections == []


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("127.8.9.10", "loopback"),
        ("0.1.2.3", "unspecified"),
        ("100.127.255.255", "private"),
        ("192.0.2.1", "private"),
        ("fc12::1", "private"),
        ("169.254.0.1", "link-local"),
        ("239.1.1.1", "multicast"),
        ("::ffff:224.0.0.1", "multicast"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo
    ],
)
def test_address_kind(ip, kind):
    assert address_kind(ipaddress.ip_address(ip)) == kind


# -- redirects ------------------------------------------------------------------------


def test_public_name_redirecting_to_loopback_is_refused(servers):
    kwargs = _public(servers[0])
    with pytest.raises(InputError) as info:
        fetch("http://news.example/to-loopback", **kwargs)
    message = str(info.value)
    assert message.startswith(
        "http://news.example/to-loopback: refused: redirected to http://127.0.0.1:"
    )
    assert "loopback address" in message
    assert {host for host, _ in kwargs["network_backend"].connections} == {PUBLIC}


def test_redirect_to_the_metadata_address_is_refused_even_for_an_intranet(servers):
    with pytest.raises(InputError, match=r"169\.254\.169\.254 is a link-local address"):
        fetch("http://news.example/to-metadata", **_public(servers[0]))
    with pytest.raises(InputError, match=r"169\.254\.169\.254 is a link-local address"):
        fetch(f"http://127.0.0.1:{servers[0]}/to-metadata", allow_private=True)


@pytest.mark.parametrize("path", ["/ftp", "/file"])
def test_redirect_to_another_scheme_is_refused(server, path):
    with pytest.raises(InputError, match=r"refused: redirected to (ftp://|file:/).*only http"):
        fetch(f"{server}{path}", allow_private=True)


def test_redirect_to_another_loopback_port_needs_allow_private(servers):
    with pytest.raises(InputError, match=rf"redirected to http://127\.0\.0\.1:{servers[1]}/page"):
        fetch("http://news.example/to-other-port", **_public(servers[0]))
    fetched = fetch(f"http://127.0.0.1:{servers[0]}/to-other-port", allow_private=True)
    assert fetched.url == f"http://127.0.0.1:{servers[1]}/page" and fetched.body == PAGE


def test_too_many_redirects(server):
    with pytest.raises(InputError, match="more than 5 redirects"):
        fetch(f"{server}/loop/0", allow_private=True)
    with pytest.raises(InputError, match="more than 2 redirects"):
        fetch(f"{server}/loop/0", allow_private=True, max_redirects=2)


# -- deadline, size, content ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_trickling_server_hits_the_deadline(server, path):
    with pytest.raises(InputError, match=r"timed out: no complete answer within 1 s"):
        fetch(f"{server}{path}", allow_private=True, deadline=1.0)


def test_body_shorter_than_its_content_length_is_refused(server):
    with pytest.raises(InputError, match=rf"closed after {len(TEXT)} bytes, of 1000 announced"):
        fetch(f"{server}/lying-length", allow_private=True)


def test_size_cap(server):
    with pytest.raises(InputError, match=r"larger than 10 MiB \(10485761 bytes announced\)"):
        fetch(f"{server}/huge-length", allow_private=True)
    with pytest.raises(InputError, match=r"larger than 1000 bytes$"):
        fetch(f"{server}/endless", allow_private=True, max_bytes=1000)


def test_gzip_bomb_stops_at_the_cap_in_bounded_memory(server):
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="larger than 10 MiB once decompressed"):
            fetch(f"{server}/bomb", allow_private=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20  # the cap and a chunk, not the 200 MB


def test_gzip_body_is_decoded_and_a_cut_one_refused(server):
    assert fetch(f"{server}/gzip", allow_private=True).body == PAGE
    with pytest.raises(InputError, match="gzip body ends early"):
        fetch(f"{server}/gzip-cut", allow_private=True)
    with pytest.raises(InputError, match="unsupported Content-Encoding br"):
        fetch(f"{server}/brotli", allow_private=True)


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/png", "image/png"), ("/octet", "application/octet-stream"), ("/pdf", "application/pdf")],
)
def test_non_text_content_type_is_refused_even_when_the_bytes_are_text(server, path, kind):
    with pytest.raises(
        InputError, match=rf"refused: content type {kind} is not a page, feed or text"
    ):
        fetch(f"{server}{path}", allow_private=True)


def test_missing_content_type_is_sniffed(server):
    fetched = fetch(f"{server}/untyped-text", allow_private=True)
    assert fetched.body == TEXT and fetched.content_type == ""
    with pytest.raises(InputError, match="no content type, and the body is not text"):
        fetch(f"{server}/untyped-binary", allow_private=True)


def test_a_good_page_through_a_public_name(servers):
    fetched = fetch("http://news.example/page", **_public(servers[0]))
    assert (fetched.url, fetched.content_type, fetched.body) == (
        "http://news.example/page",
        "text/html",
        PAGE,
    )


# -- config ---------------------------------------------------------------------------


def test_sources_config():
    assert parse_config({}).sources == SourcesConfig(allow_private_addresses=False)
    assert parse_config(
        {"sources": {"allow_private_addresses": True}}
    ).sources.allow_private_addresses
    with pytest.raises(
        ConfigError, match=r"\[sources\] allow_private_addresses must be true or false"
    ):
        parse_config({"sources": {"allow_private_addresses": "yes"}})
    with pytest.raises(ConfigError, match=r"unknown key 'allow_private' in \[sources\]"):
        parse_config({"sources": {"allow_private": True}})


# -- property: whatever the URL or redirect, only InputError -------------------------------

_HOSTS = st.one_of(
    st.sampled_from(
        [
            "news.example",
            "127.0.0.1",
            "localhost",
            "[::1]",
            "2130706433",
            "0x7f000001",
            "127.1",
            "10.0.0.1",
            "169.254.169.254",
            "[::ffff:127.0.0.1]",
            "0.0.0.0",
            "[",
            "a b",
            "999.1.1.1",
            "1.2.3.4.5",
            "0x",
            "xn--",
            "-bad-.example",
            "é.example",
            "%00",
            "",
        ]
    ),
    st.text(max_size=20),
)
_URLS = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}://{}{}{}".format,
        st.sampled_from(["http", "https", "HTTP", "ftp", "file", "javascript", ""]),
        _HOSTS,
        st.sampled_from(["", ":0", ":80", ":65536", ":abc", ":1"]),
        st.sampled_from(["", "/", "/page", "/to-page", "/nope"]) | st.text(max_size=10),
    ),
)
_ANSWERS = st.sampled_from(
    [
        None,
        [],
        [PUBLIC],
        ["127.0.0.1"],
        [PUBLIC, "10.0.0.1"],
        ["not an ip"],
        ["::1"],
        ["fe80::1%eth0"],
    ]
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=_URLS, answers=_ANSWERS, allow_private=st.booleans())
def test_any_redirect_target_raises_only_input_error(servers, target, answers, allow_private):
    network = _Network(servers[0])
    resolver = _Resolver({"news.example": [PUBLIC]}, default=answers)
    url = "http://news.example/redirect?to=" + urllib.parse.quote(target, safe="")
    _fetch_checked(url, resolver, network, allow_private)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=_URLS, answers=_ANSWERS)
def test_any_url_raises_only_input_error(servers, url, answers):
    network = _Network(servers[0])
    _fetch_checked(url, _Resolver(default=answers), network, False)


def _fetch_checked(url: str, resolver: _Resolver, network: _Network, allow_private: bool) -> None:
    try:
        fetch(
            url,
            allow_private=allow_private,
            deadline=5.0,
            resolver=resolver,
            network_backend=network,
        )
    except InputError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message
    for host, _ in network.connections:
        assert host == PUBLIC or allow_private, f"connected to {host} for {url!r}"
