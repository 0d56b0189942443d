"""Helpers shared by several test modules (and scripts/screenshots.py): output folders as data,
a headless Chromium, stand-in images and where screenshots go."""

from __future__ import annotations

import json
import os
import socket
import struct
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from feedgen_news.publish import MANIFEST_NAME

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


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (dotfiles too), by POSIX relative path."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def comparable(files: dict[str, bytes]) -> dict[str, bytes]:
    """A folder's files, its manifest reduced to the files it lists: the manifest's build
    state is opaque and may name the cache it was built with."""
    out = dict(files)
    if MANIFEST_NAME in out:
        listed = json.loads(out[MANIFEST_NAME])["files"]
        out[MANIFEST_NAME] = json.dumps(listed, sort_keys=True).encode()
    return out


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
