"""Watch: publish the moment a record file is saved. One full build, then a rebuild from the
paths each batch of file-system events names (``build(changed=...)``: no scan), one line each.

Each rebuild is a ``build()``, so it takes the same locks as a cron build and the two take
turns. Anything the events cannot pin to record files (a folder renamed, a symlink, the
watcher failing, the input folder gone and back) falls back to a full incremental build.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click
import watchfiles

from .build import BuildReport
from .cli_messages import describe, print_problems
from .errors import FeedgenNewsError, printable
from .layout import MANIFEST_NAME
from .records import RECORD_SUFFIXES
from .signals import Terminated, sigterm_raises

# changed paths inside the input folder, or None: scan the whole folder
Rebuild = Callable[[Collection[str] | None], BuildReport]
_STEP_MS = 50  # a batch ends after this long without a new event: one save is one batch
_DEBOUNCE_MS = 1000  # and lasts at most this long, so a stream of saves still publishes
_RETRY_SECONDS = 1.0  # while the input folder is gone
_CHECK_MS = 5000  # how often an idle watch checks that its folder is still the one named


def watch(input_dir: Path, skip: Sequence[Path], rebuild: Rebuild, quiet: bool) -> NoReturn:
    """Rebuild on every batch of record-file events until SIGINT or SIGTERM, which raise
    KeyboardInterrupt or Terminated between builds (during one, it stops as a build does).
    A rebuild's FeedgenNewsError is printed and the watch goes on."""
    skipped = [Path(os.path.realpath(folder)) for folder in skip]
    stop = threading.Event()
    with _stopping(stop) as stopped:
        _run(rebuild, None, quiet, stopped, first=True)
        if not quiet:
            click.echo(f"feedgen-news: watching {_name(input_dir)}/ (Ctrl-C to stop)", err=True)
        while True:
            root = Path(os.path.realpath(input_dir))
            identity = _identity(root)
            try:
                for changes in watchfiles.watch(
                    root,
                    watch_filter=partial(_wanted, root=root, skipped=skipped),
                    step=_STEP_MS,
                    debounce=_DEBOUNCE_MS,
                    stop_event=stop,
                    raise_interrupt=False,
                    rust_timeout=_CHECK_MS,
                    yield_on_timeout=True,
                ):
                    if _identity(root) != identity:
                        break  # moved, deleted or recreated: its watch sees nothing any more
                    if changes:
                        _run(rebuild, _changed(changes, root), quiet, stopped)
                    if stopped:
                        break
            except (OSError, RuntimeError) as exc:  # the watcher failed (an inotify limit...)
                click.echo(f"feedgen-news: warning: watching {_name(input_dir)}: {exc}", err=True)
            if not stopped and not Path(input_dir).is_dir():
                click.echo(
                    f"feedgen-news: warning: {_name(input_dir)}: input folder gone; "
                    "waiting for it to come back",
                    err=True,
                )
                while not Path(input_dir).is_dir() and not stop.wait(_RETRY_SECONDS):
                    pass
            if stopped:
                raise Terminated if stopped[0] == signal.SIGTERM else KeyboardInterrupt
            # Whatever its watch missed (an overflow, a new folder): scan it all once, watch again.
            _run(rebuild, None, quiet, stopped)


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        info = folder.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _run(
    rebuild: Rebuild,
    changed: Collection[str] | None,
    quiet: bool,
    stopped: list[int],
    *,
    first: bool = False,
) -> None:
    """One rebuild and its line; a signal that came while waiting stops it before it starts.
    The first build's FeedgenNewsError goes to the caller (a watch that cannot build at all
    exits as ``build`` does); a later one's is printed, and the next event tries again."""
    if stopped:
        return
    start = time.monotonic()
    try:
        with _signals_raise():
            report = rebuild(changed)
    except FeedgenNewsError as exc:
        if first:
            raise
        click.echo(f"feedgen-news: error: {exc}", err=True)
        return
    for line in report.warnings:
        click.echo(f"feedgen-news: warning: {line}", err=True)
    named = None if changed is None else {f"/{relpath}" for relpath in changed}
    print_problems(
        p for p in report.problems if named is None or any(p.path.endswith(n) for n in named)
    )
    for line in report.pings:
        click.echo(f"feedgen-news: {line}", err=True)
    if quiet:
        return
    published = report.published
    if first:
        what = describe(report.counts)
    elif changed is None:
        what = "input folder changed"
    else:
        what = _files(len(changed)) + " changed"
    written = len(report.changed_feed_urls)
    removed = len(published.removed) if published else 0
    click.echo(
        f"feedgen-news: {what}: {written} feed files written, {removed} files removed, "
        f"in {time.monotonic() - start:.2f} s.",
        err=True,
    )


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def _name(path: Path) -> str:
    return printable(str(path))


def _wanted(_change: watchfiles.Change, name: str, *, root: Path, skipped: Sequence[Path]) -> bool:
    """Whether an event's path may matter to a build: not a dot-file or in a dot-folder, not
    in the output or cache folder, not an editor's swap, backup or temporary file (any suffix
    but a record's). A name without a suffix may be a folder: it is kept (see ``_changed``)."""
    path = Path(name)
    if path == root:
        return True
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    if any(part.startswith(".") for part in parts) or parts[-1].endswith("~"):
        return False
    if any(path.is_relative_to(folder) for folder in skipped):
        return False
    return not path.suffix or path.name.endswith(RECORD_SUFFIXES)


def _changed(changes: set[tuple[watchfiles.Change, str]], root: Path) -> list[str] | None:
    """The record files a batch names, as a scan lists them; None when the batch needs a full
    scan: the input folder itself, a folder (its files moved with it, unnamed), a path through
    a symlink (the scan decides where links lead), one in a folder holding a build's output."""
    relpaths: set[str] = set()
    for _change, name in changes:
        path = Path(name)
        if path == root or not path.name.endswith(RECORD_SUFFIXES) or path.is_dir():
            return None
        for folder in (path, *path.parents):
            if folder == root:
                break
            if folder.is_symlink() or (folder / MANIFEST_NAME).exists():
                return None
        relpaths.add(path.relative_to(root).as_posix())
    return sorted(relpaths)


@contextmanager
def _stopping(stop: threading.Event) -> Iterator[list[int]]:
    """While waiting for events, SIGINT and SIGTERM only note themselves and end the wait
    (watchfiles turns a raising handler into a plain KeyboardInterrupt, losing which)."""
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
