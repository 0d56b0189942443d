"""Helpers shared by several test modules: output folders as data, and a headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedgen_news.publish import MANIFEST_NAME

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


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


def start_chromium(profile: Path, window_size: str, *, keep_alerts: bool = False) -> Any:
    """Headless Debian Chromium through chromedriver, with the flags this machine needs
    (no sandbox as root, no background networking on a closed network) and an empty profile."""
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
    ):
        options.add_argument(flag)
    if keep_alerts:
        # Leave any alert open, so a test can see that none was raised.
        options.unhandled_prompt_behavior = "ignore"
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver
