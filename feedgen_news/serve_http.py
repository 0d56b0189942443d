"""The preview server's sockets: ``http.server`` threads that pass each request to
``serve.respond()`` and log one escaped line per request; ``serve()`` runs it until Ctrl-C.
"""

from __future__ import annotations

import http.server
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .errors import ConfigError, printable
from .serve import ALLOWED_METHODS, plain_response, respond
from .serve_notes import base_url_warning, built_base_url, from_request

__all__ = ["PreviewServer", "announce", "in_background", "make_server", "serve"]


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
                reply = plain_response(500, "Internal Server Error", self.command)
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
    announce(server, root, base_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def announce(server: PreviewServer, root: Path, base_url: str | None) -> None:
    """Log where ``server`` answers, and whether the feeds' links lead there."""
    host, actual_port = str(server.server_address[0]), server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    server.log(f"Serving {printable(str(root))} at http://{shown}:{actual_port}/ (Ctrl-C to stop)")
    links = built_base_url(root) or base_url
    warning = links and base_url_warning(host, actual_port, links)
    if warning:
        server.log(warning)


@contextmanager
def in_background(server: PreviewServer) -> Iterator[Callable[[], None]]:
    """``server``, bound; the callable yielded starts it answering from a thread of its own
    (the main thread keeps the signals). It is stopped and closed on the way out."""
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    try:
        yield thread.start
    finally:
        if thread.is_alive():
            server.shutdown()
        server.server_close()
