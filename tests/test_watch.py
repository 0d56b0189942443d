"""`feedgen-news watch`: a real watcher process on a temp folder, each change seen in the feeds.

Every wait is for a file state, bounded; nothing asserts how fast a rebuild is."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import CLI, published_links, record_text, tree, write_record

_WAIT = 10.0  # seconds: a bound for the test to fail rather than hang, not a speed target


@dataclass
class Watch:
    proc: subprocess.Popen[bytes]
    inp: Path
    out: Path
    stderr: Path

    def lines(self) -> list[str]:
        return self.stderr.read_text().splitlines()

    def rebuilds(self) -> list[str]:
        return [line for line in self.lines() if " changed: " in line]


def wait_for(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + _WAIT
    while not done():
        assert time.monotonic() < deadline, f"not within {_WAIT} s: {what}"
        time.sleep(0.05)


def _links(out: Path) -> set[str]:
    try:
        return published_links(out)
    except OSError:
        return set()


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[Watch]:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    stderr = tmp_path / "stderr"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [CLI, "watch", inp, "-o", out, "--limit", "0", "--no-ping"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    w = Watch(proc, inp, out, stderr)
    try:
        wait_for("the first build", lambda: "watching" in stderr.read_text())
        yield w
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _url(slug: str) -> str:
    return f"https://news.example.org/{slug}"


def test_first_build_publishes_then_watches(watch: Watch) -> None:
    assert _links(watch.out) == {_url("first")}
    assert watch.lines()[-1].startswith("feedgen-news: watching ")


def test_editor_save_by_rename_is_published(watch: Watch) -> None:
    # Editors write a temporary (and swap and backup) file, then rename it into place.
    (watch.inp / ".new.md.swp").write_text("swap")
    (watch.inp / "new.md~").write_text(record_text("backup"))
    temporary = watch.inp / ".new.md.tmp"
    temporary.write_text(record_text("new"))
    temporary.rename(watch.inp / "new.md")
    wait_for("the new record in all/rss.xml", lambda: _url("new") in _links(watch.out))
    assert _links(watch.out) == {_url("first"), _url("new")}
    wait_for("its rebuild line", lambda: bool(watch.rebuilds()))
    assert watch.rebuilds()[0].startswith("feedgen-news: 1 file changed: ")


def test_deleted_record_disappears(watch: Watch) -> None:
    write_record(watch.inp / "sub" / "second.txt", "second")
    wait_for("the second record", lambda: _url("second") in _links(watch.out))
    (watch.inp / "first.md").unlink()
    wait_for("the first record gone", lambda: _links(watch.out) == {_url("second")})


def test_burst_is_a_few_rebuilds(watch: Watch) -> None:
    for n in range(200):
        write_record(watch.inp / f"burst-{n:03d}.md", f"burst-{n}")
    wait_for("all 201 records", lambda: len(_links(watch.out)) == 201)
    assert 1 <= len(watch.rebuilds()) < 10


def test_sigterm_ends_the_watch_with_one_line(watch: Watch) -> None:
    before = tree(watch.out)
    seen = len(watch.lines())
    watch.proc.send_signal(signal.SIGTERM)
    assert watch.proc.wait(timeout=_WAIT) == 143
    assert watch.lines()[seen:] == ["feedgen-news: error: terminated (previous feeds left intact)"]
    assert tree(watch.out) == before


def test_input_folder_removed_and_recreated_is_watched_again(watch: Watch) -> None:
    shutil.rmtree(watch.inp)
    wait_for("the warning", lambda: any("input folder gone" in line for line in watch.lines()))
    write_record(watch.inp / "back.md", "back")
    wait_for("the record in the new folder", lambda: _links(watch.out) == {_url("back")})
    assert watch.proc.poll() is None
