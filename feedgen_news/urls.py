"""What counts as an absolute http(s) URL: the only kind of URL feedgen-news reads or writes.

Two questions, one rule. ``http_url`` is asked once, when a record or setting is read: it refuses
anything but an http(s) URL with a host and normalises the scheme's case. ``is_http_url`` is asked
again by every writer, so a ``Record`` built in code (not read from a file) still cannot put a
``javascript:`` or relative link into a feed or page. Every URL ``http_url`` returns passes it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

# URL characters that are never valid unencoded (RFC 3986); whitespace included.
_URL_BAD = re.compile(r'[\x00-\x20\x7f<>"\\^`{|}\s]')
# A lowercase scheme, a plain host (no user, no port) and no character _URL_BAD refuses: what
# the full check below would accept unchanged.
_PLAIN_HTTP_URL = re.compile(
    r'https?://[A-Za-z0-9][A-Za-z0-9.-]*(?:[/?#][^\x00-\x20\x7f<>"\\^`{|}\s]*)?'
)


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL (a scheme and a host): the only kind ever written."""
    return bool(url) and _is_http_url(url)


@lru_cache(maxsize=65536)  # the same URLs recur in every feed and format of a build
def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def http_url(value: str) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else None (stripped, with a
    lowercase scheme): the check a value passes when it is read."""
    url = value.strip()
    if _PLAIN_HTTP_URL.fullmatch(url):
        return url  # the common case, without urlsplit (records carry five URLs each)
    return _checked_http_url(url)


def _checked_http_url(url: str) -> str | None:
    """The full check behind ``http_url``'s fast path."""
    if not url[:8].lower().startswith(("http://", "https://")):
        return None
    if _URL_BAD.search(url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:  # urlsplit lowercases it
        return None
    if not url.startswith(("http://", "https://")):
        url = parts.scheme + url[len(parts.scheme) :]
    return url
