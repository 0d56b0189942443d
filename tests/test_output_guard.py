"""The output folder beside the user's files and on a bad day: files the tool did not write are
never overwritten or deleted, symlinks never lead a write out, a build that would wipe the
published feeds is refused, a full disk leaves no debris, and a refused build leaves no folder."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from pathlib import Path

import feedparser
import pytest

from feedgen_news.fsio import file_lock
from feedgen_news.layout import LOCK_NAME
from feedgen_news.publish import read_manifest
from tests.helpers import SEEDS, build_cmd, tmpfs, tree, write_record

EXIT_SHRINK = 3


pytestmark = pytest.mark.usefixtures("in_tmp_path")


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))


def published(root: Path) -> dict[str, bytes]:
    """The output folder's files but its lock (which any build may create)."""
    return {p: data for p, data in tree(root).items() if p != LOCK_NAME}


def debris(root: Path) -> list[str]:
    """Temporaries and staging leftovers anywhere under ``root``."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if "tmp" in p.name or p.name.endswith(".new")
    )


# -- files the tool did not write ----------------------------------------------------------


@pytest.mark.parametrize("relpath", ["topics/ai/rss.xml", "index.html"])
def test_a_users_file_in_the_way_is_refused_and_nothing_written(
    seeds: Path, tmp_path: Path, relpath: str
) -> None:
    out = tmp_path / "out"
    (out / relpath).parent.mkdir(parents=True, exist_ok=True)
    (out / relpath).write_text("the user's own file")
    result = build_cmd(seeds, out)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"feedgen-news: error: {out}/{relpath}: not written by feedgen-news, refusing to "
        "overwrite it (move it away, or use --force to let feedgen-news take it over)\n"
    )
    assert published(out) == {relpath: b"the user's own file"}


def test_force_takes_a_users_file_over(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "topics/ai").mkdir(parents=True)
    (out / "topics/ai/rss.xml").write_text("the user's own file")
    result = build_cmd(seeds, out, "--force")
    assert result.exit_code == 0, result.output
    assert len(feedparser.parse((out / "topics/ai/rss.xml").read_bytes()).entries) == 2
    assert "topics/ai/rss.xml" in read_manifest(out).files
    assert build_cmd(seeds, out).exit_code == 0  # now the tool's own: no --force needed


def test_a_users_file_where_a_new_topic_goes_stops_a_rebuild(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_cmd(seeds, out).exit_code == 0
    (out / "topics/aws-ai").mkdir()
    (out / "topics/aws-ai/index.html").write_text("mine")
    before = published(out)
    stamps = {p: (out / p).stat().st_mtime_ns for p in before}
    result = build_cmd(seeds, out, "--unpublished")  # aws-ai: a topic of a draft only
    assert result.exit_code == 2
    assert f"{out}/topics/aws-ai/index.html: not written by feedgen-news" in result.stderr
    assert published(out) == before
    assert {p: (out / p).stat().st_mtime_ns for p in before} == stamps


def test_a_users_folder_where_a_file_goes_is_refused_even_with_force(
    seeds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "topics/ai/rss.xml").mkdir(parents=True)
    (out / "topics/ai/rss.xml/keep.txt").write_text("mine")
    for extra in ((), ("--force",)):
        result = build_cmd(seeds, out, *extra)
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"feedgen-news: error: {out}/topics/ai/rss.xml: a folder feedgen-news did not "
            "make is where it writes a file; move it away\n"
        )
        assert published(out) == {"topics/ai/rss.xml/keep.txt": b"mine"}


def test_a_users_file_where_a_folder_goes_is_refused(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "topics").write_text("mine")
    result = build_cmd(seeds, out, "--force")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"feedgen-news: error: {out}/topics: not a folder, but feedgen-news writes into it; "
        "move it away\n"
    )
    assert published(out) == {"topics": b"mine"}


def test_stale_removal_leaves_the_users_files_and_folders(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_cmd(seeds, out, "--unpublished").exit_code == 0
    aws = out / "topics/aws-ai"
    (aws / "notes.txt").write_text("mine")
    # The user replaced two of the tool's files: one by a folder, one by a symlink.
    (aws / "embed.html").unlink()
    (aws / "embed.html").mkdir()
    (aws / "embed.html/keep.txt").write_text("mine too")
    (aws / "feed.json").unlink()
    (aws / "feed.json").symlink_to(aws / "notes.txt")
    result = build_cmd(seeds, out)  # the draft's topic goes away
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(aws).as_posix() for p in aws.rglob("*")) == [
        "embed.html",
        "embed.html/keep.txt",
        "feed.json",
        "notes.txt",
    ]
    assert (aws / "notes.txt").read_text() == "mine"
    assert (aws / "feed.json").is_symlink()
    assert not any(p.startswith("topics/aws-ai/") for p in read_manifest(out).files)


def test_a_vanished_topics_folder_now_a_users_file_is_left_alone(
    seeds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build_cmd(seeds, out, "--unpublished").exit_code == 0
    shutil.rmtree(out / "topics/aws-ai")
    (out / "topics/aws-ai").write_text("mine")
    result = build_cmd(seeds, out)
    assert result.exit_code == 0, result.output
    assert (out / "topics/aws-ai").read_text() == "mine"


def test_a_users_folder_in_place_of_a_file_the_tool_wrote_is_a_usage_error(
    seeds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build_cmd(seeds, out).exit_code == 0
    (out / "topics/ai/rss.xml").unlink()
    (out / "topics/ai/rss.xml").mkdir()
    (out / "topics/ai/rss.xml/keep.txt").write_text("mine")
    result = build_cmd(seeds, out, "--base-url", "https://x.example/")  # rewrites every file
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"feedgen-news: error: {out}/topics/ai/rss.xml: a folder feedgen-news did not make is "
        "where it writes a file; move it away\n"
    )
    assert (out / "topics/ai/rss.xml/keep.txt").read_text() == "mine"
    assert debris(out) == []


# -- symlinks leading out ----------------------------------------------------------------------


@pytest.mark.parametrize("first_build", [True, False])
def test_a_symlink_leading_out_of_the_output_is_a_usage_error(
    seeds: Path, tmp_path: Path, first_build: bool
) -> None:
    out, outside = tmp_path / "out", tmp_path / "elsewhere"
    outside.mkdir()
    if not first_build:
        assert build_cmd(seeds, out).exit_code == 0
    (out / "topics").mkdir(parents=True, exist_ok=True)
    (out / "topics/aws-ai").symlink_to(outside)
    before = published(out)
    result = build_cmd(seeds, out, "--unpublished", "--force")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"feedgen-news: error: {out}/topics/aws-ai: a symlink leading out of the output "
        f"folder (to {outside}); feedgen-news writes nothing outside {out}\n"
    )
    assert list(outside.iterdir()) == []
    assert published(out) == before


def test_a_symlink_inside_the_output_is_followed(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "topics").symlink_to(out / "real")
    assert build_cmd(seeds, out).exit_code == 0
    assert (out / "real/ai/rss.xml").is_file()


# -- the shrink guard --------------------------------------------------------------------------


def test_an_empty_input_folder_does_not_wipe_the_feeds(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_cmd(seeds, out, "--unpublished").exit_code == 0
    before = published(out)
    stamps = {p: (out / p).stat().st_mtime_ns for p in before}
    empty = tmp_path / "empty"
    empty.mkdir()
    result = build_cmd(empty, out, "--unpublished")
    assert result.exit_code == EXIT_SHRINK
    assert result.stderr == (
        "feedgen-news: error: refusing to remove 27 of 30 feeds (input folder empty or moved?); "
        "use --allow-shrink to publish anyway\n"
    )
    assert published(out) == before
    assert {p: (out / p).stat().st_mtime_ns for p in before} == stamps

    result = build_cmd(empty, out, "--unpublished", "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert "0 published" in result.stderr
    assert sorted(p for p in published(out) if p.endswith(".xml")) == [
        "all/atom.xml",
        "all/rss.xml",
    ]
    # The cut is now the previous build: the next build has nothing to refuse.
    assert build_cmd(empty, out, "--unpublished").exit_code == 0


def test_zero_records_where_there_were_some_is_refused(tmp_path: Path) -> None:
    """Records without topics feed only `all`: no feed would go, but every record would."""
    records, out = tmp_path / "records", tmp_path / "out"
    for i in range(3):
        write_record(records / f"r{i}.txt", f"r{i}.txt", day=i + 1, topics=[])
    assert build_cmd(records, out).exit_code == 0
    for path in records.iterdir():
        path.unlink()
    before = published(out)
    result = build_cmd(records, out)
    assert result.exit_code == EXIT_SHRINK
    assert result.stderr == (
        "feedgen-news: error: refusing to publish 0 records where the previous build published "
        "3 (input folder empty or moved?); use --allow-shrink to publish anyway\n"
    )
    assert published(out) == before
    assert build_cmd(records, out, "--allow-shrink").exit_code == 0
    assert json.loads((out / "all/feed.json").read_bytes())["items"] == []


def test_a_small_shrink_and_a_first_build_pass(tmp_path: Path) -> None:
    records, out = tmp_path / "records", tmp_path / "out"
    empty = tmp_path / "empty"
    empty.mkdir()
    # A first build is never refused, even of nothing.
    assert build_cmd(empty, tmp_path / "first").exit_code == 0
    for i in range(9):
        write_record(records / f"r{i}.txt", f"r{i}.txt", day=i + 1, topics=[f"topic {i}"])
    assert build_cmd(records, out).exit_code == 0  # 10 feeds: `all` and 9 topics
    (records / "r0.txt").unlink()
    result = build_cmd(records, out)
    assert result.exit_code == 0, result.output
    assert not (out / "topics/topic-0").exists()
    # Exactly half of the feeds going is still not "more than half".
    for i in range(1, 5):
        (records / f"r{i}.txt").unlink()
    assert build_cmd(records, out).exit_code == 0


# -- a full disk ----------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "4"])
def test_a_full_disk_leaves_the_old_feeds_and_no_debris(tmp_path: Path, jobs: str) -> None:
    from benchmarks.generate import generate

    records = tmp_path / "records"
    generate(records, 1200, seed=5)  # enough entries to render in worker processes
    with tmpfs(tmp_path / "disk", "64m") as disk:  # two outputs of ~15 MiB and the cache, WAL
        out = disk / "out"
        assert build_cmd(records, out, "--limit", "5", "--jobs", jobs).exit_code == 0
        before = published(out)
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * (free - 4 * 1024 * 1024))
        for attempt in range(2):  # a retry cleans up after itself too
            result = build_cmd(
                records, out, "--limit", "5", "--jobs", jobs, "--base-url", "https://x.example/"
            )
            assert result.exit_code == 70, result.output
            [line] = result.stderr.splitlines()
            # The output or the cache beside it: whichever write meets the full disk first.
            assert line.startswith(f"feedgen-news: error: no space left on device: {disk}/"), line
            assert line.endswith(" (previous feeds left intact)"), line
            assert debris(disk) == [], attempt
            assert published(out) == before  # the manifest too: nothing was switched
        (disk / "filler").unlink()
        result = build_cmd(
            records, out, "--limit", "5", "--jobs", jobs, "--base-url", "https://x.example/"
        )
        assert result.exit_code == 0, result.output
        assert debris(disk) == []


def test_a_first_build_on_a_full_disk_leaves_no_output_folder(seeds: Path, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        out = disk / "site/out"
        result = build_cmd(seeds, out, "--cache-dir", tmp_path / "cache")
        assert result.exit_code == 70, result.output
        assert "no space left on device: " in result.stderr
        assert list(disk.iterdir()) == []


# -- exit statuses, and no folder left by a refused build ------------------------------------


def test_an_output_path_under_a_file_is_a_usage_error(seeds: Path, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = build_cmd(seeds, afile / "sub")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"feedgen-news: error: {afile}/sub: output path is inside {afile}, which is not a folder\n"
    )
    cache = tmp_path / "cache"
    result = build_cmd(seeds, tmp_path / "out", "--cache-dir", afile / "c")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"feedgen-news: error: {afile}/c: cache path is inside {afile}, which is not a folder\n"
    )
    assert afile.read_text() == "x" and not cache.exists()


@pytest.mark.parametrize("output", ["out", "new/deeper/out"])
def test_a_refused_strict_build_leaves_no_output_folder(
    seeds: Path, tmp_path: Path, output: str
) -> None:
    (seeds / "zz_bad.txt").write_text("---\ntitle: [unclosed\n---\n")
    result = build_cmd(seeds, tmp_path / output, "--strict", "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 1
    assert not (tmp_path / output.split("/")[0]).exists()
    # An existing folder stays, with its own lock file in it.
    (tmp_path / "kept").mkdir()
    assert build_cmd(seeds, tmp_path / "kept", "--strict").exit_code == 1
    assert [p.name for p in (tmp_path / "kept").iterdir()] == [LOCK_NAME]


def test_a_lock_file_removed_while_waiting_is_not_trusted(tmp_path: Path) -> None:
    """A refused first build removes the folder it made, lock file and all, while holding the
    lock; a build that was waiting on that file must lock the new one, not the removed one."""
    path = tmp_path / LOCK_NAME
    first = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(first, fcntl.LOCK_EX)
    inside = threading.Event()
    release = threading.Event()

    def waiter() -> None:
        with file_lock(path, 10, "busy"):
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=waiter)
    thread.start()
    try:
        path.unlink()  # the holder removes the file, then lets go
        os.close(first)
        assert inside.wait(10)
        # The waiter holds the lock on the file now at the path: nobody else can take it.
        probe = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(probe)
    finally:
        release.set()
        thread.join()
