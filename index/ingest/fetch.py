"""Fetching a page or feed over HTTP(S) for ingest."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass

from index.errors import InputError

MAX_BYTES = 20 * 1024 * 1024
TIMEOUT_SECONDS = 20
USER_AGENT = "newsdesk/0.1 (+https://github.com/newsdesk)"


@dataclass(frozen=True)
class Fetched:
    """A fetched document: final URL after redirects, declared content type, body."""

    url: str
    content_type: str
    body: bytes


def is_url(value: str) -> bool:
    """True for http:// and https:// addresses."""
    return value.lower().startswith(("http://", "https://"))


def fetch(url: str) -> Fetched:
    """GET `url`; raise InputError with a one-line reason on any failure."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise InputError(f"{url}: larger than {MAX_BYTES // 2**20} MiB")
            if response.length:  # read(n) returns what came before a close, without an error
                raise InputError(f"{url}: the connection closed after {len(body)} bytes")
            return Fetched(
                url=response.geturl(),
                content_type=response.headers.get_content_type(),
                body=body,
            )
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise InputError(f"{url}: cannot fetch ({exc.reason})") from None
    except TimeoutError:
        raise InputError(f"{url}: timed out after {TIMEOUT_SECONDS} s") from None
    except ValueError as exc:  # urllib lets some malformed addresses through: "http://["
        raise InputError(f"{url}: not a valid address ({exc})") from None
    except (OSError, http.client.HTTPException) as exc:  # e.g. the connection reset mid-body
        raise InputError(f"{url}: cannot fetch ({exc or type(exc).__name__})") from None
