"""The live sample site of the end-to-end tests: sample records built by the real CLI, served live.

``live_site`` writes a handful of plainly-sample record files (one with a hostile title, one
draft), runs ``feedgen-news build`` on them, adds two local PNGs for the thumbnails (so the
browser test needs no network), and serves the folder with ``feedgen-news serve`` on a free
port of 127.0.0.1 (or with ``feedgen_news.serve_http`` in a thread while the CLI has no ``serve``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import CLI, HOSTILE_MARKUP, free_port, gradient_png

SITE_TITLE = "Sample Wire"


@dataclass(frozen=True)
class Sample:
    """One sample record and the feeds (relpaths) it must appear in."""

    file: str
    title: str
    url: str
    published: datetime
    feeds: tuple[str, ...]
    front: str  # the rest of the front matter (YAML lines)
    body: str = ""


def _when(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


SAMPLES = (
    Sample(
        "001_library_ai.txt",
        "Sample: Library opens a public AI reading room",
        "https://news.example.org/sample/library-ai-reading-room",
        _when(20, 9, 15),
        ("all", "topics/ai", "topics/libraries", "providers/news-example-org"),
        """excerpt: "A sample story for the feed reader test: a fictional library lends \\
laptops and runs weekly workshops on how AI systems work."
ampUrl: https://news.example.org/sample/library-ai-reading-room.amp
provider:
  name: Example News
  domain: news.example.org
topics: [AI, Libraries]
images:
  - url: {base}img/reading-room.png
    width: 480
    height: 320
    title: "Sample illustration of a reading room"
related:
  - title: "Sample: what a library AI workshop covers"
    sourceUrl: https://explainers.example.com/sample/ai-workshop
    publishedDateTime: 2026-11-18T08:00:00Z
    provider:
      name: Example Explainers
      domain: explainers.example.com
""",
    ),
    Sample(
        "002_hostile.txt",
        HOSTILE_MARKUP,
        "https://news.example.org/sample/hostile-title",
        _when(21, 10, 30),
        ("all", "topics/ai", "providers/example-com", "feeds/picks"),
        """excerpt: "Sample record whose text is hostile markup: <img src=x onerror=alert(2)>"
provider:
  name: "<b>Example</b> & Co"
  domain: example.com
topics: [AI]
""",
    ),
    Sample(
        "003_solar.txt",
        "Sample: Council approves rooftop solar pilot",
        "https://news.example.org/sample/rooftop-solar",
        _when(19, 14, 0),
        ("all", "topics/energy", "providers/news-example-org", "feeds/picks"),
        """excerpt: "Sample story: a fictional council fits solar panels on three libraries."
provider:
  name: Example News
  domain: news.example.org
topics: [Energy]
images:
  - url: {base}img/solar.png
    width: 480
    height: 320
    title: "Sample illustration of solar panels"
""",
    ),
    Sample(
        "004_economie.md",
        "Exemple : la boulangerie du quartier passe au vélo cargo",
        "https://nouvelles.example.org/exemple/velo-cargo",
        _when(18, 7, 45),
        ("all", "topics/economie", "providers/nouvelles-example-org"),
        """provider:
  name: Nouvelles Exemple
  domain: nouvelles.example.org
topics: [Économie]
""",
        body="Un article d'exemple, écrit pour les tests.\n\nDeuxième paragraphe.\n",
    ),
)
DRAFT_TITLE = "Sample draft that must not be published"
DRAFT = f"""---
title: "{DRAFT_TITLE}"
sourceUrl: https://news.example.org/sample/draft
publishedDateTime: 2026-11-22T08:00:00Z
published: false
topics: [AI]
---
"""
FEEDS = (
    "all",
    "topics/ai",
    "topics/economie",
    "topics/energy",
    "topics/libraries",
    "providers/example-com",
    "providers/news-example-org",
    "providers/nouvelles-example-org",
    "feeds/picks",
)
# Feeds per topic and provider, and one curated feed: AI or energy stories, but not libraries'.
SITE_CONFIG = f"""\
title = "{SITE_TITLE}"
description = "Sample feeds for the end-to-end tests"
language = "en"
author_name = "Sample Desk"
facets = ["topics", "provider"]

[[feeds]]
slug = "picks"
title = "Editor's picks"
topics = ["AI", "Energy"]
exclude_topics = ["Libraries"]
"""


@dataclass(frozen=True)
class LiveSite:
    root: Path  # the built output folder
    url: str  # its base URL, http://127.0.0.1:<port>/
    requests: Callable[[], list[str]]  # server log lines so far ("GET /path 200 123")


def require(*tools: str) -> None:
    """Skip (locally) or fail (CI=true) when a tool the end-to-end tests drive is missing."""
    from shutil import which

    missing = [t for t in tools if which(t) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (Debian packages; run .ci/system-deps.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI: {message}", pytrace=False)
    pytest.skip(message)


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """GET from the live server: status, headers, raw body (no decompression)."""
    assert url.startswith("http://127.0.0.1:")
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    request = urllib.request.Request(url, headers=named)  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - checked above
        return reply.status, dict(reply.headers.items()), reply.read()


def _write_inputs(folder: Path, base: str) -> None:
    folder.mkdir()
    for s in SAMPLES:
        text = (
            f"---\ntitle: {json.dumps(s.title, ensure_ascii=False)}\nsourceUrl: {s.url}\n"
            f"publishedDateTime: {s.published:%Y-%m-%dT%H:%M:%SZ}\n"
            f"{s.front.format(base=base)}---\n{s.body}"
        )
        (folder / s.file).write_text(text, encoding="utf-8")
    (folder / "005_draft.txt").write_text(DRAFT, encoding="utf-8")


def _wait_for(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"feedgen-news serve exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("feedgen-news serve did not start listening within 15 s")


@contextmanager
def running_site(work: Path) -> Iterator[LiveSite]:
    """Build the sample records into ``work/output`` with the CLI and serve them with
    ``feedgen-news serve`` on a free port until the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    _write_inputs(work / "records", base)
    config = work / "feedgen-news.toml"
    config.write_text(SITE_CONFIG, encoding="utf-8")
    out = work / "output"
    build = subprocess.run(
        [
            *(str(CLI), "build", str(work / "records"), "-o", str(out)),
            *("--config", str(config), "--base-url", base, "--cache-dir", str(work / "cache")),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    (out / "img").mkdir()
    (out / "img" / "reading-room.png").write_bytes(
        gradient_png(480, 320, (54, 92, 168), (140, 190, 230))
    )
    (out / "img" / "solar.png").write_bytes(gradient_png(480, 320, (240, 176, 48), (90, 140, 60)))

    log = work / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [str(CLI), "serve", str(out), "--bind", "127.0.0.1", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, proc, log)
        yield LiveSite(out, base, lambda: log.read_text(errors="replace").splitlines())
    finally:
        proc.terminate()
        proc.wait(10)
