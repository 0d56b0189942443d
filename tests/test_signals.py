"""Signals: a build stopped by SIGTERM (cron's timeout, ``systemctl stop``, ``kill``, container
shutdown) or Ctrl-C stops its workers, removes its temporaries, releases its locks, says so in
one line and exits 143 (130 for Ctrl-C), leaving the previous output byte for byte. Workers die
with their parent whatever killed it, and never hold a lock, so the next build starts at once.

Every build is a real ``feedgen-news`` process in its own process group, stopped either while
its workers parse (a cold cache) or while they render and stage output files (a temporary file
has appeared in a feed folder).
"""

from __future__ import annotations

import os
import re
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
from feedgen_news.cache import cache_file
from feedgen_news.layout import LOCK_NAME
from tests.helpers import CLI, child_pids, comparable, is_alive, open_files, tree

RECORDS = 3000  # a build of a few seconds: long enough to be stopped in either phase
TEMPORARY = ".feedgen-news-tmp"
CACHE_FILES = re.compile(r"records-[0-9a-f]{16}\.(sqlite3|lock)")
TERMINATED = "feedgen-news: error: terminated (previous feeds left intact)"
INTERRUPTED = "feedgen-news: error: interrupted (previous feeds left intact)"
Popen = subprocess.Popen[bytes]


@dataclass(frozen=True)
class Corpus:
    work: Path
    new_input: Path
    old_output: Path
    old: dict[str, bytes]  # the previous build's output folder, dotfiles too
    new: dict[str, bytes]  # a pristine build of ``new_input``


def _args(input_dir: Path, output: Path, cache: Path, *extra: str) -> list[str]:
    return [
        *(str(CLI), "build", str(input_dir), "-o", str(output), "--cache-dir", str(cache)),
        *("--limit", "0", "--no-ping", *extra),
    ]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    work = tmp_path_factory.mktemp("signals")
    old_input, new_input = work / "old-input", work / "new-input"
    generate(old_input, RECORDS, seed=15)
    generate(new_input, RECORDS, seed=143)  # every record and most feeds differ
    old_output, new_output = work / "old-output", work / "new-output"
    for input_dir, output in ((old_input, old_output), (new_input, new_output)):
        result = _run(_args(input_dir, output, work / f"{output.name}-cache"), work)
        assert result.returncode == 0, result.stderr
    return Corpus(work, new_input, old_output, tree(old_output), tree(new_output))


def _folders(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def _temporaries(output: Path) -> list[str]:
    """Temporary files in the feed folders (not the root, where the manifest is written)."""
    found: list[str] = []
    for top in ("all", "topics"):
        for folder, _, names in os.walk(output / top):
            found += [f"{folder}/{n}" for n in names if n.endswith(TEMPORARY)]
    return found


@dataclass
class Build:
    proc: Popen
    stderr: Path
    workers: set[int]  # worker pids seen while it ran

    def wait(self, timeout: float) -> tuple[int, list[str]]:
        """Exit status and stderr lines (from a file: a pipe would stay open as long as any
        worker that inherited it lives)."""
        status = self.proc.wait(timeout=timeout)
        return status, self.stderr.read_text().splitlines()


def _default_sigint() -> None:
    """Let SIGINT through as a terminal would: a background job of a non-interactive shell
    (a test run with ``&``) starts with SIGINT ignored, and Python keeps it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def started(args: list[str], cwd: Path, output: Path, phase: str) -> Iterator[Build]:
    """A build in its own process group, yielded once it is in ``phase``; whatever of the group
    is left at the end is killed, so a failing test leaves no process behind."""
    stderr = output.with_name(output.name + ".stderr")
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=_default_sigint,
        )
    try:
        build = Build(proc, stderr, set())
        deadline = time.monotonic() + 120
        while not (
            (phase == "parsing" and build.workers)
            or (phase == "rendering" and _temporaries(output))
        ):
            assert proc.poll() is None, f"the build ended before {phase}: {stderr.read_text()}"
            assert time.monotonic() < deadline, f"the build never reached {phase}"
            build.workers |= child_pids(proc.pid)
            time.sleep(0.002)
        build.workers |= child_pids(proc.pid)
        yield build
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _copy_old_output(corpus: Corpus, name: str) -> tuple[Path, Path]:
    output, cache = corpus.work / f"{name}-output", corpus.work / f"{name}-cache"
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(corpus.old_output, output)
    return output, cache


def _locks(corpus: Corpus, output: Path, cache: Path) -> set[str]:
    return {
        os.path.realpath(output / LOCK_NAME),
        os.path.realpath(cache_file(cache, corpus.new_input).with_suffix(".lock")),
    }


def _assert_next_build_publishes_the_new_feeds(corpus: Corpus, output: Path, cache: Path) -> None:
    """At once (--lock-timeout 0: no worker holds a lock), and exactly like a pristine build."""
    result = _run(_args(corpus.new_input, output, cache, "--lock-timeout", "0"), corpus.work)
    assert result.returncode == 0, result.stderr
    assert comparable(tree(output)) == comparable(corpus.new)


@pytest.mark.parametrize("phase", ["parsing", "rendering"])
@pytest.mark.parametrize(
    ("signum", "group", "status", "line"),
    [
        (signal.SIGTERM, False, 143, TERMINATED),  # kill PID, timeout(1), KillMode=mixed
        (signal.SIGTERM, True, 143, TERMINATED),  # systemctl stop: every process of the unit
        (signal.SIGINT, True, 130, INTERRUPTED),  # Ctrl-C: the terminal's foreground group
    ],
    ids=["sigterm", "sigterm-group", "ctrl-c"],
)
def test_stopped_build_cleans_up_says_one_line_and_leaves_the_old_output(
    corpus: Corpus, phase: str, signum: int, group: bool, status: int, line: str
) -> None:
    output, cache = _copy_old_output(corpus, f"{signum}-{group}-{phase}")
    args = _args(corpus.new_input, output, cache)
    with started(args, corpus.work, output, phase) as build:
        assert build.workers, "the build started no worker processes"
        (os.killpg if group else os.kill)(build.proc.pid, signum)
        assert build.wait(timeout=60) == (status, [line])
        assert not [pid for pid in build.workers if is_alive(pid)], "workers outlived the build"
    assert tree(output) == corpus.old  # byte for byte, manifest too: no debris
    assert _folders(output) == _folders(corpus.old_output)  # nor a new topic's empty folder
    assert all(CACHE_FILES.fullmatch(p.name) for p in cache.iterdir()), sorted(cache.iterdir())
    _assert_next_build_publishes_the_new_feeds(corpus, output, cache)


@pytest.mark.parametrize("phase", ["parsing", "rendering"])
def test_workers_die_with_a_killed_parent_and_hold_no_lock(corpus: Corpus, phase: str) -> None:
    """SIGKILL (the OOM killer) to the build alone: its workers must not linger, adopted by
    init, holding the output lock so that every later build exits 75."""
    output, cache = _copy_old_output(corpus, f"kill-{phase}")
    args = _args(corpus.new_input, output, cache)
    with started(args, corpus.work, output, phase) as build:
        assert build.workers, "the build started no worker processes"
        if phase == "rendering":  # long after the workers started: what they inherited is open
            locks = _locks(corpus, output, cache)
            for pid in build.workers:
                assert not open_files(pid) & locks, f"worker {pid} holds a lock file open"
        os.kill(build.proc.pid, signal.SIGKILL)
        assert build.proc.wait(timeout=30) == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while alive := [pid for pid in build.workers if is_alive(pid)]:
            assert time.monotonic() < deadline, f"workers {alive} outlived their killed parent"
            time.sleep(0.01)
    _assert_next_build_publishes_the_new_feeds(corpus, output, cache)
