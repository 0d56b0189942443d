"""The preview server: types, conditional GET, gzip, CORS, never a byte from outside the root."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedgen_news import __version__
from feedgen_news.cli import main
from feedgen_news.errors import ConfigError
from feedgen_news.serve import Response, respond
from feedgen_news.serve_http import PreviewServer, make_server, serve
from feedgen_news.serve_notes import base_url_warning
from tests.helpers import free_port

FEED = b'<?xml version="1.0"?>\n<rss version="2.0">' + b"<channel/>" * 60 + b"</rss>"
SMALL = b"<p>hi</p>"
MTIME = 1_600_000_000  # 2020-09-13T12:26:40Z
SECRET = b"top secret outside the output folder"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An output folder with one of each kind of file, and a secret file next to it."""
    root = tmp_path / "output"
    files = {
        "index.html": b"<!doctype html><title>home</title>" + b" " * 300,
        "feeds.opml": b'<?xml version="1.0"?><opml version="2.0"/>',
        "embed.js": b"document.currentScript;",
        "all/rss.xml": FEED,
        "all/atom.xml": b"<feed/>",
        "all/feed.json": b"{}",
        "topics/ai/index.html": SMALL,
        "topics/ai/rss.xml": FEED,
        "topics/ai/embed.html": SMALL,
        "docs/shot.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 400,
        ".feedgen-news-manifest": b"private build state",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (MTIME, MTIME))
    (root / "empty").mkdir()
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_bytes(SECRET)
    return root


def get(root: Path, path: str, method: str = "GET", max_age: int = 300, **headers: str) -> Response:
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    return respond(root, method, path, named, max_age)


def etag_of(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()[:32]}"'


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/all/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/all/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/all/feed.json", "application/feed+json; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/topics/ai/embed.html", "text/html; charset=utf-8"),
        ("/embed.js", "application/javascript; charset=utf-8"),
        ("/docs/shot.png", "image/png"),
    ],
)
def test_content_types(site: Path, path: str, ctype: str) -> None:
    reply = get(site, path)
    assert reply.status == 200
    assert reply.header("Content-Type") == ctype
    assert reply.body == (site / path.lstrip("/")).read_bytes()
    assert reply.header("Content-Length") == str(len(reply.body))


def test_root_and_folders_serve_their_index(site: Path) -> None:
    assert get(site, "/").body == (site / "index.html").read_bytes()
    assert get(site, "/topics/ai/").body == SMALL
    assert get(site, "/topics/ai/?utm=x").body == SMALL


def test_folder_without_slash_redirects(site: Path) -> None:
    reply = get(site, "/topics/ai")
    assert (reply.status, reply.header("Location")) == (301, "/topics/ai/")


@pytest.mark.parametrize("path", ["/nope.xml", "/topics/zz/", "/empty/", "/empty", "/topics/"])
def test_unknown_paths_are_404(site: Path, path: str) -> None:
    reply = get(site, path)
    assert reply.status == 404
    assert reply.body == b"404 Not Found\n"


def test_validators_and_cache_headers(site: Path) -> None:
    reply = get(site, "/all/rss.xml", max_age=123)
    assert reply.header("ETag") == etag_of(FEED)
    assert reply.header("Last-Modified") == "Sun, 13 Sep 2020 12:26:40 GMT"
    assert reply.header("Cache-Control") == "public, max-age=123"
    assert reply.header("Vary") == "Accept-Encoding"


def test_cors_only_on_files_other_sites_fetch(site: Path) -> None:
    for path in ("/all/rss.xml", "/all/atom.xml", "/all/feed.json", "/feeds.opml", "/embed.js"):
        assert get(site, path).header("Access-Control-Allow-Origin") == "*", path
    assert get(site, "/topics/ai/embed.html").header("Access-Control-Allow-Origin") == "*"
    assert get(site, "/").header("Access-Control-Allow-Origin") is None


def test_head_has_the_get_headers_and_no_body(site: Path) -> None:
    full = get(site, "/all/rss.xml")
    head = get(site, "/all/rss.xml", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers == full.headers
    assert get(site, "/nope", method="HEAD").body == b""


@pytest.mark.parametrize(
    "inm",
    [
        etag_of(FEED),
        f"W/{etag_of(FEED)}",
        f'"other", {etag_of(FEED)}',
        f'W/"a",W/{etag_of(FEED)} , "b"',
        "*",
    ],
)
def test_if_none_match_gives_304(site: Path, inm: str) -> None:
    reply = get(site, "/all/rss.xml", If_None_Match=inm)
    assert reply.status == 304
    assert reply.body == b""
    assert reply.header("ETag") == etag_of(FEED)
    assert reply.header("Content-Length") is None


def test_if_none_match_other_tag_gives_200(site: Path) -> None:
    reply = get(site, "/all/rss.xml", If_None_Match='"deadbeef"')
    assert (reply.status, reply.body) == (200, FEED)


def test_if_modified_since(site: Path) -> None:
    same = formatdate(MTIME, usegmt=True)
    later = formatdate(MTIME + 60, usegmt=True)
    earlier = formatdate(MTIME - 1, usegmt=True)
    assert get(site, "/all/rss.xml", If_Modified_Since=same).status == 304
    assert get(site, "/all/rss.xml", If_Modified_Since=later).status == 304
    assert get(site, "/all/rss.xml", If_Modified_Since=earlier).status == 200
    assert get(site, "/all/rss.xml", If_Modified_Since="yesterday").status == 200


@pytest.mark.parametrize(
    "since",
    [
        "Thu, 01 Jan 1970 00:00:00 -9999999999999999999",  # OverflowError in email.utils
        "Thu, 01 Jan 99999999999999999999 00:00:00 GMT",
        "Thu, 01 Jan 1970 00:00:00 +9999",
        "Thu, 01 Jan 99999 00:00:00 GMT",
        "Thu, 99 Jan 2030 00:00:00 GMT",
        "Thu, 01 Jan 2030 99:00:00 GMT",
        "",
        "\x00",
    ],
)
def test_unparseable_if_modified_since_is_ignored(site: Path, since: str) -> None:
    # RFC 9110 13.1.3: a date that is not a valid HTTP-date means the header is ignored.
    reply = get(site, "/all/rss.xml", If_Modified_Since=since)
    assert (reply.status, reply.body) == (200, FEED)


def test_if_none_match_overrides_if_modified_since(site: Path) -> None:
    same = formatdate(MTIME, usegmt=True)
    reply = get(site, "/all/rss.xml", If_None_Match='"stale"', If_Modified_Since=same)
    assert reply.status == 200


def test_header_names_are_case_insensitive(site: Path) -> None:
    reply = respond(site, "GET", "/all/rss.xml", {"IF-NONE-MATCH": etag_of(FEED)}, 0)
    assert reply.status == 304


def test_gzip_when_accepted(site: Path) -> None:
    reply = get(site, "/all/rss.xml", Accept_Encoding="br, gzip;q=0.8")
    assert reply.status == 200
    assert reply.header("Content-Encoding") == "gzip"
    assert gzip.decompress(reply.body) == FEED
    assert reply.header("Content-Length") == str(len(reply.body))
    assert reply.header("ETag") == etag_of(FEED)[:-1] + '-gzip"'
    assert reply.header("Vary") == "Accept-Encoding"
    # Deterministic bytes: the same request twice gives the same gzip body.
    assert get(site, "/all/rss.xml", Accept_Encoding="gzip").body == reply.body


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0", "deflate, br", "*, gzip;q=0"])
def test_no_gzip_unless_accepted(site: Path, accept: str) -> None:
    reply = get(site, "/all/rss.xml", Accept_Encoding=accept)
    assert reply.header("Content-Encoding") is None
    assert reply.body == FEED


def test_gzip_by_wildcard_and_not_for_tiny_or_binary_files(site: Path) -> None:
    assert get(site, "/all/rss.xml", Accept_Encoding="*").header("Content-Encoding") == "gzip"
    assert get(site, "/topics/ai/", Accept_Encoding="gzip").body == SMALL
    png = get(site, "/docs/shot.png", Accept_Encoding="gzip")
    assert png.header("Content-Encoding") is None
    assert png.header("Vary") is None


def test_conditional_get_matches_the_variant_served(site: Path) -> None:
    gz_tag = get(site, "/all/rss.xml", Accept_Encoding="gzip").header("ETag")
    assert gz_tag is not None
    again = get(site, "/all/rss.xml", Accept_Encoding="gzip", If_None_Match=gz_tag)
    assert (again.status, again.header("ETag")) == (304, gz_tag)
    # The identity tag does not validate the gzip variant, nor the other way round.
    assert get(site, "/all/rss.xml", If_None_Match=gz_tag).status == 200
    plain_tag = etag_of(FEED)
    assert get(site, "/all/rss.xml", Accept_Encoding="gzip", If_None_Match=plain_tag).status == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
def test_other_methods_are_405(site: Path, method: str) -> None:
    reply = get(site, "/all/rss.xml", method=method)
    assert reply.status == 405
    assert reply.header("Allow") == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/all/../../secret.txt",
        "/all/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/all%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/index.html%00",
        "/index.html\x00",
        "/%ff%fe",
        "/.feedgen-news-manifest",
        "/%2efeedgen-news-manifest",
        "secret.txt",
        "//../secret.txt",
        "http://example.org/../secret.txt",
        "http://[/all/rss.xml",  # urlsplit raises ValueError: the client got no answer at all
        "http://[::1/all/rss.xml",
    ],
)
def test_never_outside_the_root(site: Path, path: str) -> None:
    reply = get(site, path)
    assert reply.status == 404
    assert SECRET not in reply.body


def test_symlinks_pointing_out_are_404(site: Path) -> None:
    (site / "leak.txt").symlink_to(site.parent / "secret.txt")
    (site / "leakdir").symlink_to(site.parent / "outside", target_is_directory=True)
    (site / "topics" / "ai" / "up").symlink_to(site.parent)
    for path in ("/leak.txt", "/leakdir/", "/leakdir/index.html", "/topics/ai/up/secret.txt"):
        reply = get(site, path)
        assert reply.status == 404, path
        assert SECRET not in reply.body


def test_symlinks_inside_the_root_are_served(site: Path) -> None:
    (site / "latest.xml").symlink_to(site / "all" / "rss.xml")
    assert get(site, "/latest.xml").body == FEED


def test_absolute_form_target(site: Path) -> None:
    assert get(site, "http://127.0.0.1:8000/all/rss.xml").body == FEED


@pytest.fixture
def running(site: Path) -> Iterator[tuple[int, list[str]]]:
    lines: list[str] = []
    server = make_server(site, "127.0.0.1", 0, 60, lines.append)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], lines
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def logged(lines: list[str], count: int) -> list[str]:
    """The log once ``count`` lines are in: the server logs just after it has replied."""
    deadline = time.monotonic() + 5
    while len(lines) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # and no extra line follows
    return list(lines)


def test_server_over_a_socket_logs_one_line_per_request(running: tuple[int, list[str]]) -> None:
    port, lines = running
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/all/rss.xml", headers={"Accept-Encoding": "gzip"})
    first = conn.getresponse()
    body = first.read()
    tag = first.getheader("ETag", "")
    assert first.status == 200
    assert gzip.decompress(body) == FEED
    assert first.getheader("Content-Type") == "application/rss+xml; charset=utf-8"
    assert first.getheader("Server") == f"feedgen-news/{__version__}"
    # Same kept-alive connection: a conditional GET transfers no body.
    conn.request("GET", "/all/rss.xml", headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
    second = conn.getresponse()
    assert (second.status, second.read()) == (304, b"")
    conn.request("HEAD", "/nope")
    third = conn.getresponse()
    assert (third.status, third.read()) == (404, b"")
    conn.close()
    assert logged(lines, 3) == [
        f"GET /all/rss.xml 200 {len(body)}",
        "GET /all/rss.xml 304 0",
        "HEAD /nope 404 0",
    ]


def test_server_refuses_other_methods_and_closes(running: tuple[int, list[str]]) -> None:
    port, lines = running
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/all/rss.xml", body=b"x=1")
    reply = conn.getresponse()
    assert (reply.status, reply.getheader("Allow"), reply.getheader("Connection")) == (
        405,
        "GET, HEAD",
        "close",
    )
    reply.read()
    conn.close()
    assert logged(lines, 1) == ["POST /all/rss.xml 405 23"]


def test_serve_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such folder to serve"):
        serve(tmp_path / "missing", "127.0.0.1", 0, 60, print)


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send raw request bytes; everything the server sends until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


def test_a_get_with_a_body_closes_the_connection(running: tuple[int, list[str]]) -> None:
    # The body is never read: kept alive, it would be parsed as a second request (behind a
    # proxy that reuses connections, someone else's).
    port, lines = running
    smuggled = b"GET /feeds.opml HTTP/1.1\r\nHost: x\r\n\r\n"
    reply = raw_exchange(
        port,
        b"GET /all/atom.xml HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
        % (len(smuggled), smuggled),
    )
    assert reply.count(b"HTTP/1.1 ") == 1
    assert b"\r\nConnection: close\r\n" in reply
    assert logged(lines, 1) == ["GET /all/atom.xml 200 7"]


def test_unparseable_if_modified_since_over_a_socket(running: tuple[int, list[str]]) -> None:
    port, lines = running
    reply = raw_exchange(
        port,
        b"GET /all/rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 -9999999999999999999\r\n\r\n",
    )
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert reply.endswith(FEED)
    assert logged(lines, 1) == [f"GET /all/rss.xml 200 {len(FEED)}"]


def test_a_file_dated_beyond_year_9999_is_still_served(tmp_path: Path) -> None:
    # ext4 clamps mtimes to 2446, but tmpfs, btrfs and XFS keep them: formatdate() then raised
    # and the client got no answer.
    shm = Path("/dev/shm")  # noqa: S108 - a test folder made with mkdtemp, removed after
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        pytest.skip("needs a tmpfs at /dev/shm")
    root = Path(tempfile.mkdtemp(dir=shm))
    try:
        (root / "far.txt").write_bytes(SMALL)
        os.utime(root / "far.txt", (2**40, 2**40))
        if int((root / "far.txt").stat().st_mtime) != 2**40:
            pytest.skip("this tmpfs clamps timestamps")
        reply = get(root, "/far.txt")
        assert (reply.status, reply.body) == (200, SMALL)
        assert reply.header("Last-Modified") == "Fri, 31 Dec 9999 23:59:59 GMT"
        last = reply.header("Last-Modified") or ""
        assert get(root, "/far.txt", If_Modified_Since=last).status == 304
    finally:
        shutil.rmtree(root)


def test_control_characters_in_requests_are_escaped_in_the_log(
    running: tuple[int, list[str]],
) -> None:
    port, lines = running
    # A title-setting terminal sequence, NUL, a C1 CSI, U+2028, a bad UTF-8 byte, UTF-8 text.
    raw_exchange(
        port, b"GET /a\x1b]0;pwned\x07\x00\xc2\x9b\xe2\x80\xa8\xff/caf\xc3\xa9\\x HTTP/1.0\r\n\r\n"
    )
    raw_exchange(port, b"G\x1b[2JT / HTTP/1.0\r\n\r\n")
    raw_exchange(port, b"GET /\x1b[2J HTTP/9\r\n\r\n")
    assert logged(lines, 3) == [
        "GET /a\\x1b]0;pwned\\x07\\x00\\u009b\\u2028\\xff/café\\\\x 404 14",
        "G\\x1b[2JT / 501 -",
        "- - 400 -",
    ]


def test_an_unexpected_error_is_a_500_with_one_log_line(
    running: tuple[int, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port, lines = running

    def broken(*args: object) -> Response:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("feedgen_news.serve_http.respond", broken)
    reply = raw_exchange(port, b"GET /all/rss.xml HTTP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 500 ")
    assert reply.endswith(b"500 Internal Server Error\n")
    assert logged(lines, 1) == [
        "GET /all/rss.xml 500 26 (internal error: RuntimeError: boom\\nsecond line)"
    ]
    assert capsys.readouterr().err == ""


def test_a_client_that_resets_mid_reply_costs_one_log_line(
    site: Path, running: tuple[int, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    port, lines = running
    big = bytes(32 * 1024 * 1024)  # more than the socket buffers hold
    (site / "big.bin").write_bytes(big)
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    conn.recv(16)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # a reset, not a polite close
    (line,) = logged(lines, 1)
    assert line.startswith(f"GET /big.bin 200 {len(big)} (not sent: ")
    # And no traceback from socketserver on stderr.
    assert capsys.readouterr().err == ""


def test_a_silent_connection_is_closed_after_the_idle_timeout(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PreviewServer, "idle_timeout", 0.2)
    lines: list[str] = []
    server = make_server(site, "127.0.0.1", 0, 60, lines.append)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        # Nothing at all, half a request line, and a request without its blank line: each
        # connection held a thread forever.
        for sent in (b"", b"GET /all/rs", b"GET /all/rss.xml HTTP/1.1\r\nHost: x\r\n"):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(sent)
                assert conn.recv(100) == b"", sent  # closed by the server, not our timeout
        assert lines == []
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_burst_of_connections_is_queued_not_refused(site: Path) -> None:
    lines: list[str] = []
    server = make_server(site, "127.0.0.1", 0, 60, lines.append)
    port = server.server_address[1]
    assert server.request_queue_size == 128
    conns: list[socket.socket] = []
    try:
        # Not accepting yet: with a backlog of 5, the 7th handshake stalled in SYN retries.
        for _ in range(100):
            conns.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        for conn in conns:
            conn.sendall(b"HEAD /all/rss.xml HTTP/1.0\r\n\r\n")
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        for conn in conns:
            conn.settimeout(10)
            assert conn.recv(100).startswith(b"HTTP/1.1 200 ")
        server.shutdown()
        thread.join()
    finally:
        for conn in conns:
            conn.close()
        server.server_close()


@pytest.mark.parametrize(
    ("host", "port", "base_url"),
    [
        ("127.0.0.1", 8000, "http://localhost:8000/"),
        ("127.0.0.1", 8000, "http://LocalHost:8000/"),
        ("127.0.0.1", 8000, "http://127.0.0.1:8000/"),
        ("localhost", 8000, "http://127.0.0.1:8000/"),
        ("::1", 8000, "http://localhost:8000/"),
        ("::1", 8000, "http://[::1]:8000/"),
        ("127.0.0.1", 80, "http://localhost/"),
        # Bound to every interface: any name of this machine may reach it.
        ("0.0.0.0", 8000, "http://news.lan:8000/"),  # noqa: S104 - not a bind
        ("::", 8000, "http://localhost:8000/"),
    ],
)
def test_no_warning_when_base_url_reaches_the_server(host: str, port: int, base_url: str) -> None:
    assert base_url_warning(host, port, base_url) is None


@pytest.mark.parametrize(
    ("host", "port", "base_url", "served", "suggested"),
    [
        ("127.0.0.1", 8765, "http://localhost:8000/", "127.0.0.1:8765", "127.0.0.1:8765"),
        ("127.0.0.1", 8000, "http://example.org:8000/", "127.0.0.1:8000", "127.0.0.1:8000"),
        ("127.0.0.1", 8000, "https://localhost:8000/", "127.0.0.1:8000", "127.0.0.1:8000"),
        ("127.0.0.1", 8000, "http://localhost:8000/feeds/", "127.0.0.1:8000", "127.0.0.1:8000"),
        ("127.0.0.1", 8000, "http://localhost:99999/", "127.0.0.1:8000", "127.0.0.1:8000"),
        ("127.0.0.2", 8000, "http://localhost:8000/", "127.0.0.2:8000", "127.0.0.2:8000"),
        ("::1", 8000, "http://127.0.0.1:8000/", "[::1]:8000", "[::1]:8000"),
        ("0.0.0.0", 8765, "http://news.lan:8000/", "0.0.0.0:8765", "news.lan:8765"),  # noqa: S104
        ("0.0.0.0", 8000, "https://example.org/", "0.0.0.0:8000", "localhost:8000"),  # noqa: S104
    ],
)
def test_warning_when_base_url_points_elsewhere(
    host: str, port: int, base_url: str, served: str, suggested: str
) -> None:
    assert base_url_warning(host, port, base_url) == (
        f"warning: serving at http://{served}/ but base_url is {base_url}; feed links point "
        f"there. Build with --base-url http://{suggested}/ to preview them"
    )


def serve_once(monkeypatch: pytest.MonkeyPatch, *args: str | Path) -> list[str]:
    """What ``feedgen-news serve`` prints before serving: it stops as if Ctrl-C came at once."""

    def interrupted(self: PreviewServer, poll_interval: float = 0.5) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(PreviewServer, "serve_forever", interrupted)
    result = CliRunner().invoke(main, ["serve", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()


def test_serve_warns_when_base_url_is_elsewhere(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no feedgen-news.toml here: base_url is the default
    first, warning = serve_once(monkeypatch, site, "--port", "0")
    url = first.split(" at ", 1)[1].split(" ", 1)[0]
    assert url.startswith("http://127.0.0.1:")
    assert warning == (
        f"warning: serving at {url} but base_url is http://localhost:8000/; feed links point "
        f"there. Build with --base-url {url} to preview them"
    )


def test_serve_trusts_the_base_url_the_output_was_built_with(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Built with --base-url for this port, served with a config that says otherwise: the feed
    # links are right, so no warning.
    port = free_port()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedgen-news.toml").write_text('base_url = "https://example.org/"\n')
    (site / "all" / "feed.json").write_text(
        '{"version":"https://jsonfeed.org/version/1.1","title":"t \\"q\\"",'
        f'"home_page_url":"http://localhost:{port}/",'
        f'"feed_url":"http://localhost:{port}/all/feed.json","items":[]}}'
    )
    assert serve_once(monkeypatch, site, "--port", str(port)) == [
        f"Serving {site} at http://127.0.0.1:{port}/ (Ctrl-C to stop)"
    ]
    # A base_url the output does not tell: the configured one is compared.
    (site / "all" / "feed.json").write_text("{}")
    *_, warning = serve_once(monkeypatch, site, "--port", str(port))
    assert warning.startswith(
        f"warning: serving at http://127.0.0.1:{port}/ but base_url is https://example.org/;"
    )
