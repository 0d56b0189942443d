"""`feedgen-news watch`: a real watcher process on a temp folder, each change seen in the feeds.

Every wait is for a file state, bounded; nothing asserts how fast a rebuild is."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import record_text, running_hub, tree, write_record
from tests.watching import SITE_URL, WAIT, Watch, wait_for, watching
from tests.watching import links as _links
from tests.watching import url as _url


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[Watch]:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    with watching(tmp_path, ["watch", inp, "-o", out, "--limit", "0", "--no-ping"]) as w:
        yield w


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
    wait_for("the rebuild's line", lambda: bool(watch.rebuilds()))  # printed once published
    assert len(watch.rebuilds()) < 10


def test_sigterm_ends_the_watch_with_one_line(watch: Watch) -> None:
    before = tree(watch.out)
    seen = len(watch.lines())
    watch.proc.send_signal(signal.SIGTERM)
    assert watch.proc.wait(timeout=WAIT) == 143
    assert watch.lines()[seen:] == ["feedgen-news: error: terminated (previous feeds left intact)"]
    assert tree(watch.out) == before


def test_input_folder_removed_and_recreated_is_watched_again(watch: Watch) -> None:
    shutil.rmtree(watch.inp)
    wait_for("the warning", lambda: any("input folder gone" in line for line in watch.lines()))
    write_record(watch.inp / "back.md", "back")
    wait_for("the record in the new folder", lambda: _links(watch.out) == {_url("back")})
    assert watch.proc.poll() is None


def _scheduled_text(slug: str, when: datetime) -> str:
    return (
        f"---\ntitle: Story {slug}\nsourceUrl: {_url(slug)}\n"
        f"publishedDateTime: {when.isoformat().replace('+00:00', 'Z')}\n---\n"
    )


def test_a_scheduled_record_is_published_at_its_time_without_a_file_event(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    release = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    (inp / "scoop.md").write_text(_scheduled_text("scoop", release))
    with watching(tmp_path, ["watch", inp, "-o", out, "--limit", "0", "--no-ping"]) as w:
        assert "1 scheduled (next at " in w.lines()[0]
        assert _links(out) == {_url("first")}
        # No file changes from here on: the watch wakes for the release by itself.
        wait_for("the scoop at its time", lambda: _url("scoop") in _links(out), WAIT + 5)
        assert datetime.now(UTC) >= release
        wait_for("its line", lambda: len(w.lines()) == 3)
        assert w.lines()[2].startswith("feedgen-news: 1 scheduled record released: ")
        assert w.proc.poll() is None


def test_with_a_fixed_clock_a_watch_never_wakes_for_a_release(tmp_path: Path) -> None:
    # --now (or SOURCE_DATE_EPOCH) is a clock that stands still: the release never comes.
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first", day=1)
    write_record(inp / "embargoed.md", "embargoed", day=5)
    argv: list[str | Path] = ["watch", inp, "-o", out, "--no-ping", "--now", "2024-01-05T11:00Z"]
    with watching(tmp_path, argv) as w:
        assert "1 scheduled (next at 2024-01-05T12:00:00Z" in w.lines()[0]
        write_record(inp / "second.md", "second", day=2)
        wait_for("the second record", lambda: _url("second") in _links(out))
        wait_for("its line", lambda: len(w.lines()) == 3)
        assert w.lines()[2].startswith("feedgen-news: 1 file changed: ")
        assert _links(out) == {_url("first"), _url("second")}


def test_a_record_saved_during_the_first_build_is_published(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    with running_hub() as hub:
        (tmp_path / "feedgen-news.toml").write_text(f'hub = "{hub.url}"\nbase_url = "{SITE_URL}"\n')
        hub.gate.clear()  # the first build's pings wait: it has published, it has not returned
        with watching(tmp_path, ["watch", inp, "-o", out], ready=None) as w:
            wait_for("the first build's pings", lambda: bool(hub.received))
            write_record(inp / "late.md", "late")
            hub.gate.set()
            wait_for("the late record", lambda: _url("late") in _links(out))
            assert w.lines()[1].startswith("feedgen-news: watching ")


PROBLEM = "front matter not closed"


def test_a_half_written_record_is_reported_once_then_published_when_complete(
    watch: Watch,
) -> None:
    path = watch.inp / "half.md"
    path.write_text("---\ntitle: Story half\n")
    wait_for("the problem", lambda: any(PROBLEM in line for line in watch.lines()))
    with path.open("a") as f:  # more of it, still without its closing line
        f.write(f"sourceUrl: {_url('half')}\n")
    wait_for("the second rebuild", lambda: len(watch.rebuilds()) == 2)
    path.write_text(record_text("half"))
    wait_for("the completed record", lambda: _url("half") in _links(watch.out))
    problems = [line for line in watch.lines() if PROBLEM in line]
    assert problems == [f"{watch.inp}/half.md:1: {PROBLEM}: no line '---' after line 1"]


def test_a_record_leaves_a_curated_feeds_window_on_time_without_a_file_event(
    tmp_path: Path,
) -> None:
    # A window of 0.0015 hours (5.4 s): a record published now leaves it by itself.
    (tmp_path / "feedgen-news.toml").write_text(
        '[[feeds]]\nslug = "fresh"\ntitle = "Fresh"\nmax_age_hours = 0.0015\n'
    )
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    (inp / "fresh.md").write_text(_scheduled_text("fresh", datetime.now(UTC)))
    feed = out / "feeds" / "fresh" / "rss.xml"
    with watching(tmp_path, ["watch", inp, "-o", out, "--no-ping"]) as w:
        assert _url("fresh").encode() in feed.read_bytes()
        wait_for(
            "the record out of the window",
            lambda: _url("fresh").encode() not in feed.read_bytes(),
            WAIT + 6,
        )
        wait_for("its line", lambda: len(w.lines()) == 3)
        assert "max_age_hours window moved on: " in w.lines()[2]
