"""Watch: publish the moment a record file is saved. One full build, then a rebuild from the
paths each batch of file-system events names (``build(changed=...)``: no scan), one line each;
and, with no event, a rebuild when a scheduled record's release time comes.

Each rebuild is a ``build()``, so it takes the same locks as a cron build and the two take
turns. Anything the events cannot pin to record files (a folder renamed, a symlink, the
watcher failing, the input folder gone and back) falls back to a full incremental build.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from .build import BuildReport
from .cli_messages import describe
from .errors import FeedgenNewsError, Problem, printable
from .signals import Terminated, sigterm_raises
from .watch_events import Watcher

# changed paths inside the input folder, or None: scan the whole folder
Rebuild = Callable[[Collection[str] | None], BuildReport]
_RETRY_SECONDS = 1.0  # while the input folder is gone
# How long an idle watch waits at most before it checks that its folder is still the one
# named and whether a release time came (the wall clock may have jumped meanwhile).
_CHECK_SECONDS = 5.0


def watch(
    input_dir: Path,
    skip: Sequence[Path],
    rebuild: Rebuild,
    quiet: bool,
    *,
    fixed_clock: bool = False,
    ready: Callable[[], None] | None = None,
) -> NoReturn:
    """Rebuild on every batch of record-file events, and at each release time, until SIGINT
    or SIGTERM, which raise KeyboardInterrupt or Terminated between builds (during one, it
    stops as a build does). The first build's FeedgenNewsError is raised; a later one's is
    printed and the watch goes on. ``ready`` runs once the first build is published.
    ``fixed_clock``: every build uses one moment (``--now``), so no release ever comes."""
    stop = threading.Event()
    with _stopping(stop) as stopped:
        session = _Session(input_dir, skip, rebuild, quiet, fixed_clock, stop, stopped)
        try:
            session.run(ready)
        finally:
            session.close()
    raise Terminated if stopped[0] == signal.SIGTERM else KeyboardInterrupt


class _Session:
    """One watch: its watcher, when it must wake, and what it has told its user."""

    def __init__(
        self,
        input_dir: Path,
        skip: Sequence[Path],
        rebuild: Rebuild,
        quiet: bool,
        fixed_clock: bool,
        stop: threading.Event,
        stopped: list[int],
    ) -> None:
        self.input_dir, self.skip, self.rebuild, self.quiet = input_dir, skip, rebuild, quiet
        self.fixed_clock, self.stop, self.stopped = fixed_clock, stop, stopped
        self.watcher: Watcher | None = None
        self.due: datetime | None = None  # when the output changes with no file changed
        self.scheduled = 0  # records held back at the last build
        self.reported: dict[str, tuple[str, ...]] = {}  # file -> the problems last printed

    def run(self, ready: Callable[[], None] | None) -> None:
        # Watching before the first build: a file saved while it runs waits in the watcher.
        self.watcher = self._open()
        self._build(None, first=True)
        if ready is not None and not self.stopped:
            ready()
        if not self.quiet:
            click.echo(
                f"feedgen-news: watching {_name(self.input_dir)}/ (Ctrl-C to stop)", err=True
            )
        while not self.stopped:
            self._step()

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()

    def _step(self) -> None:
        """Wait for a batch of events or the next release, and rebuild for it."""
        watcher = self.watcher
        if watcher is None or watcher.moved():
            self._watch_again()
            return
        due = self.due
        wait = _CHECK_SECONDS
        if due is not None:
            wait = max(0.0, min(wait, (due - datetime.now(UTC)).total_seconds()))
        try:
            batch = watcher.next(wait, self.stop)
        except (OSError, RuntimeError) as exc:  # the watcher failed (an inotify limit...)
            click.echo(f"feedgen-news: warning: watching {_name(self.input_dir)}: {exc}", err=True)
            watcher.close()
            self.watcher = None  # the next step builds it all and watches again
            return
        if self.stopped or watcher.moved():
            return
        if batch is not None:
            self._build(batch.relpaths)
        elif due is not None and datetime.now(UTC) >= due:
            self._build((), release=True)

    def _watch_again(self) -> None:
        """Watch the folder as it is now, once it is there, and build it all: whatever the
        old watch missed (a new folder, an overflow) is in the scan."""
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None
        if not Path(self.input_dir).is_dir():
            click.echo(
                f"feedgen-news: warning: {_name(self.input_dir)}: input folder gone; "
                "waiting for it to come back",
                err=True,
            )
            while not Path(self.input_dir).is_dir() and not self.stop.wait(_RETRY_SECONDS):
                pass
            if self.stopped:
                return
        self.watcher = self._open()
        self._build(None)
        if self.watcher is None:  # cannot watch: build it all now and then, until it can
            self.stop.wait(_CHECK_SECONDS)

    def _open(self) -> Watcher | None:
        try:
            return Watcher(self.input_dir, self.skip)
        except FileNotFoundError:
            return None  # the build says so (the first one fails), or the watch waits for it
        except (OSError, RuntimeError) as exc:
            click.echo(f"feedgen-news: warning: watching {_name(self.input_dir)}: {exc}", err=True)
            return None

    def _build(
        self, changed: Collection[str] | None, *, first: bool = False, release: bool = False
    ) -> None:
        """One rebuild and its line; a signal that came while waiting stops it before it
        starts. The first build's FeedgenNewsError goes to the caller (a watch that cannot
        build at all exits as ``build`` does); a later one's is printed, and the next event
        (or, for a release, a moment later) tries again."""
        if self.stopped:
            return
        start = time.monotonic()
        try:
            with _signals_raise():
                report = self.rebuild(changed)
        except FeedgenNewsError as exc:
            if first:
                raise
            click.echo(f"feedgen-news: error: {exc}", err=True)
            if release:  # not again at once: the same failure would follow
                self.due = datetime.now(UTC) + timedelta(seconds=_CHECK_SECONDS)
            return
        self.due = None if self.fixed_clock else report.next_change
        released, self.scheduled = self.scheduled - report.counts.scheduled, report.counts.scheduled
        for line in report.warnings:
            click.echo(f"feedgen-news: warning: {line}", err=True)
        self._problems(report.problems, None if changed is None else set(changed))
        for line in report.pings:
            click.echo(f"feedgen-news: {line}", err=True)
        if self.quiet:
            return
        if first:
            what = describe(report.counts)
        elif changed is None:
            what = "input folder changed"
        elif release:
            what = (
                f"{_count(released, 'scheduled record')} released"
                if released > 0
                else "a curated feed's max_age_hours window moved on"
            )
        else:
            what = f"{_count(len(changed), 'file')} changed"
        published = report.published
        removed = len(published.removed) if published else 0
        click.echo(
            f"feedgen-news: {what}: {len(report.changed_feed_urls)} feed files written, "
            f"{removed} files removed, in {time.monotonic() - start:.2f} s.",
            err=True,
        )

    def _problems(self, problems: Sequence[Problem], named: set[str] | None) -> None:
        """Each file's problems when they differ from what was last printed for it: a file
        saved half-written again and again is reported once. ``named``: the files this
        rebuild read (None: every file)."""
        prefix = str(self.input_dir).rstrip("/") + "/"
        found: dict[str, list[Problem]] = {}
        for problem in problems:
            relpath = problem.path.removeprefix(prefix)
            if named is None or relpath in named:
                found.setdefault(problem.path, []).append(problem)
        read = set(self.reported) if named is None else {prefix + relpath for relpath in named}
        for path in read - found.keys():  # read again, and fine now
            self.reported.pop(path, None)
        for path, file_problems in found.items():
            lines = tuple(str(problem) for problem in file_problems)
            if self.reported.get(path) != lines:
                for line in lines:
                    click.echo(line, err=True)
                self.reported[path] = lines


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _name(path: Path) -> str:
    return printable(str(path))


@contextmanager
def _stopping(stop: threading.Event) -> Iterator[list[int]]:
    """While waiting for events, SIGINT and SIGTERM only note themselves and end the wait
    (the watcher would turn a raising handler into a plain "signal", losing which)."""
    stopped: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)
        stop.set()

    previous = {signum: signal.signal(signum, note) for signum in _SIGNALS}
    try:
        yield stopped
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _signals_raise() -> Iterator[None]:
    """During a build, SIGINT and SIGTERM stop it as they stop ``feedgen-news build``."""
    noting = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with sigterm_raises():
            yield
    finally:
        signal.signal(signal.SIGINT, noting)
