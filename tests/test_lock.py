"""The output folder's lock: overlapping builds (a cron run that outlasts its interval) never
interleave; a build that cannot get the lock in time exits 75 and writes nothing.

Every build here is a real ``feedgen-news`` process. The test holds the lock itself with
``flock`` on ``.feedgen-news.lock``, as any other tool (``flock(1)`` in a deploy script) can.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.generate import generate
from feedgen_news.layout import LOCK_NAME, MANIFEST_NAME
from tests.helpers import CLI, holding_lock
from tests.helpers import comparable as _comparable
from tests.helpers import tree as _tree

RECORDS = 300
EXIT_LOCKED = 75


@dataclass(frozen=True)
class Site:
    work: Path
    records: Path
    reference: dict[str, bytes]  # a single uncontended build of ``records``
    summary: str  # its last stderr line, with the output folder written as {out}


def _args(records: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [str(CLI), "build", str(records), "-o", str(out), "--cache-dir", str(cache), *extra]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


def _stamps(root: Path) -> dict[str, tuple[int, int]]:
    """relpath -> (inode, mtime_ns) of every file: any rewrite or replace changes one of them."""
    stamps: dict[str, tuple[int, int]] = {}
    for p in sorted(root.rglob("*")):
        st = p.stat()
        stamps[p.relative_to(root).as_posix()] = (st.st_ino, st.st_mtime_ns)
    return stamps


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    work = tmp_path_factory.mktemp("lock")
    records = work / "records"
    generate(records, RECORDS, seed=75)
    out = work / "reference"
    result = _run(_args(records, out, work / "reference-cache"), work)
    assert result.returncode == 0, result.stderr
    summary = result.stderr.splitlines()[-1].replace(f" {out}/:", " {out}/:")
    assert "{out}" in summary and " 0 unchanged, 0 removed." in summary, summary
    return Site(work, records, _tree(out), summary)


@pytest.mark.parametrize("timeout", ["0", "0.5"])
def test_build_gives_up_after_lock_timeout_exit_75_and_writes_nothing(
    site: Site, tmp_path: Path, timeout: str
) -> None:
    # An earlier build's output and cache, and newer records: a build would change both.
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert _run(_args(site.records, out, cache), tmp_path).returncode == 0
    records = tmp_path / "records"
    shutil.copytree(site.records, records)
    next(records.rglob("*.txt")).unlink()
    before_out, before_cache = _stamps(out), _stamps(cache)
    before_bytes = _tree(out)

    with holding_lock(out):
        started = time.monotonic()
        result = _run(_args(records, out, cache, "--lock-timeout", timeout), tmp_path)
        waited = time.monotonic() - started

    assert result.returncode == EXIT_LOCKED
    assert result.stdout == ""
    assert result.stderr == (
        f"feedgen-news: error: {out}: another build is writing this output folder; "
        f"gave up after {timeout} s (raise --lock-timeout to wait longer)\n"
    )
    if float(timeout) > 0:  # it waited out the whole timeout before giving up
        assert waited >= float(timeout)
    assert _stamps(out) == before_out
    assert _tree(out) == before_bytes
    assert _stamps(cache) == before_cache


def test_locked_first_build_creates_no_output_and_no_cache(site: Site, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    with holding_lock(out):
        result = _run(_args(site.records, out, cache, "--lock-timeout", "0.5"), tmp_path)
    assert result.returncode == EXIT_LOCKED, result.stderr
    assert [p.name for p in out.iterdir()] == [LOCK_NAME]
    assert (out / LOCK_NAME).read_bytes() == b""
    assert not cache.exists()


def test_build_waits_for_the_lock_then_publishes(site: Site, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    with holding_lock(out):
        proc = subprocess.Popen(
            _args(site.records, out, cache, "--lock-timeout", "60"),
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        still_waiting = proc.poll() is None
        written_while_locked = sorted(p.name for p in out.iterdir())
        released_ns = time.time_ns()
    _, stderr = proc.communicate(timeout=120)

    assert still_waiting
    assert written_while_locked == [LOCK_NAME]
    assert proc.returncode == 0, stderr
    # Every file it published was written after the lock was released, none while it waited.
    written = [p for p in out.rglob("*") if p.is_file() and p.name != LOCK_NAME]
    assert (
        written and min(p.stat().st_mtime_ns for p in written) >= released_ns - 5 * 10**8
    )  # coarse fs clocks
    assert stderr.splitlines()[-1] == site.summary.replace("{out}", str(out))
    assert _comparable(_tree(out)) == _comparable(site.reference)


def test_two_concurrent_builds_take_turns_and_equal_one_build(site: Site, tmp_path: Path) -> None:
    """Two identical cron runs released at the same instant: one publishes, the other waits for
    it and then finds nothing to do. Neither sees half of the other's work."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = _args(site.records, out, cache, "--lock-timeout", "60")
    with holding_lock(out):
        procs = [
            subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        time.sleep(1.0)  # both are now waiting for the lock
        both_waiting = all(p.poll() is None for p in procs)
    results = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]

    assert both_waiting
    assert [code for _, code in results] == [0, 0], results
    publishing = site.summary.replace("{out}", str(out))
    written = int(publishing.split(" files written, ")[0].rpartition(" ")[2])
    idle = publishing.replace(
        f" {written} files written, 0 unchanged,", f" 0 files written, {written} unchanged,"
    )
    assert sorted(stderr.splitlines()[-1] for stderr, _ in results) == sorted([publishing, idle])
    assert _comparable(_tree(out)) == _comparable(site.reference)
    assert MANIFEST_NAME in site.reference


def test_two_sites_sharing_one_cache_folder_publish_only_their_own_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cron runs every job in $HOME, so two sites built from there both use the default cache
    ./.feedgen-news. Their output folders differ, so the output lock lets them overlap: here
    site B's whole build runs while site A's build is between parsing and reading the cache."""
    from click.testing import CliRunner

    import feedgen_news.build as build_module
    from feedgen_news.cli import main

    monkeypatch.chdir(tmp_path)  # default settings and the default cache folder
    generate(tmp_path / "site-a", 40, seed=1)
    generate(tmp_path / "site-b", 40, seed=2)
    for site in ("site-a", "site-b"):
        args = [str(CLI), "build", site, "-o", f"alone-{site}", "--cache-dir", f"c-{site}"]
        built = _run(args, tmp_path)
        assert built.returncode == 0, built.stderr

    real_sync = build_module.sync  # type: ignore[attr-defined]  # build imports it: patched there
    site_b: list[subprocess.Popen[str]] = []

    def sync_then_let_site_b_run(*args: object, **kwargs: object) -> object:
        parsed = real_sync(*args, **kwargs)  # type: ignore[arg-type]
        args_b = [str(CLI), "build", "site-b", "-o", "out-b"]
        proc = subprocess.Popen(args_b, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
        site_b.append(proc)
        with suppress(subprocess.TimeoutExpired):  # a fix may make it wait for site A: fine
            proc.wait(timeout=10)
        return parsed

    monkeypatch.setattr(build_module, "sync", sync_then_let_site_b_run)
    result = CliRunner().invoke(main, ["build", "site-a", "-o", "out-a"])
    assert result.exit_code == 0, result.output
    _, stderr_b = site_b[0].communicate(timeout=60)
    assert site_b[0].returncode == 0, stderr_b

    for site, out in (("site-a", "out-a"), ("site-b", "out-b")):
        alone = _comparable(_tree(tmp_path / f"alone-{site}"))
        shared = _comparable(_tree(tmp_path / out))
        differing = sorted(p for p in alone.keys() | shared.keys() if alone.get(p) != shared.get(p))
        assert differing == [], f"{out}: {len(differing)} files differ from {site} built alone"


def _held_by_another(lock: Path) -> bool:
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases our lock if we got it
    return False


def test_lock_of_a_killed_build_is_not_stale(site: Site, tmp_path: Path) -> None:
    """A build killed while it holds the lock (OOM killer, a reboot of the container) leaves no
    lock behind: the next build starts at once, even with --lock-timeout 0."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = _args(site.records, out, cache)
    proc = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (out.is_dir() and _held_by_another(out / LOCK_NAME)):
        assert proc.poll() is None and time.monotonic() < deadline, "the build never took the lock"
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # its parser processes too, if it started any
    assert proc.wait(timeout=30) == -signal.SIGKILL

    result = _run(_args(site.records, out, cache, "--lock-timeout", "0"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert _comparable(_tree(out)) == _comparable(site.reference)


@contextmanager
def holding_cache_lock(cache: Path, records: Path) -> Iterator[Path]:
    """Hold the lock of ``records``' cache in the ``cache`` folder; yields the cache file."""
    from feedgen_news.cache import cache_file

    path = cache_file(cache, records)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield path
    finally:
        os.close(fd)


def test_build_gives_up_on_a_busy_cache_with_exit_75(site: Site, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    with holding_cache_lock(cache, site.records) as cache_path:
        result = _run(_args(site.records, out, cache, "--lock-timeout", "0.3"), tmp_path)
    assert result.returncode == EXIT_LOCKED
    assert result.stderr == (
        f"feedgen-news: error: {cache_path}: another build is using this cache; "
        "gave up after 0.3 s (raise --lock-timeout to wait longer)\n"
    )
    assert not out.exists()  # a build that wrote nothing leaves no output folder, no lock file


def test_site_and_preview_of_one_input_built_at_once_equal_separate_builds(
    site: Site, tmp_path: Path
) -> None:
    """The public site and an --unpublished preview of the same records, started together with
    one cache folder: they take turns on the cache and each equals a build of its own."""
    preview = tmp_path / "preview-alone"
    alone = _run(_args(site.records, preview, tmp_path / "c", "--unpublished"), tmp_path)
    assert alone.returncode == 0, alone.stderr
    cache = tmp_path / "cache"
    runs = {
        "public": _args(site.records, tmp_path / "public", cache, "--lock-timeout", "60"),
        "preview": _args(
            site.records, tmp_path / "preview", cache, "--lock-timeout", "60", "--unpublished"
        ),
    }
    with holding_cache_lock(cache, site.records):
        procs = {
            name: subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
            for name, args in runs.items()
        }
        time.sleep(1.0)  # both are now waiting for the cache
        both_waiting = all(p.poll() is None for p in procs.values())
    for proc in procs.values():
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr

    assert both_waiting
    assert _comparable(_tree(tmp_path / "public")) == _comparable(site.reference)
    assert _comparable(_tree(tmp_path / "preview")) == _comparable(_tree(preview))
    assert _tree(tmp_path / "public") != _tree(tmp_path / "preview")  # drafts make a difference
