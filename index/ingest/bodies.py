"""Reading a response body: content types, a size cap counted after decoding."""

from __future__ import annotations

import time
import zlib

import httpcore
import httpx

from index.ingest.addresses import FetchFailure

# Declared content types that are a page, a feed or text; a missing one is
# accepted only when the body sniffs as text.
ACCEPTED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",  # RSS 1.0
        "application/xml",
        "text/xml",
        "text/plain",
        "application/json",
        "application/x-ndjson",
        "application/jsonl",
    }
)
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
            raise FetchFailure(f"the {self._encoding} body ends early")


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def looks_like_text(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith(_BINARY_MAGIC):
        return False
    return not any(b < 0x20 and b not in b"\t\n\r\f\x1b" for b in head)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit} bytes"


def read_body(response: httpx.Response, max_bytes: int, end: float) -> bytes:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise FetchFailure(f"refused: unsupported Content-Encoding {encoding[:40]}")
    inflater = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater("deflate" if encoding == "deflate" else "gzip")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailure(f"larger than {_size(max_bytes)} ({declared} bytes announced)")
    body = bytearray()
    received = 0
    try:
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > max_bytes:
                raise FetchFailure(f"larger than {_size(max_bytes)}")
            if time.monotonic() > end:
                raise TimeoutError
            if inflater is None:
                body += chunk
            else:
                body += inflater.feed(chunk, max_bytes - len(body))
            if len(body) > max_bytes:
                raise FetchFailure(f"larger than {_size(max_bytes)} once decompressed")
    except (httpcore.RemoteProtocolError, httpcore.ReadError, httpx.RemoteProtocolError) as exc:
        if "without sending complete message body" in str(exc) or declared:
            shown = f", of {declared} announced" if declared else ""
            raise FetchFailure(f"the connection closed after {received} bytes{shown}") from None
        raise
    except zlib.error as exc:
        raise FetchFailure(f"cannot decode the {encoding} body ({exc})") from None
    if inflater is not None:
        inflater.finish()
    return bytes(body)
