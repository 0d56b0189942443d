"""The README's screenshots of the demo site: ``make screenshots`` writes them into docs/.

Builds ./seeds as ``make demo`` does (feedgen-news.toml, ``--unpublished``) into a temporary
folder, serves it with ``feedgen-news serve``, and photographs it with headless Chromium: the
index page, a topic page, and a made-up site that pasted two embed snippets from those pages
(served from another origin, as a real one would be).

Nothing goes to the network. Chromium's host-resolver rules send the demo's base URL
(http://localhost:8000/) to the preview server, whatever port it got, and the sample records'
image hosts (made up, or not ours to hotlink) to a local HTTPS server that answers every image
with a stand-in gradient of the record's proportions.

usage: python -m scripts.screenshots [DOCS_DIR=docs]   (from the repository's root)
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from feedgen_news.serve_notes import built_base_url
from tests.helpers import CHROMEDRIVER, CHROMIUM, free_port, gradient_png, start_chromium

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).with_name("feedgen-news")
MEDIA = "{http://search.yahoo.com/mrss/}content"
THUMB_WIDTH = 480  # stand-ins are drawn this wide, in the record's proportions
HOST_PAGE = ROOT / "scripts" / "screenshots-host.html"


def main(argv: list[str]) -> int:
    docs = Path(argv[1]) if len(argv) > 1 else ROOT / "docs"
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        print(f"screenshots: {', '.join(missing)} missing; run .ci/system-deps.sh", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="feedgen-news-screenshots-") as tmp, ExitStack() as on:
        work = Path(tmp)
        out = work / "output"
        _build(out, work / "cache")
        base = built_base_url(out)
        assert base is not None, "the build wrote no all/feed.json"
        site = on.enter_context(_preview(out, work / "serve.log"))
        images = on.enter_context(_image_server(work, _image_sizes(out)))
        host = on.enter_context(_static(_host_folder(work, out)))
        site_netloc = urlsplit(base).netloc
        rules = [f"MAP {site_netloc} 127.0.0.1:{site}"]
        rules += [f"MAP {name} 127.0.0.1:{images[0]}" for name in images[1]]
        browser = start_chromium(
            work / "profile",
            "1000,1250",
            flags=("--ignore-certificate-errors", f"--host-resolver-rules={', '.join(rules)}"),
        )
        on.callback(browser.quit)
        docs.mkdir(exist_ok=True)
        _shoot(browser, base, docs / "index.png")
        _shoot(browser, base + "topics/ai/index.html", docs / "topic-page.png")
        browser.set_window_size(1100, 1180)
        _shoot(browser, f"http://127.0.0.1:{host}/", docs / "embed.png", embeds=True)
    for name in ("index.png", "topic-page.png", "embed.png"):
        print(f"wrote {docs / name}")
    return 0


def _build(out: Path, cache: Path) -> None:
    """``make demo``'s build, into ``out``."""
    argv = [str(CLI), "build", str(ROOT / "seeds"), "-o", str(out), "--unpublished", "--quiet"]
    argv += ["--no-ping", "--config", str(ROOT / "feedgen-news.toml"), "--cache-dir", str(cache)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"screenshots: build failed ({done.returncode}): {done.stderr.strip()}")


def _image_sizes(out: Path) -> dict[str, tuple[int, int]]:
    """Every image URL the build published, with the width and height its record gave."""
    sizes: dict[str, tuple[int, int]] = {}
    for element in etree.parse(out / "all" / "rss.xml").iter(MEDIA):
        width, height = element.get("width"), element.get("height")
        sizes[element.get("url", "")] = (int(width or 4), int(height or 3))
    return sizes


def _wait_for(port: int, what: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"screenshots: {what} did not start listening within 15 s")


@contextmanager
def _preview(out: Path, log: Path) -> Iterator[int]:
    """``feedgen-news serve`` over the build, on a free port of 127.0.0.1."""
    port = free_port()
    argv = [str(CLI), "serve", str(out), "--bind", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, "feedgen-news serve")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _thread(server: http.server.ThreadingHTTPServer) -> Iterator[int]:
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _static(folder: Path) -> Iterator[int]:
    """A plain static server for ``folder``: the made-up site that embeds the feeds."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = partial(Quiet, directory=str(folder))
    yield from _thread(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler))


@contextmanager
def _image_server(work: Path, sizes: dict[str, tuple[int, int]]) -> Iterator[tuple[int, list[str]]]:
    """HTTPS on 127.0.0.1 answering each image URL with a stand-in of its proportions; yields
    the port and the host names to send there. The certificate is self-signed for this run."""
    key, cert = work / "key.pem", work / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=feedgen-news screenshots", "-keyout", str(key), "-out", str(cert)),
        ],
        capture_output=True,
        check=True,
    )
    by_address = {(urlsplit(u).hostname, urlsplit(u).path): size for u, size in sizes.items()}

    class Images(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            size = by_address.get((host, self.path.split("?")[0]))
            if size is None:
                self.send_error(404)
                return
            body = _stand_in(f"{host}{self.path}", size)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Images)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    hosts = sorted({h for h, _ in by_address if h})
    for port in _thread(server):
        yield port, hosts


def _stand_in(url: str, size: tuple[int, int]) -> bytes:
    """A calm two-colour gradient, different for each URL, in the image's proportions."""
    seed = hashlib.sha256(url.encode()).digest()
    top = (40 + seed[0] % 80, 80 + seed[1] % 90, 120 + seed[2] % 100)
    bottom = (150 + seed[3] % 90, 170 + seed[4] % 70, 190 + seed[5] % 60)
    width, height = size
    return gradient_png(THUMB_WIDTH, max(2, round(THUMB_WIDTH * height / width)), top, bottom)


def _pasted(page: Path, which: int) -> str:
    """An embed snippet exactly as a site owner copies it from one of the built pages."""
    doc = lxml.html.document_fromstring(page.read_bytes().decode("utf-8"))
    codes = cast(list[lxml.html.HtmlElement], doc.xpath("//section[h2[@id='embed']]//pre/code"))
    return str(codes[which].text_content())


def _host_folder(work: Path, out: Path) -> Path:
    """The made-up site's page, with the `all` feed's script snippet and the AI topic's
    iframe snippet pasted in."""
    folder = work / "host"
    folder.mkdir()
    script = _pasted(out / "index.html", 1)
    iframe = _pasted(out / "topics" / "ai" / "index.html", 0)
    template = HOST_PAGE.read_text(encoding="utf-8")
    page = template.replace("<!-- script snippet -->", script)
    page = page.replace("<!-- iframe snippet -->", iframe)
    (folder / "index.html").write_text(page, encoding="utf-8")
    return folder


def _shoot(browser: Any, url: str, path: Path, *, embeds: bool = False) -> None:
    """Load ``url``, wait until what is on screen has loaded, and save the viewport."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script(
            "const seen = [...document.images].filter("
            "  i => i.getBoundingClientRect().top < innerHeight);"
            "return seen.every(i => i.complete && i.naturalWidth > 0)"
            + (
                " && [...document.querySelectorAll('[data-feedgen-news]')]"
                ".every(e => e.dataset.feedgenNewsState === 'done')"
                if embeds
                else ""
            )
        )
    )
    browser.save_screenshot(str(path))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
