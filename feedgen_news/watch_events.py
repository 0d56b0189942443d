"""The watcher under ``feedgen-news watch``: file-system events in the input folder, batched by
watchfiles' Rust notify (inotify, FSEvents), as the record files a rebuild must read.

It watches from the moment it is made: events wait in it until asked for, so a watch opens it
before the build it follows, and nothing saved while a build runs is missed.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# RustNotify is watchfiles' documented lower level (watchfiles.helpmanual.io/api/rust_backend):
# unlike watchfiles.watch(), each wait takes its own timeout (the next release time), and it
# exists, collecting events, before the first wait.
from watchfiles._rust_notify import RustNotify

from .layout import MANIFEST_NAME
from .records import RECORD_SUFFIXES

STEP_MS = 50  # a batch ends after this long without a new event: one save is one batch
DEBOUNCE_MS = 1000  # and lasts at most this long, so a stream of saves still publishes


@dataclass(frozen=True, slots=True)
class Batch:
    """What a batch of events asks a rebuild to read: these record files (paths inside the
    input folder, as a scan lists them), or, when None, the whole folder (a scan)."""

    relpaths: tuple[str, ...] | None


class Watcher:
    """Events under one input folder, from now on; ``close()`` it when done. Raises OSError
    (FileNotFoundError when the folder is not there) or RuntimeError when it cannot watch."""

    def __init__(self, input_dir: Path, skip: Sequence[Path]) -> None:
        self.root = Path(os.path.realpath(input_dir))
        self._skipped = [Path(os.path.realpath(folder)) for folder in skip]
        self._identity = _identity(self.root)
        # Not debug, no polling (its delay unused), recursive; a folder it may not read is left
        # unwatched, as a build cannot read its records either.
        self._notify = RustNotify([str(self.root)], False, False, 1000, True, True)

    def moved(self) -> bool:
        """Whether the folder is no longer the one watched (moved, deleted or made again):
        its watch sees nothing any more."""
        return _identity(self.root) != self._identity

    def next(self, timeout: float, stop: threading.Event) -> Batch | None:
        """The next batch of events that may matter to a build; None when ``timeout`` seconds
        passed without one or ``stop`` was set. Raises OSError or RuntimeError (an inotify
        limit, a path that cannot be decoded) when the watcher failed."""
        wait_ms = max(1, math.ceil(timeout * 1000))  # 0 would mean: wait for ever
        raw = self._notify.watch(DEBOUNCE_MS, STEP_MS, wait_ms, stop)
        if isinstance(raw, str):  # "timeout", "stop", or "signal" (a handler raised)
            return None
        names = [name for _change, name in raw if self._wanted(name)]
        return Batch(_changed(names, self.root)) if names else None

    def close(self) -> None:
        self._notify.close()

    def _wanted(self, name: str) -> bool:
        """Whether an event's path may matter to a build: not a dot-file or in a dot-folder,
        not in the output or cache folder, not an editor's swap, backup or temporary file (any
        suffix but a record's). A name without a suffix may be a folder: it is kept."""
        path = Path(name)
        if path == self.root:
            return True
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return False
        if any(part.startswith(".") for part in parts) or parts[-1].endswith("~"):
            return False
        if any(path.is_relative_to(folder) for folder in self._skipped):
            return False
        return not path.suffix or path.name.endswith(RECORD_SUFFIXES)


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        info = folder.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _changed(names: Iterable[str], root: Path) -> tuple[str, ...] | None:
    """The record files a batch names, as a scan lists them; None when the batch needs a full
    scan: the input folder itself, a folder (its files moved with it, unnamed), a path through
    a symlink (the scan decides where links lead), one in a folder holding a build's output."""
    relpaths: set[str] = set()
    for name in names:
        path = Path(name)
        if path == root or not path.name.endswith(RECORD_SUFFIXES) or path.is_dir():
            return None
        for folder in (path, *path.parents):
            if folder == root:
                break
            if folder.is_symlink() or (folder / MANIFEST_NAME).exists():
                return None
        relpaths.add(path.relative_to(root).as_posix())
    return tuple(sorted(relpaths))
