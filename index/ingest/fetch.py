"""Fetching a page or feed over HTTP(S) for ingest, with address rules.

A URL given to ingest can point anywhere, and so can every redirect it answers
with: without rules, `newsdesk ingest` (or a bot command that ingests) becomes a
way to read the host's own services, its network, or the cloud metadata address.
`fetch` therefore refuses, on the first request and on every redirect hop:

* any scheme but http and https;
* loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7...),
  link-local (169.254/16 with the metadata address, fe80::/10), multicast,
  unspecified (0.0.0.0/8, ::) and reserved addresses: everything Python's
  `ipaddress` does not call global, plus multicast and reserved ranges it does.
  An IPv6 address that embeds an IPv4 one (IPv4-mapped ::ffff:a.b.c.d, 6to4,
  Teredo, NAT64 64:ff9b::/96) is judged by the IPv4 address inside it. Host
  spellings the C resolver reads as IPv4 (2130706433, 0x7f000001, 127.1, 0177.1)
  are decoded here by the same rules and judged as the address they stand for.

`allow_private=True` (`[sources] allow_private_addresses = true`, for an
intranet) permits loopback and private addresses; link-local, multicast,
unspecified and reserved ones stay refused.

How DNS rebinding is prevented: the name is resolved once per fetch, here, and
every address it resolves to is checked (one refused address refuses the name,
so a public answer cannot smuggle a private one in second place). The checked
addresses are pinned to the name, and the connection is made by
`_PinnedBackend`, an httpcore network backend that connects only to pinned
addresses: httpcore asks it for "news.example:443", it opens a socket to the
vetted IP, and refuses any host it has not been given. httpx and httpcore never
resolve names themselves, so a second DNS answer is never asked for, let alone
used. The URL is not rewritten, so the Host header, TLS SNI and certificate
check all use the original name. Proxies from the environment are off
(`trust_env=False`): a proxy would connect on our behalf to addresses we never
checked.

Limits: one deadline for the whole fetch (resolving, connecting, every hop,
headers and body: each socket operation gets only the time left, and the body
loop checks the clock), a cap on the body counted both as received and once
decompressed (gzip and deflate are inflated here with a bounded output, so a
compression bomb stops at the cap in bounded memory), and a content-type check.
Every failure is an InputError whose message is one line naming the URL.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from index.errors import InputError

MAX_BYTES = 10 * 1024 * 1024
DEADLINE_SECONDS = 30.0
MAX_REDIRECTS = 5
CONNECT_SECONDS = 10.0  # per address tried, within the deadline
USER_AGENT = "newsdesk/0.1 (+https://github.com/newsdesk)"

# Declared content types that are a page, a feed or text; a missing one is
# accepted only when the body sniffs as text.
ACCEPTED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
        "text/plain",
        "application/json",
        "application/x-ndjson",
        "application/jsonl",
    }
)
_ACCEPT = ", ".join(sorted(ACCEPTED_TYPES)) + ", */*;q=0.1"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PRIVATE_HINT = " (set [sources] allow_private_addresses = true for an intranet)"
# Refused even with allow_private: never an intranet news source.
_ALWAYS_REFUSED = frozenset({"unspecified", "link-local", "multicast", "reserved"})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses it resolves to, as strings. The default asks the
# system resolver; tests inject their own so that no name ever reaches DNS.
Resolver = Callable[[str, int], Iterable[str]]


@dataclass(frozen=True)
class Fetched:
    """A fetched document: final URL after redirects, declared content type
    (media type only, lower case; "" when the server sent none), body (decoded
    from any Content-Encoding)."""

    url: str
    content_type: str
    body: bytes


def is_url(value: str) -> bool:
    """True for http:// and https:// addresses."""
    return value.lower().startswith(("http://", "https://"))


class _Failure(Exception):
    """A reason to give up; `fetch` turns it into an InputError naming the URL."""


class _NotVetted(httpcore.ConnectError):
    """The backend was asked for a host it has no checked address for (a bug guard)."""


# -- addresses ------------------------------------------------------------------


def address_kind(ip: IPAddress) -> str | None:
    """Why `ip` is not a public address ("loopback", "private", "link-local",
    "multicast", "unspecified", "reserved"), or None when it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return address_kind(inner)
        if ip.teredo is not None:
            for part in ip.teredo:
                kind = address_kind(part)
                if kind:
                    return kind
    if ip.is_unspecified or (ip.version == 4 and int(ip) >> 24 == 0):
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global or getattr(ip, "is_site_local", False):
        return "private"
    return None


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address the C resolver reads in `host` ("127.1", "0x7f000001",
    "2130706433", "0177.0.0.1"), None when `host` is a name; _Failure when it is
    all numbers but no address."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(
        re.fullmatch(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*", p) for p in parts
    ):
        return None
    values = [
        int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p, 8 if p[0] == "0" else 10)
        for p in parts
    ]
    # a.b.c.d; a.b.c with c 16 bits; a.b with b 24 bits; a as 32 bits.
    if any(v > 255 for v in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise _Failure(f"not a valid address ({host} is out of range)")
    number = 0
    for v in values[:-1]:
        number = number << 8 | v
    number = number << 8 * (5 - len(values)) | values[-1]
    return ipaddress.IPv4Address(number)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return _inet_aton(host)


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def _resolve(host: str, port: int, resolver: Resolver, end: float) -> list[IPAddress]:
    """Resolve in a thread, so that a stuck resolver cannot outlast the deadline."""
    answer: list[str] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            answer.extend(resolver(host, port))
        except BaseException as exc:  # handed over to the calling thread
            error.append(exc)

    thread = threading.Thread(target=run, name="newsdesk-resolve", daemon=True)
    thread.start()
    thread.join(max(0.0, end - time.monotonic()))
    if thread.is_alive():
        raise TimeoutError
    if error:
        exc = error[0]
        if isinstance(exc, OSError | UnicodeError | ValueError):
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise _Failure(f"cannot resolve {host} ({reason})")
        raise exc
    addresses: list[IPAddress] = []
    for text in answer:
        try:
            addresses.append(ipaddress.ip_address(str(text).split("%", 1)[0]))
        except ValueError:
            raise _Failure(f"cannot resolve {host} (got {str(text)[:60]!r})") from None
    if not addresses:
        raise _Failure(f"cannot resolve {host} (no address)")
    return addresses


def _refusal(host: str, ip: IPAddress, allow_private: bool) -> str | None:
    """Why connecting to `ip` (for `host`) is refused, or None when it is allowed."""
    kind = address_kind(ip)
    if kind is None or (allow_private and kind not in _ALWAYS_REFUSED):
        return None
    hint = " (never fetched)" if kind in _ALWAYS_REFUSED else _PRIVATE_HINT
    if _literal(host) is None:
        return f"{host} resolves to {ip}, a {kind} address{hint}"
    try:
        ipaddress.ip_address(host)
    except ValueError:  # 2130706433, 0x7f000001, 127.1...
        return f"{host} means {ip}, a {kind} address{hint}"
    return f"{host} is a {kind} address{hint}"


def _vet(
    url: httpx.URL,
    pins: dict[str, tuple[str, ...]],
    allow_private: bool,
    resolver: Resolver,
    end: float,
) -> None:
    """Check `url`'s scheme and host; pin the host's checked addresses in `pins`."""
    if url.scheme not in ("http", "https"):
        raise _Failure("refused: only http:// and https:// addresses are fetched")
    key = url.raw_host.decode("ascii").lower()
    if not key:
        raise _Failure("not a valid address (no host)")
    port = url.port or (443 if url.scheme == "https" else 80)
    if not 0 < port < 65536:
        raise _Failure(f"not a valid address (port {port})")
    if key in pins:
        return
    ip = _literal(key)
    if ip is None:
        name = key.removesuffix(".")
        if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
            raise _Failure(f"not a valid address (host {url.host[:80]!r})")
        if not allow_private and (name == "localhost" or name.endswith(".localhost")):
            raise _Failure(f"refused: {name} is a loopback address{_PRIVATE_HINT}")
        addresses = _resolve(name, port, resolver, end)
    else:
        addresses = [ip]
    for address in addresses:
        reason = _refusal(key, address, allow_private)
        if reason:
            raise _Failure(f"refused: {reason}")
    pins[key] = tuple(dict.fromkeys(str(a) for a in addresses))


# -- connections ----------------------------------------------------------------


def _left(end: float, timeout: float | None, error: type[Exception]) -> float:
    left = end - time.monotonic()
    if left <= 0:
        raise error("the fetch deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A stream whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, end: float) -> None:
        self._inner = inner
        self._end = end

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(self._end, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(self._end, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(self._end, timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left), self._end)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects only to the addresses `_vet` checked for a host, never resolving."""

    def __init__(
        self, inner: httpcore.NetworkBackend, pins: dict[str, tuple[str, ...]], end: float
    ) -> None:
        self._inner = inner
        self._pins = pins
        self._end = end

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._pins.get(host.lower())
        if not addresses:
            raise _NotVetted(f"{host} has no checked address")
        last: Exception = httpcore.ConnectError("no address")
        for address in addresses:
            left = _left(
                self._end, min(timeout or CONNECT_SECONDS, CONNECT_SECONDS), httpcore.ConnectTimeout
            )
            try:
                stream = self._inner.connect_tcp(
                    address, port, left, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream, self._end)
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise _NotVetted("unix sockets are never used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Stream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's default context (certifi's CAs), built once: loading them takes ~30 ms."""
    return httpx.create_ssl_context()


class _PinnedTransport(httpx.BaseTransport):
    """httpx's HTTPTransport, over an httpcore pool whose backend is `_PinnedBackend`.
    httpcore errors are not mapped to httpx ones: `fetch` catches both."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=2,
            max_keepalive_connections=1,
            keepalive_expiry=5.0,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        response = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def _client(backend: httpcore.NetworkBackend, deadline: float) -> httpx.Client:
    """The one client configuration every fetch uses."""
    return httpx.Client(
        transport=_PinnedTransport(backend),
        follow_redirects=False,  # the loop in _fetch follows them, checking each hop
        trust_env=False,  # no proxies or .netrc from the environment
        timeout=httpx.Timeout(deadline, connect=min(deadline, CONNECT_SECONDS)),
        headers={
            "User-Agent": USER_AGENT,
            "Accept": _ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        },
    )


# -- bodies ---------------------------------------------------------------------


class _Inflater:
    """Inflates gzip or deflate data without ever holding more than `room` bytes out."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """The bytes `data` inflates to; more than `room` of them means too large."""
        try:
            out = self._inflater.decompress(data, room + 1)
        except zlib.error:
            if self._encoding != "deflate" or self._started:
                raise
            # "deflate" is meant to be zlib-wrapped; some servers send it raw.
            self._wbits = -zlib.MAX_WBITS
            self._inflater = zlib.decompressobj(self._wbits)
            out = self._inflater.decompress(data, room + 1)
        self._started = True
        while (
            len(out) <= room
            and self._inflater.eof
            and self._inflater.unused_data.startswith(b"\x1f\x8b")
            and self._encoding == "gzip"
        ):  # another gzip member follows
            rest = self._inflater.unused_data
            self._inflater = zlib.decompressobj(self._wbits)
            out += self._inflater.decompress(rest, room + 1 - len(out))
        return out

    def finish(self) -> None:
        if self._started and not self._inflater.eof:
            raise _Failure(f"the {self._encoding} body ends early")


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _looks_like_text(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith(_BINARY_MAGIC):
        return False
    return not any(b < 0x20 and b not in b"\t\n\r\f\x1b" for b in head)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit} bytes"


def _read_body(response: httpx.Response, max_bytes: int, end: float) -> bytes:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise _Failure(f"refused: unsupported Content-Encoding {encoding[:40]}")
    inflater = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater("deflate" if encoding == "deflate" else "gzip")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failure(f"larger than {_size(max_bytes)} ({declared} bytes announced)")
    body = bytearray()
    received = 0
    try:
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > max_bytes:
                raise _Failure(f"larger than {_size(max_bytes)}")
            if time.monotonic() > end:
                raise TimeoutError
            if inflater is None:
                body += chunk
            else:
                body += inflater.feed(chunk, max_bytes - len(body))
            if len(body) > max_bytes:
                raise _Failure(f"larger than {_size(max_bytes)} once decompressed")
    except (httpcore.RemoteProtocolError, httpcore.ReadError, httpx.RemoteProtocolError) as exc:
        if "without sending complete message body" in str(exc) or declared:
            shown = f", of {declared} announced" if declared else ""
            raise _Failure(f"the connection closed after {received} bytes{shown}") from None
        raise
    except zlib.error as exc:
        raise _Failure(f"cannot decode the {encoding} body ({exc})") from None
    if inflater is not None:
        inflater.finish()
    return bytes(body)


# -- fetching -------------------------------------------------------------------


def _show(url: str, limit: int = 200) -> str:
    """`url` fit for a one-line message: control characters escaped, long ones cut."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(url))
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise _Failure(f"not a valid address ({exc})") from None
    return parsed


def _fetch(
    url: str,
    client: httpx.Client,
    pins: dict[str, tuple[str, ...]],
    allow_private: bool,
    resolver: Resolver,
    end: float,
    max_bytes: int,
    max_redirects: int,
) -> Fetched:
    current = _parse(url)
    _vet(current, pins, allow_private, resolver, end)
    for _hop in range(max_redirects + 1):
        left = _left(end, None, TimeoutError)
        request = client.build_request("GET", current, timeout=httpx.Timeout(left))
        response = client.send(request, stream=True)
        try:
            status = response.status_code
            location = response.headers.get("location")
            if status in _REDIRECTS and location is not None:
                if not location.strip():
                    raise _Failure(f"HTTP {status} with an empty Location")
                try:
                    target = current.join(location)
                except (httpx.InvalidURL, ValueError) as exc:
                    reason = _show(str(exc), 80)
                    raise _Failure(f"redirected to an invalid address ({reason})") from None
                try:
                    _vet(target, pins, allow_private, resolver, end)
                except _Failure as exc:
                    reason = str(exc)
                    refused = reason.startswith("refused: ")
                    hop = f"redirected to {_show(str(target), 120)}: "
                    reason = reason.removeprefix("refused: ")
                    raise _Failure(("refused: " if refused else "") + hop + reason) from None
                current = target
                continue
            if not 200 <= status < 300:
                raise _Failure(f"HTTP {status} {response.reason_phrase}".rstrip())
            media = _media_type(response)
            if media and media not in ACCEPTED_TYPES:
                raise _Failure(f"refused: content type {media[:60]} is not a page, feed or text")
            body = _read_body(response, max_bytes, end)
            if not media and not _looks_like_text(body):
                raise _Failure("refused: no content type, and the body is not text")
            return Fetched(url=str(current), content_type=media, body=body)
        finally:
            response.close()
    raise _Failure(f"more than {max_redirects} redirects")


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    deadline: float = DEADLINE_SECONDS,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    resolver: Resolver | None = None,
    network_backend: httpcore.NetworkBackend | None = None,
) -> Fetched:
    """GET `url`, following redirects; raise InputError with a one-line reason on any
    failure or refusal (see the module docstring for the rules).

    `deadline` bounds the whole fetch in seconds. `resolver` and `network_backend`
    (what finally opens sockets, to the checked addresses only) are for tests.
    """
    shown = _show(url)
    end = time.monotonic() + deadline
    pins: dict[str, tuple[str, ...]] = {}
    backend = _PinnedBackend(network_backend or httpcore.SyncBackend(), pins, end)
    try:
        with _client(backend, deadline) as client:
            return _fetch(
                url,
                client,
                pins,
                allow_private,
                resolver or _system_resolver,
                end,
                max_bytes,
                max_redirects,
            )
    except _Failure as exc:
        raise InputError(f"{shown}: {exc}") from None
    except (TimeoutError, httpx.TimeoutException, httpcore.TimeoutException):
        raise InputError(f"{shown}: timed out: no complete answer within {deadline:g} s") from None
    except _NotVetted as exc:
        raise InputError(f"{shown}: refused: {exc}") from None
    except (
        httpx.InvalidURL,
        httpcore.UnsupportedProtocol,
        httpcore.LocalProtocolError,
        ValueError,  # with UnicodeError: httpx parses a redirect's Location even unfollowed
    ) as exc:
        raise InputError(f"{shown}: not a valid address ({_show(str(exc), 120)})") from None
    except (
        httpx.HTTPError,
        httpx.StreamError,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.PoolTimeout,
        OSError,
    ) as exc:
        reason = _show(str(exc), 160) or type(exc).__name__
        raise InputError(f"{shown}: cannot fetch ({reason})") from None
