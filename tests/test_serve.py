"""The preview server: types, conditional GET, gzip, CORS, never a byte from outside the root."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from feedgen_news import __version__
from feedgen_news.errors import ConfigError
from feedgen_news.serve import Response, make_server, respond, serve

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
