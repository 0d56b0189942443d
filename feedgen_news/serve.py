"""The preview server's HTTP policy for an output folder: right types, conditional GET, gzip,
never outside the root.

``respond()`` is the whole policy as a function of (folder, request) -> Response, so tests need
no socket; ``serve_http.serve()`` only moves bytes between it and ``http.server``.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from posixpath import splitext
from urllib.parse import quote, unquote, urlsplit

from .layout import (
    ATOM_FILE,
    EMBED_JS,
    EMBED_PAGE,
    INDEX_PAGE,
    JSON_FEED_FILE,
    OPML_FILE,
    RSS_FILE,
)

# Feed files share extensions with other files (rss.xml and atom.xml are both .xml), so the type
# comes from the exact file name first, then from the extension. A fixed table rather than
# `mimetypes`, which reads the machine's /etc/mime.types.
_BY_NAME = {
    RSS_FILE: "application/rss+xml",
    ATOM_FILE: "application/atom+xml",
    JSON_FEED_FILE: "application/feed+json",
    OPML_FILE: "text/x-opml",
}
_BY_EXTENSION = {
    ".html": "text/html",
    ".htm": "text/html",
    ".opml": "text/x-opml",
    ".xml": "application/xml",
    ".xsl": "application/xslt+xml",
    ".json": "application/json",
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
_DEFAULT_TYPE = "application/octet-stream"
# Textual types: these get "; charset=utf-8" and are worth compressing.
_TEXT_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/xml",
    "application/xslt+xml",
    "application/json",
    "application/javascript",
    "image/svg+xml",
}
# Files other sites fetch from a browser (feed readers in web pages, the embed script).
_CORS_NAMES = {RSS_FILE, ATOM_FILE, JSON_FEED_FILE, OPML_FILE, EMBED_JS, EMBED_PAGE}
_GZIP_MIN_BYTES = 256  # below this, the gzip header costs more than it saves
ALLOWED_METHODS = ("GET", "HEAD")
# The mtimes an HTTP-date can carry (years 1 to 9999): tmpfs, btrfs and XFS keep later ones,
# which formatdate() cannot format.
_MTIME_RANGE = (-62_135_596_800, 253_402_300_799)


@dataclass(frozen=True)
class Response:
    """What to send back: status, headers in order, and the body (empty for HEAD and 304)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def content_type(filename: str) -> str:
    """The Content-Type for a served file name, with ``; charset=utf-8`` on every text type."""
    media = _BY_NAME.get(filename) or _BY_EXTENSION.get(
        splitext(filename)[1].lower(), _DEFAULT_TYPE
    )
    if media.startswith("text/") or media in _TEXT_TYPES:
        return f"{media}; charset=utf-8"
    return media


def respond(
    root: Path, method: str, path: str, headers: Mapping[str, str], max_age: int
) -> Response:
    """Answer one request for a file under ``root``; reads files but touches no socket.

    ``path`` is the request target as sent (percent-encoded, maybe with a query). ``headers``
    may use any case for names.
    """
    if method not in ALLOWED_METHODS:
        allow = (("Allow", ", ".join(ALLOWED_METHODS)),)
        return plain_response(405, "Method Not Allowed", method, allow)
    request = {k.lower(): v for k, v in headers.items()}
    parsed = _segments(path)
    if parsed is None:
        return plain_response(404, "Not Found", method)
    segments, folder = parsed
    base = root.resolve()
    found = _inside(base, base.joinpath(*segments))
    if found is not None and found.is_dir():
        index = _inside(base, found / INDEX_PAGE)
        if index is None or not index.is_file():
            found = None
        elif not folder:
            # "/x" names a folder: redirect to "/x/" so relative links in its index.html work.
            location = "/" + "/".join(quote(s) for s in segments) + "/"
            return plain_response(301, "Moved Permanently", method, (("Location", location),))
        else:
            found = index
    if found is None or not found.is_file():
        return plain_response(404, "Not Found", method)
    try:
        data = found.read_bytes()
        mtime = min(max(int(found.stat().st_mtime), _MTIME_RANGE[0]), _MTIME_RANGE[1])
    except OSError:
        return plain_response(404, "Not Found", method)

    ctype = content_type(found.name)
    compressible = ctype.endswith("charset=utf-8")
    digest = hashlib.sha256(data).hexdigest()[:32]
    use_gzip = compressible and len(data) >= _GZIP_MIN_BYTES and _accepts_gzip(request)
    etag = f'"{digest}-gzip"' if use_gzip else f'"{digest}"'
    common: list[tuple[str, str]] = [
        ("ETag", etag),
        ("Last-Modified", formatdate(mtime, usegmt=True)),
        ("Cache-Control", f"public, max-age={max_age}"),
    ]
    if compressible:
        common.append(("Vary", "Accept-Encoding"))
    if found.name in _CORS_NAMES or found.suffix == ".js":
        common.append(("Access-Control-Allow-Origin", "*"))

    if _not_modified(request, etag, mtime):
        return Response(304, tuple(common), b"")

    # mtime=0 keeps the gzip bytes (and so the ETag's meaning) identical on every request.
    body = gzip.compress(data, compresslevel=6, mtime=0) if use_gzip else data
    out = [("Content-Type", ctype), ("Content-Length", str(len(body))), *common]
    if use_gzip:
        out.append(("Content-Encoding", "gzip"))
    return Response(200, tuple(out), b"" if method == "HEAD" else body)


def plain_response(
    status: int, text: str, method: str, extra: tuple[tuple[str, str], ...] = ()
) -> Response:
    """A short text answer (an error, a redirect) with these extra headers; no body for HEAD."""
    body = f"{status} {text}\n".encode()
    headers = (
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *extra,
    )
    return Response(status, headers, b"" if method == "HEAD" else body)


def _segments(target: str) -> tuple[list[str], bool] | None:
    """The decoded path segments of a request target and whether it ends in a slash.

    None when the target could escape the root or names a hidden file: ``.``/``..`` and any
    dot-file segment (encoded or literal), encoded slashes or backslashes, NUL and other control
    characters, undecodable percent-escapes.
    """
    if target.startswith(("http://", "https://")):
        try:
            target = urlsplit(target).path or "/"  # absolute-form target (RFC 9112, 3.2.2)
        except ValueError:  # "http://[/x": an unclosed IPv6 host
            return None
    raw = target.split("#", 1)[0].split("?", 1)[0]
    if not raw.startswith("/"):
        return None
    segments: list[str] = []
    for part in raw.split("/"):
        if not part:
            continue
        try:
            name = unquote(part, errors="strict")
        except UnicodeDecodeError:
            return None
        if (
            name.startswith(".")
            or "/" in name
            or "\\" in name
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name)
        ):
            return None
        segments.append(name)
    return segments, raw.endswith("/")


def _inside(base: Path, candidate: Path) -> Path | None:
    """The candidate resolved through every symlink, only if it exists and stays under base."""
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    return resolved if resolved.is_relative_to(base) else None


def _accepts_gzip(request: Mapping[str, str]) -> bool:
    """Whether Accept-Encoding allows gzip: listed with q>0, or ``*`` with q>0 and gzip unlisted."""
    offered: dict[str, float] = {}
    for item in request.get("accept-encoding", "").split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name.strip():
            offered[name.strip().lower()] = q
    if "gzip" in offered:
        return offered["gzip"] > 0
    if "x-gzip" in offered:
        return offered["x-gzip"] > 0
    return offered.get("*", 0.0) > 0


def _not_modified(request: Mapping[str, str], etag: str, mtime: int) -> bool:
    """RFC 9110 13.1: If-None-Match (weak comparison) wins; If-Modified-Since only without it."""
    inm = request.get("if-none-match")
    if inm is not None:
        if inm.strip() == "*":
            return True
        wanted = etag.removeprefix("W/")
        return any(tag.strip().removeprefix("W/") == wanted for tag in inm.split(","))
    ims = request.get("if-modified-since")
    if ims is None:
        return False
    # An invalid date means the header is ignored (RFC 9110 13.1.3); email.utils raises
    # OverflowError for huge numbers, ValueError for out-of-range fields.
    try:
        since = parsedate_to_datetime(ims)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return mtime <= since.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
