"""The output folder's lock: one build at a time writes a folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import printable
from ..fsio import file_lock
from ..layout import LOCK_NAME

__all__ = ["output_lock"]


@contextmanager
def output_lock(root: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on the output folder, so overlapping cron runs never interleave.

    Waits up to ``timeout`` seconds for another build to finish, then raises LockError. A
    folder made just for the lock is removed again, lock file and all, unless the build put
    something in it: a build that writes nothing (--strict, a refusal, an error) leaves no
    new output folder behind.
    """
    created: list[Path] = []

    def make_folder() -> None:
        missing = [p for p in (root, *root.parents) if not os.path.lexists(p)]
        root.mkdir(parents=True, exist_ok=True)
        created.extend(reversed(missing))

    with file_lock(
        root / LOCK_NAME,
        timeout,
        f"{printable(str(root))}: another build is writing this output folder",
        prepare=make_folder,
    ):
        try:
            yield
        finally:
            # Still holding the lock: a build waiting on this lock file sees it gone and
            # starts over (file_lock checks), so two builds never hold the lock at once.
            if created and _holds_only_the_lock(root):
                (root / LOCK_NAME).unlink(missing_ok=True)
                for folder in reversed(created):
                    try:
                        folder.rmdir()
                    except OSError:
                        break  # not empty: another build's, or the user's


def _holds_only_the_lock(root: Path) -> bool:
    try:
        return [p.name for p in root.iterdir()] == [LOCK_NAME]
    except OSError:
        return False
