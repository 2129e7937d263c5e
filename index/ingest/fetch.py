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
Every failure is a FetchError (an InputError) whose message is one line naming the
URL; it tells an HTTP error status and a refusal apart for callers that retry.

Conditional GET: `headers` are sent with every hop (If-None-Match,
If-Modified-Since), and a 304 answer comes back as a `Fetched` with status 304 and
no body; the validators a 2xx answer carries (ETag, Last-Modified) come back too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpcore
import httpx

from index.errors import InputError
from index.ingest.addresses import FetchFailure, Resolver, address_kind, system_resolver, vet
from index.ingest.bodies import ACCEPTED_TYPES, looks_like_text, media_type, read_body
from index.ingest.connections import NotVetted, PinnedBackend, pinned_client, time_left

__all__ = ["MAX_BYTES", "FetchError", "Fetched", "address_kind", "fetch", "is_url"]

MAX_BYTES = 10 * 1024 * 1024
DEADLINE_SECONDS = 30.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Fetched:
    """A fetched document: final URL after redirects, declared content type
    (media type only, lower case; "" when the server sent none), body (decoded
    from any Content-Encoding)."""

    url: str
    content_type: str
    body: bytes
    status: int = 200  # 304: not modified since the validators sent (no body)
    etag: str = ""  # as the server sent them, for the next conditional GET
    last_modified: str = ""


class FetchError(InputError):
    """A fetch that failed: `status` is the HTTP status of an error answer (None when
    there was none); `permanent` is true when asking again soon would fail the same way
    (a refusal by the rules, a 4xx answer, a body over the cap), false for what may pass
    (no answer in time, a dropped connection, a 5xx, 408 or 429)."""

    def __init__(self, message: str, *, status: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.status = status
        self.permanent = permanent


_TRANSIENT_STATUS = frozenset({408, 425, 429})
# FetchFailure reasons that may pass on another try; every other one is permanent.
_TRANSIENT_REASONS = ("cannot resolve", "the connection closed")


class _StatusFailure(FetchFailure):
    """An HTTP error answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def is_url(value: str) -> bool:
    """True for http:// and https:// addresses."""
    return value.lower().startswith(("http://", "https://"))


def _show(url: str, limit: int = 200) -> str:
    """`url` fit for a one-line message: control characters escaped, long ones cut."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(url))
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchFailure(f"not a valid address ({exc})") from None
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
    headers: Mapping[str, str],
) -> Fetched:
    current = _parse(url)
    vet(current, pins, allow_private, resolver, end)
    for _hop in range(max_redirects + 1):
        left = time_left(end, None, TimeoutError)
        request = client.build_request(
            "GET", current, headers=dict(headers), timeout=httpx.Timeout(left)
        )
        response = client.send(request, stream=True)
        try:
            status = response.status_code
            location = response.headers.get("location")
            if status in _REDIRECTS and location is not None:
                if not location.strip():
                    raise FetchFailure(f"HTTP {status} with an empty Location")
                try:
                    target = current.join(location)
                except (httpx.InvalidURL, ValueError) as exc:
                    reason = _show(str(exc), 80)
                    raise FetchFailure(f"redirected to an invalid address ({reason})") from None
                try:
                    vet(target, pins, allow_private, resolver, end)
                except FetchFailure as exc:
                    reason = str(exc)
                    refused = reason.startswith("refused: ")
                    hop = f"redirected to {_show(str(target), 120)}: "
                    reason = reason.removeprefix("refused: ")
                    raise FetchFailure(("refused: " if refused else "") + hop + reason) from None
                current = target
                continue
            etag = response.headers.get("etag", "")
            modified = response.headers.get("last-modified", "")
            if status == 304:
                return Fetched(str(current), "", b"", 304, etag, modified)
            if not 200 <= status < 300:
                reason = _show(response.reason_phrase, 60)
                raise _StatusFailure(f"HTTP {status} {reason}".rstrip(), status)
            media = media_type(response)
            if media and media not in ACCEPTED_TYPES:
                raise FetchFailure(
                    f"refused: content type {media[:60]} is not a page, feed or text"
                )
            body = read_body(response, max_bytes, end)
            if not media and not looks_like_text(body):
                raise FetchFailure("refused: no content type, and the body is not text")
            return Fetched(str(current), media, body, status, etag, modified)
        finally:
            response.close()
    raise FetchFailure(f"more than {max_redirects} redirects")


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    deadline: float = DEADLINE_SECONDS,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    resolver: Resolver | None = None,
    network_backend: httpcore.NetworkBackend | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET `url`, following redirects; raise FetchError (an InputError) with a one-line
    reason on any failure or refusal (see the module docstring for the rules).

    `deadline` bounds the whole fetch in seconds. `headers` are added to every request
    (conditional GET); a value with a control character is refused. `resolver` and
    `network_backend` (what finally opens sockets, to the checked addresses only) are
    for tests.
    """
    shown = _show(url)
    end = time.monotonic() + deadline
    pins: dict[str, tuple[str, ...]] = {}
    backend = PinnedBackend(network_backend or httpcore.SyncBackend(), pins, end)
    extra = dict(headers or {})
    for name, value in extra.items():
        if not (name + value).isprintable() or not (name + value).isascii():
            reason = f"request header {_show(name, 40)} is not plain text"
            raise FetchError(f"{shown}: refused: {reason}", permanent=True)
    try:
        with pinned_client(backend, deadline) as client:
            return _fetch(
                url,
                client,
                pins,
                allow_private,
                resolver or system_resolver,
                end,
                max_bytes,
                max_redirects,
                extra,
            )
    except FetchFailure as exc:
        status = exc.status if isinstance(exc, _StatusFailure) else None
        if status is not None:
            permanent = status < 500 and status not in _TRANSIENT_STATUS
        else:
            permanent = not str(exc).startswith(_TRANSIENT_REASONS)
        raise FetchError(f"{shown}: {exc}", status=status, permanent=permanent) from None
    except (TimeoutError, httpx.TimeoutException, httpcore.TimeoutException):
        raise FetchError(f"{shown}: timed out: no complete answer within {deadline:g} s") from None
    except NotVetted as exc:
        raise FetchError(f"{shown}: refused: {exc}", permanent=True) from None
    except (
        httpx.InvalidURL,
        httpcore.UnsupportedProtocol,
        httpcore.LocalProtocolError,
        ValueError,  # with UnicodeError: httpx parses a redirect's Location even unfollowed
    ) as exc:
        reason = _show(str(exc), 120)
        raise FetchError(f"{shown}: not a valid address ({reason})", permanent=True) from None
    except (
        httpx.HTTPError,
        httpx.StreamError,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.PoolTimeout,
        OSError,
    ) as exc:
        reason = _show(str(exc), 160) or type(exc).__name__
        raise FetchError(f"{shown}: cannot fetch ({reason})") from None
