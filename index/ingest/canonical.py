"""Which URL names a fetched page: the one it was fetched from, or the canonical one it
claims (`<link rel=canonical>`, `og:url`).

Any page may claim any canonical URL, and the claimed URL is the article's identity
(`identity.article_key`): a hostile page claiming another outlet's article would
replace that article, under that outlet's name and link. So a claim is followed only
within the site the page came from: the same registrable domain (the public suffix
list decides what that is: `bbc.co.uk` is one, `co.uk` is not, `a.github.io` and
`b.github.io` are two), or, for an address with no such domain (an IP address,
`localhost`), the same host and port. The outlet's own copies (`amp.`, `m.`, `www.`,
tracking links) then collapse into one article; another site's claim is ignored.
"""

from __future__ import annotations

from index.ingest.urls import clean_url


def trusted_canonical(claimed: str, fetched: str) -> str:
    """The URL to store for a page fetched from `fetched` that claims `claimed`.

    Both are cleaned (`urls.clean_url`). With no fetched URL (a local file: the user
    chose it and vouches for it, as for `--url`) the claim stands. A claim that is
    unusable or on another site gives the fetched URL.
    """
    claimed, fetched = clean_url(claimed), clean_url(fetched)
    if not fetched:
        return claimed
    if claimed and same_site(claimed, fetched):
        return claimed
    return fetched


def same_site(a: str, b: str) -> bool:
    """Whether two clean http(s) URLs are on one registrable domain (for hosts without
    one, IP addresses and single-label names: one host and port)."""
    site_a, site_b = _site(a), _site(b)
    return bool(site_a) and site_a == site_b


def host_name(url: str) -> str:
    """The host of a clean URL without a leading "www." and the port (as an outlet's
    name when the page gives none)."""
    host = _authority(url).rpartition(":")[0] if _authority(url).count(":") == 1 else ""
    return (host or _authority(url)).removeprefix("www.")


def _authority(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def _site(url: str) -> str:
    from tld import get_fld

    host = _authority(url)
    try:
        domain = get_fld(url, fail_silently=True, search_private=True)
    except ValueError:  # tld raises a few of its own for odd hosts
        domain = None
    return f"domain:{domain}" if isinstance(domain, str) and domain else f"host:{host}"
