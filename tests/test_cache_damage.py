"""A record cache the build cannot use as it is: damaged, replaced by something else, unreadable,
crafted to run code, or on a full disk. Through the command a user runs: the exit status, the
one line on stderr, the feeds, and what is left in the cache folder."""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
from feedgen_news.cache import cache_file
from tests.helpers import SEEDS, comparable, mounted, run_cli, tmpfs, tree


@dataclass(frozen=True)
class Site:
    work: Path
    records: Path
    cache: Path  # the cache file of ``records``
    expected: dict[str, bytes]  # what a build publishes, as ``comparable(tree(out))``

    def build(self, out: str, **options: bool) -> Any:
        # Relative paths, as messages name them.
        args = ("build", "records", "-o", out, "--cache-dir", "cache", "--no-ping")
        return run_cli(*args, cwd=self.work, **options)

    def published(self, out: str) -> dict[str, bytes]:
        return comparable(tree(self.work / out))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    records = Path(shutil.copytree(SEEDS, tmp_path / "records"))
    (records / "006_empty.txt").write_text("")  # a rejected record: its problem is stored too
    built = Site(tmp_path, records, cache_file(tmp_path / "cache", records), {})
    first = built.build("out")
    assert first.returncode == 1, first.stderr  # the empty record is rejected
    return Site(tmp_path, records, built.cache, built.published("out"))


def _sql(path: Path, statement: str, *args: object) -> None:
    db = sqlite3.connect(path)
    with db:
        assert db.execute(statement, args).rowcount != 0, statement
    db.close()


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database" * 100)


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "something.txt").write_text("a folder where the cache file was")


def _unreadable(path: Path) -> None:
    path.chmod(0)


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing table": (
        lambda p: _sql(p, "DROP TABLE entry_facets"),
        "table 'entry_facets' is missing",
    ),
    "missing meta row": (
        lambda p: _sql(p, "DELETE FROM meta WHERE key = 'generation'"),
        "meta row 'generation' is missing",
    ),
    "garbage bytes": (_garbage, "not an SQLite database"),
    "a directory": (_directory, "it is a directory"),
    "unreadable": (_unreadable, "cannot read it: Permission denied"),
    "undecodable record": (
        lambda p: _sql(
            p, "UPDATE entries SET record = x'c1' WHERE relpath = '003_sample_economie.md'"
        ),
        "a stored record cannot be decoded",
    ),
    "record stored as text": (
        lambda p: _sql(
            p, "UPDATE entries SET record = 'x' WHERE relpath = '003_sample_economie.md'"
        ),
        "a stored record cannot be decoded",
    ),
    "undecodable problems": (
        lambda p: _sql(p, "UPDATE files SET problems = x'92c0' WHERE problems IS NOT NULL"),
        "a stored problem cannot be decoded",
    ),
    "undecodable summary": (
        lambda p: _sql(p, "UPDATE meta SET value = x'00' WHERE key = 'summary'"),
        "the stored summary cannot be decoded",
    ),
}


def _warning(cache: Path, reason: str) -> str:
    return (
        f"feedgen-news: warning: cache/{cache.name}: cannot use this record cache ({reason}); "
        f"moved it aside to {cache.name}.broken-1 and rebuilt it"
    )


def _assert_repaired(site: Site, result: Any, reason: str, out: str) -> None:
    assert result.returncode == 1, result.stderr  # the empty record, as in the first build
    lines = result.stderr.splitlines()
    assert lines[0] == _warning(site.cache, reason)
    assert lines[1:] == ["records/006_empty.txt: empty file", lines[-1]]
    assert lines[-1].startswith("feedgen-news: 7 records read: 4 published")
    assert site.published(out) == site.expected
    assert site.cache.with_name(f"{site.cache.name}.broken-1").exists()
    assert site.cache.is_file()
    again = site.build(out)  # repaired: quiet again
    assert again.returncode == 1 and len(again.stderr.splitlines()) == 2, again.stderr


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_cache_is_moved_aside_and_rebuilt_with_one_warning(site: Site, kind: str) -> None:
    damage, reason = DAMAGE[kind]
    damage(site.cache)
    # A new output folder: every feed is rendered, so every stored record is read.
    result = site.build("again", no_dac_override=kind == "unreadable")
    _assert_repaired(site, result, reason, "again")


def test_the_warning_is_shown_even_with_quiet(site: Site) -> None:
    (site.records / "006_empty.txt").unlink()  # no rejected record: nothing else to say
    args = ("build", "records", "-o", "out", "--cache-dir", "cache", "--no-ping", "--quiet")
    assert run_cli(*args, cwd=site.work).returncode == 0
    _garbage(site.cache)
    result = run_cli(*args, cwd=site.work)
    assert result.returncode == 0
    assert result.stderr == _warning(site.cache, "not an SQLite database") + "\n"
    assert site.published("out") == site.expected


def test_a_damaged_cache_that_cannot_be_moved_is_rebuilt_in_place(site: Site) -> None:
    garbage = site.work / "garbage"
    _garbage(garbage)
    with mounted(str(garbage), site.cache, "--bind"):  # a mount point cannot be renamed
        result = site.build("again")
        assert result.returncode == 1, result.stderr
        lines = result.stderr.splitlines()
        assert lines[0] == (
            f"feedgen-news: warning: cache/{site.cache.name}: cannot use this record cache "
            "(not an SQLite database); rebuilt it in place (cannot move it aside: "
            "Device or resource busy)"
        )
        assert len(lines) == 3
        assert site.published("again") == site.expected
        assert garbage.read_bytes().startswith(b"SQLite format 3\0")
        again = site.build("again")
        assert again.returncode == 1 and len(again.stderr.splitlines()) == 2, again.stderr


def test_damage_found_by_a_render_worker_is_handled_the_same(tmp_path: Path) -> None:
    """Enough entries to render that worker processes decode them: the damage crosses back."""
    generate(tmp_path / "records", 1500, seed=3)
    args = ("build", "records", "--cache-dir", "cache", "--no-ping", "--jobs", "2", "-o")
    assert run_cli(*args, "out", cwd=tmp_path).returncode == 0
    cache = cache_file(tmp_path / "cache", tmp_path / "records")
    _sql(
        cache,
        "UPDATE entries SET record = x'c1' WHERE rowid IN "
        "(SELECT rowid FROM entries ORDER BY published DESC LIMIT 3 OFFSET 100)",
    )
    result = run_cli(*args, "again", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == _warning(cache, "a stored record cannot be decoded")
    assert len(result.stderr.splitlines()) == 2
    # Every file as the first build wrote it, and no temporary left from the first attempt.
    assert comparable(tree(tmp_path / "again")) == comparable(tree(tmp_path / "out"))


def test_a_default_cache_folder_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    """(click checks --cache-dir itself.)"""
    shutil.copytree(SEEDS, tmp_path / "records")
    (tmp_path / ".feedgen-news").write_text("not a folder")
    result = run_cli("build", "records", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "feedgen-news: error: .feedgen-news: cache path exists and is not a folder\n"
    )


class _RunsCode:
    """What an attacker who can write the cache folder would store: unpickling it calls
    ``os.mkdir(marker)``, a stand-in for any command."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return os.mkdir, (self.marker,)


CRAFTED = {
    "meta.summary": (
        "UPDATE meta SET value = ? WHERE key = 'summary'",
        "the stored summary cannot be decoded",
    ),
    "entries.record": (
        "UPDATE entries SET record = ? WHERE relpath = '003_sample_economie.md'",
        "a stored record cannot be decoded",
    ),
    "files.problems": (
        "UPDATE files SET problems = ? WHERE problems IS NOT NULL",
        "a stored problem cannot be decoded",
    ),
}


@pytest.mark.parametrize("column", sorted(CRAFTED))
def test_a_crafted_cache_row_runs_nothing(site: Site, column: str) -> None:
    marker = site.work / "ran-code"
    statement, reason = CRAFTED[column]
    _sql(site.cache, statement, pickle.dumps(_RunsCode(marker), protocol=5))
    result = site.build("again")
    assert not marker.exists(), "decoding the cache ran code"
    _assert_repaired(site, result, reason, "again")


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system that holds ``folder``, but for ``leave`` bytes."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    written = 0
    try:
        while True:
            written += os.write(fd, bytes(1 << 16))
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    os.ftruncate(fd, max(0, written - leave))
    os.close(fd)


@pytest.mark.parametrize("room", ["first build", "no byte left", "room for a few pages"])
def test_a_full_cache_disk_is_named_and_leaves_no_debris(tmp_path: Path, room: str) -> None:
    """The cache folder on a small tmpfs: a first build that outgrows it, and a rebuild with
    300 new records on a disk that is full, or nearly (SQLite fails in other places then)."""
    records, cache_dir, out = tmp_path / "records", tmp_path / "cache", tmp_path / "out"
    generate(records, 400, seed=7)
    cache_dir.mkdir()
    cache = cache_file(cache_dir, records)
    args = ("build", "records", "-o", "out", "--cache-dir", "cache", "--no-ping")
    first = room == "first build"
    with tmpfs(cache_dir, "256k" if first else "32m"):  # the cache and its WAL
        if not first:
            assert run_cli(*args, cwd=tmp_path).returncode == 0
            _fill(cache_dir, 0 if room == "no byte left" else 96 << 10)
            generate(records / "more", 300, seed=9)
        before = comparable(tree(out))
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 70, result.stderr
        assert result.stderr.splitlines() == [
            f"feedgen-news: error: no space left on device: cache/{cache.name} "
            "(previous feeds left intact)"
        ]
        if first:  # nothing published (the output folder may hold its lock file)
            assert not any(p.name != ".feedgen-news.lock" for p in out.glob("*"))
        else:
            assert comparable(tree(out)) == before
        # No temporary, journal or WAL file stays behind.
        left = {p.name for p in cache_dir.iterdir()} - {"filler"}
        assert left == {cache.name, cache.with_suffix(".lock").name}
        if first:
            return
        # With room again, the next build finishes the job from the cache as it was left.
        (cache_dir / "filler").unlink()
        assert run_cli(*args, cwd=tmp_path).returncode == 0
    fresh = ("build", "records", "-o", "fresh", "--cache-dir", "fresh-cache", "--no-ping")
    assert run_cli(*fresh, cwd=tmp_path).returncode == 0
    assert comparable(tree(out)) == comparable(tree(tmp_path / "fresh"))
