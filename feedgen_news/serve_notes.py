"""What the preview server tells its operator: log lines that stay one visible line each, and a
warning when the feeds' links point somewhere other than the server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from .layout import ALL_SLUG, JSON_FEED_FILE, feed_file

# Control characters (C0, DEL, C1), format characters (bidi overrides, zero-width), line and
# paragraph separators, and lone surrogates (undecodable bytes of a path): none may reach a
# terminal as is, or one request could forge log lines or retitle the operator's window.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_WILDCARD = {"", "0.0.0.0", "::"}  # noqa: S104 - names of a bind address, compared, not bound
_HEAD_BYTES = 64 * 1024  # feed_url comes right after the title in feed.json
_FEED_URL = re.compile(rb'"feed_url":("(?:[^"\\]|\\.)*")')
_ALL_FEED = feed_file(ALL_SLUG, JSON_FEED_FILE)


def from_request(text: str) -> str:
    """A request-line field as the client meant it: http.server decodes the bytes as Latin-1;
    read them as UTF-8 instead, keeping any invalid byte for ``printable`` to show as ``\\xNN``."""
    return text.encode("latin-1", "replace").decode("utf-8", "surrogateescape")


def built_base_url(root: Path) -> str | None:
    """The base URL the output in ``root`` was built with, read from its ``all/feed.json``.

    None when that file is missing or does not say: the caller then trusts the configuration.
    """
    try:
        with (root / _ALL_FEED).open("rb") as f:
            head = f.read(_HEAD_BYTES)
        found = _FEED_URL.search(head)
        url = json.loads(found[1]) if found else None
    except (OSError, ValueError):
        return None
    if not isinstance(url, str) or not url.endswith("/" + _ALL_FEED):
        return None
    return url.removesuffix(_ALL_FEED)


def base_url_warning(host: str, port: int, base_url: str) -> str | None:
    """One line when links under ``base_url`` do not reach a server bound to host:port.

    ``localhost`` and the loopback addresses count as the same host; a server bound to every
    interface is reached by any host name, so only its port counts.
    """
    parts = urlsplit(base_url)
    try:
        base_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # "http://x:99999/": no port reaches it
        base_port = -1
    base_host = (parts.hostname or "").lower()
    bound = host.lower()
    same_host = (
        bound in _WILDCARD
        or base_host == bound
        or (base_host == "localhost" and bound in _LOOPBACK)
        or (bound == "localhost" and base_host in _LOOPBACK)
    )
    if parts.scheme == "http" and same_host and base_port == port and parts.path in ("", "/"):
        return None
    # Bound to every interface: the base URL's own host reaches it, if it is plain http.
    wildcard_host = base_host if parts.scheme == "http" and base_host else "localhost"
    suggested = _url(wildcard_host if bound in _WILDCARD else host, port)
    return (
        f"warning: serving at {_url(host, port)} but base_url is {base_url}; feed links point "
        f"there. Build with --base-url {suggested} to preview them"
    )


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"
