"""A real ``feedgen-news watch`` (or ``serve --watch``) process on a temp folder, for the tests
that save, move and delete record files under it and wait for the feeds to show it.

Every wait is for a state (a file, a line, an open file), bounded; nothing asserts how fast."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from feedgen_news.layout import LOCK_NAME
from tests.helpers import CLI, open_files, published_links

WAIT = 10.0  # seconds: a bound for a test to fail rather than hang, not a speed target
SITE_URL = "https://news.example.org/"  # where record_text's records link to


@dataclass
class Watch:
    proc: subprocess.Popen[bytes]
    inp: Path
    out: Path
    stderr: Path

    def lines(self) -> list[str]:
        return self.stderr.read_text().splitlines()

    def rebuilds(self) -> list[str]:
        """The lines of rebuilds after events (not the first build's, nor a release's)."""
        return [line for line in self.lines() if " changed: " in line]

    def links(self) -> set[str]:
        return links(self.out)

    def building(self) -> bool:
        """Whether a rebuild is under way (or waiting for another build)."""
        return building(self.proc.pid, self.out)


def building(pid: int, out: Path) -> bool:
    """Whether process ``pid`` holds (or waits for) the output folder's lock: a build of it is
    under way in that process."""
    return str((out / LOCK_NAME).resolve()) in open_files(pid)


def wait_for(what: str, done: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.02)


def links(out: Path) -> set[str]:
    """The entry links of the `all` RSS feed; none while it is not there."""
    try:
        return published_links(out)
    except OSError:
        return set()


def url(slug: str) -> str:
    return f"{SITE_URL}{slug}"


@contextmanager
def watching(
    cwd: Path, argv: list[str | Path], *, ready: str | None = "watching"
) -> Iterator[Watch]:
    """``feedgen-news ARGV`` in a process group of its own, run in ``cwd``, yielded once a
    line holding ``ready`` is on its stderr (at once if None); killed with its group at the end.
    ``argv`` names the input folder after ``watch`` or ``--watch`` and the output after ``-o``
    or ``serve``."""
    inp = Path(argv[argv.index("--watch") + 1] if "--watch" in argv else argv[1])
    out = Path(argv[argv.index("-o") + 1] if "-o" in argv else argv[1])
    stderr = cwd / f"{out.name}.stderr"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [CLI, *argv],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    w = Watch(proc, inp, out, stderr)
    try:
        if ready is not None:
            wait_for(
                f"a line with {ready!r}",
                lambda: ready in stderr.read_text() or proc.poll() is not None,
            )
            assert proc.poll() is None, stderr.read_text()
        yield w
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
