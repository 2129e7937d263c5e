"""A real HTTP server on 127.0.0.1 for tests: routes of canned replies, a request log.

    with WebServer() as web:
        web.route("/feed", Reply(rss, content_type="application/rss+xml", etag='"v1"'))
        ...  # fetch web.url("/feed")
        assert web.requests_to("/feed")[0].headers.get("if-none-match") is None

A reply with an `etag` answers 304 to a request whose If-None-Match names it. Routes
can be changed at any time; a path without a route answers 404.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    """What the server answers on one route."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str = ""  # sent as ETag; a matching If-None-Match gets 304
    delay: float = 0.0  # seconds before the status line
    length: bool = True  # False: no Content-Length, the body ends when the connection does


@dataclass(frozen=True)
class Request:
    """A request the server received: path with query, headers (lower-case names), and
    when it arrived (time.monotonic())."""

    path: str
    headers: Mapping[str, str]
    at: float


Route = Reply | Callable[[Request], Reply]


class WebServer:
    """A threading HTTP/1.0 server on 127.0.0.1 (a free port), stopped by close()."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._log: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                request = Request(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()
                )
                with server._lock:
                    server._log.append(request)
                    route = server._routes.get(self.path)
                if route is None:
                    reply = Reply(b"not found", status=404, content_type="text/plain")
                else:
                    reply = route(request) if callable(route) else route
                # The client may stop reading (a size cap, a deadline): not an error here.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    _answer(self, request, reply)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a slow reply still sleeping does not hold close()
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, reply: Route) -> None:
        """Answer `path` (with its query, if any) with `reply` from now on."""
        with self._lock:
            self._routes[path] = reply

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._log)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests() if r.path == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> WebServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _answer(handler: http.server.BaseHTTPRequestHandler, request: Request, reply: Reply) -> None:
    if reply.delay:
        time.sleep(reply.delay)
    if reply.etag and request.headers.get("if-none-match") == reply.etag:
        handler.send_response(304)
        handler.send_header("ETag", reply.etag)
        handler.end_headers()
        return
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type)
    if reply.etag:
        handler.send_header("ETag", reply.etag)
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    if reply.length:
        handler.send_header("Content-Length", str(len(reply.body)))
    handler.end_headers()
    handler.wfile.write(reply.body)
