"""Which addresses a fetch may connect to, and resolving names once (see fetch.py)."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable

import httpx

_PRIVATE_HINT = " (set [sources] allow_private_addresses = true for an intranet)"
# Refused even with allow_private: never an intranet news source.
_ALWAYS_REFUSED = frozenset({"unspecified", "link-local", "multicast", "reserved"})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses it resolves to, as strings. The default asks the
# system resolver; tests inject their own so that no name ever reaches DNS.
Resolver = Callable[[str, int], Iterable[str]]


class FetchFailure(Exception):
    """A reason to give up; `fetch` turns it into an InputError naming the URL."""


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
    "2130706433", "0177.0.0.1"), None when `host` is a name; FetchFailure when it is
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
        raise FetchFailure(f"not a valid address ({host} is out of range)")
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


def system_resolver(host: str, port: int) -> list[str]:
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
            raise FetchFailure(f"cannot resolve {host} ({reason})")
        raise exc
    addresses: list[IPAddress] = []
    for text in answer:
        try:
            addresses.append(ipaddress.ip_address(str(text).split("%", 1)[0]))
        except ValueError:
            raise FetchFailure(f"cannot resolve {host} (got {str(text)[:60]!r})") from None
    if not addresses:
        raise FetchFailure(f"cannot resolve {host} (no address)")
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


def vet(
    url: httpx.URL,
    pins: dict[str, tuple[str, ...]],
    allow_private: bool,
    resolver: Resolver,
    end: float,
) -> None:
    """Check `url`'s scheme and host; pin the host's checked addresses in `pins`."""
    if url.scheme not in ("http", "https"):
        raise FetchFailure("refused: only http:// and https:// addresses are fetched")
    key = url.raw_host.decode("ascii").lower()
    if not key:
        raise FetchFailure("not a valid address (no host)")
    port = url.port or (443 if url.scheme == "https" else 80)
    if not 0 < port < 65536:
        raise FetchFailure(f"not a valid address (port {port})")
    if key in pins:
        return
    ip = _literal(key)
    if ip is None:
        name = key.removesuffix(".")
        if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
            raise FetchFailure(f"not a valid address (host {url.host[:80]!r})")
        if not allow_private and (name == "localhost" or name.endswith(".localhost")):
            raise FetchFailure(f"refused: {name} is a loopback address{_PRIVATE_HINT}")
        addresses = _resolve(name, port, resolver, end)
    else:
        addresses = [ip]
    for address in addresses:
        reason = _refusal(key, address, allow_private)
        if reason:
            raise FetchFailure(f"refused: {reason}")
    pins[key] = tuple(dict.fromkeys(str(a) for a in addresses))
