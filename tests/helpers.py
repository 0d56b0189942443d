"""Helpers shared by several test modules (and scripts/screenshots.py): the test site, records
and hostile text, record files, output folders as data, the CLI in a process of its own, mounts,
a headless Chromium, stand-in images and where screenshots go, a WebSub hub stand-in, the output
lock held as another build holds it, a process's open files."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner, Result

from feedgen_news.cli import main
from feedgen_news.config import Site
from feedgen_news.errors import Problem
from feedgen_news.feeddefs import FeedEntries, topic_feed
from feedgen_news.layout import LOCK_NAME, MANIFEST_NAME
from feedgen_news.model import Image, Provider, Record, RelatedLink
from feedgen_news.records import parse_record

# The site the renderers' tests use: every setting a feed shows of its site is set, and the
# description needs escaping. A test that needs another setting takes ``replace(SITE, ...)``.
SITE = Site(
    title="Test News",
    description="Tests & more",
    author_name="Newsroom",
    author_email="news@example.org",
    base_url="https://news.example.org/",
)
# Text that runs script, or ends the element or section around it, wherever an output forgets to
# escape: a script element, an event handler, both quotes, an early </title>, a CDATA end and a
# bare ampersand. Every output must show it as this very text.
HOSTILE_MARKUP = (
    "<script>alert(1)</script><img src=x onerror=alert(2)> & \"quotes\" 'too' </title> ]]>"
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"  # the demo's records
# The real seed record (seeds/000_1599838c583e8360.txt) by hand, as the records package reads it.
SEED_FILE = SEEDS / "000_1599838c583e8360.txt"
SEED_URL = (
    "https://www.govtech.com/public-safety/"
    "Massachusetts-City-Renews-Calls-for-Facial-Recognition-Ban.html"
)
SEED_TITLE = "Massachusetts City Renews Calls for Facial Recognition Ban"
SEED_EXCERPT = (
    "Ramos cites an American Civil Liberties Union of Massachusetts study released earlier "
    "Monday that used photos of Boston Red Sox and Celtics players to demonstrate limitations "
    "of Amazon Rekognition software. The ACLU fed photos of 188 New England athletes ..."
)
SEED_RECORD = Record(
    path=SEED_FILE.name,
    url=SEED_URL,
    title=SEED_TITLE,
    published=datetime(2020, 1, 13, 20, 22, tzinfo=UTC),
    excerpt=SEED_EXCERPT,
    amp_url=SEED_URL + "?AMP",
    amp_cache_url=(
        "https://www-govtech-com.cdn.ampproject.org/c/s/www.govtech.com/public-safety/"
        "Massachusetts-City-Renews-Calls-for-Facial-Recognition-Ban.html?AMP"
    ),
    provider=Provider("Government Technology", "https://govtech.com"),
    topics=("AI", "AWS AI"),
    category="news",
    images=(Image("https://media2.govtech.com/images/facial2.jpg", 940, 630, SEED_TITLE),),
    related=(
        RelatedLink(
            "https://www.masslive.com/news/2020/01/springfield-city-council-moves-to-ban-facial-"
            "recognition-says-systems-are-unproven-inaccurate.html",
            "Springfield City Council moves to ban facial recognition; "
            "says systems are unproven, inaccurate",
            Provider("MassLive", "https://masslive.com"),
            datetime(2020, 1, 14, 1, 27, tzinfo=UTC),
        ),
    ),
    is_published=False,
)


def record(n: int, **changes: Any) -> Record:
    """A plainly fake record number ``n``: file ``sample_{n}.txt``, sourceUrl
    ``https://example.org/news/{n}``, title "Sample story {n}", an excerpt, published at noon
    UTC ``n`` days into 2021, in no topic; ``changes`` sets any field."""
    made = Record(
        path=f"sample_{n}.txt",
        url=f"https://example.org/news/{n}",
        title=f"Sample story {n}",
        published=datetime(2021, 1, 1 + n, 12, 0, tzinfo=UTC),
        excerpt=f"Sample excerpt {n}.",
    )
    return replace(made, **changes)


CLI = Path(sys.executable).with_name("feedgen-news")  # the installed command
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The end-to-end tests' screenshots, for a person to look at after a run: never docs/, whose
# screenshots of the demo site `make screenshots` writes.
ARTIFACTS = Path(
    os.environ.get("FEEDGEN_NEWS_ARTIFACTS")
    or Path(tempfile.gettempdir()) / "feedgen-news-test-artifacts"
)


def artifact(name: str) -> Path:
    """Where a test saves the artifact ``name`` (its folder exists)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(*args: str | Path) -> Result:
    """The CLI in this process, as a user runs it: exit status and stderr in the result."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def build_cmd(inp: Path, out: Path, *extra: str | Path) -> Result:
    """``feedgen-news build INP -o OUT`` with a cache beside the output folder."""
    return run("build", inp, "-o", out, "--cache-dir", out.parent / f"{out.name}.cache", *extra)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``path`` (a disk that fills up); skips where mounting is not
    permitted (see ``mounted``)."""
    path.mkdir(parents=True, exist_ok=True)
    with mounted("tmpfs", path, "-t", "tmpfs", "-o", f"size={size}"):
        yield path


def tree(root: Path, *, dotfiles: bool = True) -> dict[str, bytes]:
    """Every file under ``root`` by POSIX relative path; without ``dotfiles``, only what a
    reader of the output can fetch (no manifest, no lock)."""
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and (dotfiles or not p.name.startswith("."))
    )
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def comparable(files: dict[str, bytes]) -> dict[str, bytes]:
    """A folder's files, its manifest reduced to the files it lists: the manifest's build
    state is opaque and may name the cache it was built with."""
    out = dict(files)
    if MANIFEST_NAME in out:
        listed = json.loads(out[MANIFEST_NAME])["files"]
        out[MANIFEST_NAME] = json.dumps(listed, sort_keys=True).encode()
    return out


def record_text(
    slug: str, *, day: int = 1, topics: Sequence[str] = ("Sample",), extra: str = ""
) -> str:
    """A small valid record: title and sourceUrl from ``slug``, published on 2024-01-``day``,
    in ``topics``; ``extra`` adds front-matter lines (ending in a newline)."""
    return (
        f"---\ntitle: Story {slug}\nsourceUrl: https://news.example.org/{slug}\n"
        f"publishedDateTime: 2024-01-{day:02d}T12:00:00Z\ntopics: {json.dumps(list(topics))}\n"
        f"{extra}---\n"
    )


GOOD_HEAD = "---\ntitle: Sample story\nsourceUrl: https://example.org/news/1\n"
# A record that is rejected with one line: "sourceUrl: missing (required)".
NO_URL_RECORD = "---\ntitle: No URL\npublishedDateTime: 2024-01-01T00:00:00Z\n---\n"


def parse_text(text: str, site: Site | None = None) -> tuple[Record | None, list[Problem]]:
    """``parse_record`` of a record's text, as the file ``x.txt``; ``GOOD_HEAD`` starts a valid
    one that needs a ``publishedDateTime``."""
    return parse_record(text.encode("utf-8"), "x.txt", site or Site())


def write_record(
    path: Path, slug: str, *, day: int = 1, topics: Sequence[str] = ("Sample",), extra: str = ""
) -> Path:
    """``record_text`` written at ``path``, folders made (a name that is not UTF-8:
    ``os.fsdecode`` it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record_text(slug, day=day, topics=topics, extra=extra), encoding="utf-8")
    return path


def published_links(out: Path) -> set[str]:
    """The entry links of the `all` RSS feed in an output folder, as a reader sees them."""
    import feedparser  # only the tests that read feeds back need it

    return {e.link for e in feedparser.parse((out / "all/rss.xml").read_bytes()).entries}


def child_pids(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is ``pid``, from /proc."""
    children: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = process_stat(int(entry.name))
            if stat is not None and stat[1] == pid and stat[0] != "Z":
                children.add(int(entry.name))
    return children


def is_alive(pid: int) -> bool:
    """Whether ``pid`` is a process that still runs (a zombie has ended)."""
    stat = process_stat(pid)
    return stat is not None and stat[0] != "Z"


def process_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last.
    fields = raw.rpartition(b")")[2].split()
    return fields[0].decode(), int(fields[1])


def start_chromium(
    profile: Path, window_size: str, *, keep_alerts: bool = False, flags: Sequence[str] = ()
) -> Any:
    """Headless Debian Chromium through chromedriver, with the flags this machine needs
    (no sandbox as root, no background networking on a closed network), an empty profile and
    any further ``flags``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--hide-scrollbars",
        f"--window-size={window_size}",
        f"--user-data-dir={profile}",
        *flags,
    ):
        options.add_argument(flag)
    if keep_alerts:
        # Leave any alert open, so a test can see that none was raised.
        options.unhandled_prompt_behavior = "ignore"
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


def run_cli(
    *args: str | Path, cwd: Path, no_dac_override: bool = False
) -> subprocess.CompletedProcess[str]:
    """The installed ``feedgen-news`` in a process of its own; ``no_dac_override`` runs it
    without the capability that lets root read any file, so a chmod 000 file is unreadable
    to it as to any user (needs util-linux's setpriv when run as root)."""
    argv = [str(CLI), *map(str, args)]
    if no_dac_override and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a file unreadable")
        argv = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *argv]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


@contextmanager
def mounted(source: str, target: Path, *options: str) -> Iterator[None]:
    """``mount [options] source target`` for the ``with`` block; skips the test when this
    machine does not let the test mount (not root, or in a container without the right)."""
    done = subprocess.run(
        ["mount", *options, source, str(target)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode})")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


def gradient_png(
    width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> bytes:
    """A vertical-gradient PNG: a real thumbnail for screenshots, with no network."""
    rows = bytearray()
    for y in range(height):
        t = y / (height - 1)
        pixel = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        rows += b"\x00" + pixel * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def feed_entries(
    *records: Record, name: str = "AI", title: str | None = None, total: int | None = None
) -> FeedEntries:
    """A topic feed named ``name`` showing exactly ``records``, as the evaluator would hand
    them to a renderer (for tests of one renderer; ``evaluate_records`` applies the rules)."""
    feed = topic_feed(name, SITE)
    feed = replace(feed, title=title) if title else feed
    return FeedEntries(feed, records, len(records) if total is None else total)


def parse_within(
    relpath: str, data: bytes, site: Site | None = None, *, budget_mb: int = 20, hang_s: int = 30
) -> tuple[Record | None, list[Problem]]:
    """``parse_record`` within a memory budget (tracemalloc's peak: what Python allocates); an
    alarm turns a hang into a failure instead of a stuck test run, and claims no speed."""
    import signal
    import tracemalloc

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"{relpath}: parse_record did not return within {hang_s} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(hang_s)
    tracemalloc.start()
    try:
        result = parse_record(data, relpath, site or Site())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert peak < budget_mb * 1024 * 1024, f"{relpath}: peak {peak:,} bytes"
    return result


@dataclass
class Received:
    """One request the hub stand-in received; ``at`` is its ``time.monotonic()``."""

    method: str
    path: str
    content_type: str
    form: dict[str, list[str]]
    at: float = 0.0


@dataclass
class Hub:
    """A WebSub hub stand-in: answers with the scripted statuses in turn (then 204), or hangs;
    while ``gate`` is clear, each request waits for it before answering."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    hang: bool = False
    location: str = "https://elsewhere.example/hub"
    release: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)

    def pinged(self) -> set[str]:
        """The feed URLs announced so far (every request a ``publish``)."""
        assert all(r.form["hub.mode"] == ["publish"] for r in self.received)
        return {r.form["hub.url"][0] for r in self.received}


@contextmanager
def running_hub() -> Iterator[Hub]:
    """A hub stand-in on a free port of 127.0.0.1, recording every request it receives."""
    state = Hub(url="")
    state.gate.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("ascii")
            state.received.append(
                Received(
                    "POST",
                    self.path,
                    self.headers.get("Content-Type", ""),
                    parse_qs(body, keep_blank_values=True, strict_parsing=True),
                    time.monotonic(),
                )
            )
            if state.hang:
                state.release.wait(30)
                return
            state.gate.wait(30)
            status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", state.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    try:
        yield state
    finally:
        state.release.set()
        state.gate.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def holding_lock(out: Path) -> Iterator[None]:
    """Hold the output folder's build lock, as another build would."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def open_files(pid: int) -> set[str]:
    """What a process has open, as /proc/PID/fd names it."""
    fds = Path(f"/proc/{pid}/fd")
    found: set[str] = set()
    for fd in fds.iterdir() if fds.is_dir() else []:
        try:
            found.add(str(fd.readlink()))
        except OSError:
            continue  # closed meanwhile
    return found
