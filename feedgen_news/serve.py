"""Preview server for an output folder: right types, conditional GET, gzip, never outside the root.

``respond()`` is the whole HTTP policy as a function of (folder, request) -> Response, so tests need
no socket; ``serve()`` only moves bytes between it and ``http.server``.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from posixpath import splitext
from urllib.parse import quote, unquote, urlsplit

from . import __version__
from .errors import ConfigError, printable
from .layout import (
    ATOM_FILE,
    EMBED_JS,
    EMBED_PAGE,
    INDEX_PAGE,
    JSON_FEED_FILE,
    OPML_FILE,
    RSS_FILE,
)
from .serve_notes import base_url_warning, built_base_url, from_request

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
        return _plain(405, "Method Not Allowed", method, (("Allow", ", ".join(ALLOWED_METHODS)),))
    request = {k.lower(): v for k, v in headers.items()}
    parsed = _segments(path)
    if parsed is None:
        return _plain(404, "Not Found", method)
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
            return _plain(301, "Moved Permanently", method, (("Location", location),))
        else:
            found = index
    if found is None or not found.is_file():
        return _plain(404, "Not Found", method)
    try:
        data = found.read_bytes()
        mtime = min(max(int(found.stat().st_mtime), _MTIME_RANGE[0]), _MTIME_RANGE[1])
    except OSError:
        return _plain(404, "Not Found", method)

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


def _plain(
    status: int, text: str, method: str, extra: tuple[tuple[str, str], ...] = ()
) -> Response:
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


class PreviewServer(http.server.ThreadingHTTPServer):
    """One thread per connection, none held forever, and room for a burst of connections."""

    daemon_threads = True
    # A client silent this long (seconds) is dropped: each open connection holds a thread.
    idle_timeout: float | None = 10.0
    # listen() backlog; socketserver's 5 made the 7th of a burst of connections wait a second.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[http.server.BaseHTTPRequestHandler],
        log: Callable[[str], None],
    ) -> None:
        self.log = log
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that resets or times out is no request to report; anything else gets one
        # line instead of socketserver's traceback.
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            self.log(printable(f"- - - (internal error: {type(error).__name__}: {error})"))


def make_server(
    root: Path, bind: str, port: int, max_age: int, log: Callable[[str], None]
) -> PreviewServer:
    """A bound, not yet running server for ``root`` (port 0 picks a free port).

    Every line it logs is one line, with control characters escaped (``errors.printable``).
    """

    def say(line: str) -> None:
        log(printable(line))

    class Handler(http.server.BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return f"feedgen-news/{__version__}"

        protocol_version = "HTTP/1.1"  # keep-alive: feed readers reuse the connection

        def setup(self) -> None:
            super().setup()
            assert isinstance(self.server, PreviewServer)
            self.connection.settimeout(self.server.idle_timeout)

        def _answer(self) -> None:
            note = ""
            try:
                reply = respond(root, self.command, self.path, dict(self.headers.items()), max_age)
            except Exception as exc:  # a bug: the client still gets an answer, the log a line
                reply = _plain(500, "Internal Server Error", self.command)
                note = f" (internal error: {type(exc).__name__}: {exc})"
            try:
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                if (
                    self.command not in ALLOWED_METHODS
                    or reply.status == 500
                    or self.headers.get("Content-Length", "0").strip() != "0"
                    or "Transfer-Encoding" in self.headers
                ):
                    # A request body we never read would be parsed as the next request.
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if reply.body:
                    self.wfile.write(reply.body)
            except OSError as exc:  # the client went away (reset, timeout) mid-reply
                self.close_connection = True
                note = f" (not sent: {exc.strerror or type(exc).__name__})"
            method, path = from_request(self.command), from_request(self.path)
            say(f"{method} {path} {reply.status} {len(reply.body)}{note}")

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer
        do_TRACE = do_CONNECT = _answer

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            # Only http.server's own errors get here (bad request line, unknown method): they
            # still deserve their one log line.
            try:
                super().send_error(code, message, explain)
            except OSError:  # the client is gone; its request still gets its line
                self.close_connection = True
            method = from_request(self.command) if self.command else "-"
            path = from_request(self.path) if hasattr(self, "path") else "-"
            say(f"{method} {path} {code} -")

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass  # _answer logs once it knows the body size

        def log_message(self, format: str, *args: object) -> None:
            pass  # every request is logged exactly once, above

    return PreviewServer((bind, port), Handler, say)


def serve(
    root: Path,
    bind: str,
    port: int,
    max_age: int,
    log: Callable[[str], None],
    base_url: str | None = None,
) -> None:
    """Serve ``root`` on bind:port until interrupted (Ctrl-C); logs one line per request.

    The first line logged names the actual URL (useful with port 0); a second one warns when the
    feeds' links (the base URL the output was built with, else ``base_url``) point elsewhere.
    """
    if not root.is_dir():
        raise ConfigError(
            printable(f"{root}: no such folder to serve (build it first: feedgen-news build)")
        )
    server = make_server(root, bind, port, max_age, log)
    host, actual_port = str(server.server_address[0]), server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    server.log(f"Serving {printable(str(root))} at http://{shown}:{actual_port}/ (Ctrl-C to stop)")
    links = built_base_url(root) or base_url
    warning = links and base_url_warning(host, actual_port, links)
    if warning:
        server.log(warning)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
