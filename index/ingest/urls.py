"""Article links that are safe to store, link and show.

An article's URL comes from whoever wrote the page, feed or corpus. `clean_url` keeps
only plain web addresses and percent-encodes everything that could end a markdown
link, open a new one or hide what the address is.
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata

MAX_URL_LENGTH = 2_048

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_HEX = frozenset(string.hexdigits)
# RFC 3986 unreserved characters and sub-delims, less ( ) ' * (markdown and quoting),
# plus ":" and "@" (pchar) and "/" (segments). The query adds "?", the fragment "?".
_PATH_SAFE = frozenset(string.ascii_letters + string.digits + "-._~" + "!$&+,;=" + ":@/")
_QUERY_SAFE = _PATH_SAFE | {"?"}


def clean_url(url: str) -> str:
    """Return `url` as a safe http(s) address, or "" when it is unusable.

    Usable: http or https, a host that is a DNS name or an IP literal, no user or
    password, no whitespace (bar spaces in the path, which are encoded) or control
    characters, at most MAX_URL_LENGTH characters once cleaned. The scheme and host
    are lower-cased, a default port dropped, and every character of the path, query
    and fragment outside RFC 3986's unreserved and sub-delims, less ( ) ' *, is
    percent-encoded ("%XX" already there is kept; a stray "%" becomes "%25").
    Idempotent: clean_url(clean_url(u)) == clean_url(u).
    """
    url = url.strip()
    if not url or len(url) > 4 * MAX_URL_LENGTH or not _plain_characters(url):
        return ""
    match = _SCHEME.match(url)
    if not match or match.group(1).lower() not in _DEFAULT_PORTS:
        return ""
    scheme = match.group(1).lower()
    rest = url[match.end() :]
    end = len(rest)
    for delimiter in "/?#":
        found = rest.find(delimiter)
        if found >= 0:
            end = min(end, found)
    authority = _authority(rest[:end], scheme)
    if not authority:
        return ""
    cleaned = f"{scheme}://{authority}{_encode_tail(rest[end:])}"
    return cleaned if len(cleaned) <= MAX_URL_LENGTH else ""


def _plain_characters(url: str) -> bool:
    """No whitespace but the plain space, no control, format or surrogate characters."""
    for char in url:
        if char == " ":
            continue
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            return False
    return True


def _authority(authority: str, scheme: str) -> str:
    """`host[:port]` normalised, or "" when there is user info or the host is bad."""
    if "@" in authority:
        return ""
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            return ""
        host = _ipv6(authority[1:close])
        port_part = authority[close + 1 :]
        if port_part and not port_part.startswith(":"):
            return ""
        port_text = port_part[1:]
    else:
        name, _, port_text = authority.partition(":")
        host = _hostname(name)
    if not host:
        return ""
    if not port_text:
        return host
    if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5:
        return ""
    port = int(port_text)
    if port > 65_535:
        return ""
    return host if port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"


def _ipv6(text: str) -> str:
    try:
        return f"[{ipaddress.IPv6Address(text)}]" if "%" not in text else ""
    except ValueError:
        return ""


def _hostname(name: str) -> str:
    """A lower-case DNS name (IDNA-encoded) or dotted IPv4 address, else ""."""
    if name.endswith("."):
        name = name[:-1]
    if not name:
        return ""
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    name = name.lower()
    if len(name) > 253:
        return ""
    labels = name.split(".")
    last = labels[-1]
    if last.isdigit() or last.startswith("0x"):
        # Browsers read a name ending in a number as an IPv4 address: require a valid one.
        try:
            return str(ipaddress.IPv4Address(name))
        except ValueError:
            return ""
    if not all(_LABEL.fullmatch(label) for label in labels):
        return ""
    return name


def _encode_tail(tail: str) -> str:
    """Path, query and fragment with every unsafe character percent-encoded."""
    out: list[str] = []
    part = "path"
    for index, char in enumerate(tail):
        if char == "?" and part == "path":
            part = "query"
            out.append(char)
        elif char == "#" and part != "fragment":
            part = "fragment"
            out.append(char)
        elif char == "%":
            valid = tail[index + 1 : index + 3]
            out.append("%" if len(valid) == 2 and set(valid) <= _HEX else "%25")
        elif char in (_PATH_SAFE if part == "path" else _QUERY_SAFE):
            out.append(char)
        else:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
    return "".join(out)
