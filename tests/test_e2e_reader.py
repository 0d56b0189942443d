"""A real feed reader: newsboat subscribes to the served feeds, over HTTP, headless.

Each feed gets its own newsboat cache (newsboat keeps one item per guid across a cache, and the
same story is in several feeds). The test reads newsboat's sqlite cache back. newsboat does not
read JSON Feed, so it gets the RSS and Atom files.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from feedgen_news.serve import respond
from tests.live_site import DRAFT_TITLE, FEEDS, SAMPLES, SITE_TITLE, LiveSite, fetch, require

NAMES = {"all": "", "topics/ai": "AI", "topics/economie": "Économie"}
NAMES |= {"topics/energy": "Energy", "topics/libraries": "Libraries"}
NAMES |= {"providers/example-com": "<b>Example</b> & Co"}
NAMES |= {"providers/news-example-org": "Example News"}
NAMES |= {"providers/nouvelles-example-org": "Nouvelles Exemple", "feeds/picks": "Editor's picks"}


@pytest.fixture(autouse=True)
def _newsboat() -> None:
    require("newsboat")


def newsboat(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run newsboat headless with its own HOME (it wants a config folder) in ``folder``."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env |= {"HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        ["newsboat", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"newsboat {args}: {done.stdout}{done.stderr}"
    return done


def subscribe(folder: Path, url: str) -> None:
    folder.mkdir()
    (folder / "urls").write_text(url + "\n", encoding="utf-8")


def reload(folder: Path) -> None:
    newsboat(folder, "-u", "urls", "-c", "cache.db", "-x", "reload")


def cached_items(folder: Path) -> set[tuple[str, str, int]]:
    with sqlite3.connect(folder / "cache.db") as db:
        rows = db.execute("SELECT title, url, pubDate FROM rss_item WHERE deleted = 0").fetchall()
    return {(str(t), str(u), int(d)) for t, u, d in rows}


def expected_items(feed: str) -> set[tuple[str, str, int]]:
    return {(s.title, s.url, int(s.published.timestamp())) for s in SAMPLES if feed in s.feeds}


def feed_row(folder: Path) -> tuple[str, str, str]:
    with sqlite3.connect(folder / "cache.db") as db:
        (row,) = db.execute("SELECT rssurl, title, etag FROM rss_feed").fetchall()
    return str(row[0]), str(row[1]), str(row[2])


@pytest.mark.parametrize("filename", ["rss.xml", "atom.xml"])
@pytest.mark.parametrize("feed", FEEDS)
def test_newsboat_gets_every_entry_with_title_link_and_date(
    live_site: LiveSite, tmp_path: Path, feed: str, filename: str
) -> None:
    url = f"{live_site.url}{feed}/{filename}"
    subscribe(tmp_path / "nb", url)
    reload(tmp_path / "nb")

    items = cached_items(tmp_path / "nb")
    assert items == expected_items(feed)
    assert DRAFT_TITLE not in {title for title, _, _ in items}
    rssurl, title, _ = feed_row(tmp_path / "nb")
    name = NAMES[feed]
    assert (rssurl, title) == (url, f"{SITE_TITLE} — {name}" if name else SITE_TITLE)


@pytest.mark.parametrize("filename", ["rss.xml", "atom.xml"])
def test_reload_with_nothing_changed_transfers_no_body(
    live_site: LiveSite, tmp_path: Path, filename: str
) -> None:
    path = f"/topics/ai/{filename}"
    folder = tmp_path / "nb"
    subscribe(folder, live_site.url + path.lstrip("/"))

    def statuses() -> list[tuple[int, int]]:
        found = [
            re.fullmatch(rf".*GET {re.escape(path)} (\d{{3}}) (\d+)", line)
            for line in live_site.requests()
        ]
        return [(int(m[1]), int(m[2])) for m in found if m]

    def reload_logged() -> tuple[int, int]:
        """Reload once; the server's log line for it (the server logs just after replying)."""
        before = len(statuses())
        reload(folder)
        deadline = time.monotonic() + 5
        while len(statuses()) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        (line,) = statuses()[before:]
        return line

    status, size = reload_logged()
    assert status == 200 and size > 0
    items = cached_items(folder)
    # newsboat 2.21 (Debian 12) stores a feed's ETag only from its second fetch on: the first
    # fetch UPDATEs a feed row that does not exist yet (newsboat/newsboat#2734). So the first
    # reload that can be conditional is the one after the validators reached its cache.
    if not feed_row(folder)[2]:
        assert reload_logged()[0] == 200
    gzip_variant = respond(live_site.root, "GET", path, {"Accept-Encoding": "gzip"}, 0)
    assert feed_row(folder)[2] == gzip_variant.header("ETag")  # newsboat asks for gzip

    assert [reload_logged(), reload_logged()] == [(304, 0), (304, 0)]
    assert cached_items(folder) == items  # nothing lost on a 304


def test_opml_imports_every_feed(live_site: LiveSite, tmp_path: Path) -> None:
    folder = tmp_path / "nb"
    folder.mkdir()
    _, headers, body = fetch(live_site.url + "feeds.opml")
    assert headers["Content-Type"] == "text/x-opml; charset=utf-8"
    (folder / "feeds.opml").write_bytes(body)
    (folder / "urls").write_text("", encoding="utf-8")

    done = newsboat(folder, "-u", "urls", "-i", "feeds.opml")

    assert "Import of feeds.opml finished" in done.stdout
    urls = (folder / "urls").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split()[0] for line in urls if line.strip()) == sorted(
        f"{live_site.url}{feed}/rss.xml" for feed in FEEDS
    )
