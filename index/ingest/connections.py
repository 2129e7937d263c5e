"""Connections only to vetted addresses, within one deadline (see fetch.py)."""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from index.ingest.bodies import ACCEPTED_TYPES

CONNECT_SECONDS = 10.0  # per address tried, within the deadline
USER_AGENT = "newsdesk/0.1 (+https://github.com/newsdesk)"
ACCEPT_HEADER = ", ".join(sorted(ACCEPTED_TYPES)) + ", */*;q=0.1"


class NotVetted(httpcore.ConnectError):
    """The backend was asked for a host it has no checked address for (a bug guard)."""


def time_left(end: float, timeout: float | None, error: type[Exception]) -> float:
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
        return self._inner.read(max_bytes, time_left(self._end, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, time_left(self._end, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = time_left(self._end, timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left), self._end)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects only to the addresses `vet` checked for a host, never resolving."""

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
            raise NotVetted(f"{host} has no checked address")
        last: Exception = httpcore.ConnectError("no address")
        for address in addresses:
            left = time_left(
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
        raise NotVetted("unix sockets are never used")

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
    """httpx's HTTPTransport, over an httpcore pool whose backend is `PinnedBackend`.
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


def pinned_client(backend: httpcore.NetworkBackend, deadline: float) -> httpx.Client:
    """The one client configuration every fetch uses."""
    return httpx.Client(
        transport=_PinnedTransport(backend),
        follow_redirects=False,  # the loop in _fetch follows them, checking each hop
        trust_env=False,  # no proxies or .netrc from the environment
        timeout=httpx.Timeout(deadline, connect=min(deadline, CONNECT_SECONDS)),
        headers={
            "User-Agent": USER_AGENT,
            "Accept": ACCEPT_HEADER,
            "Accept-Encoding": "gzip, deflate",
        },
    )
