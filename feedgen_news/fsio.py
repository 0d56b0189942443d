"""File-system primitives: exclusive locks that never go stale, temporaries the next run can
sweep, atomic replacement, and a full disk named by the file it stopped."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .errors import LockError

TMP_SUFFIX = ".feedgen-news-tmp"  # every temporary ends so: a later run sweeps leftovers
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def file_lock(
    path: Path,
    timeout: float,
    busy: str,
    *,
    wait: float | None = None,
    prepare: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` (created if missing); ``busy`` starts the LockError.

    Waits ``wait`` seconds (default ``timeout``, the user's setting the message names). An
    flock is released by the kernel when its process dies, so it never goes stale. ``prepare``
    runs before each attempt to open the file (it makes the folder).
    """
    deadline = time.monotonic() + (timeout if wait is None else wait)
    while True:
        if prepare is not None:
            prepare()
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        _held_locks.add(fd)
        try:
            _flock(fd, deadline, busy, timeout)
            if _is_at(fd, path):
                break
        except BaseException:
            _held_locks.discard(fd)
            os.close(fd)
            raise
        _held_locks.discard(fd)
        os.close(fd)  # its holder removed the file before letting go: lock the new one
    try:
        yield
    finally:
        _held_locks.discard(fd)
        os.close(fd)  # closing releases the flock


def _flock(fd: int, deadline: float, busy: str, timeout: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise LockError(
                    f"{busy}; gave up after {timeout:g} s (raise --lock-timeout to wait longer)"
                ) from None
            time.sleep(0.05)


def _is_at(fd: int, path: Path) -> bool:
    """Whether the file open as ``fd`` is still the one at ``path``."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


# A forked child shares its parent's open lock files, and an flock lasts until every copy is
# closed: a worker that outlived its build would keep every later build out (exit 75). So each
# child closes its copies at once (close-on-exec covers exec, not fork).
_held_locks: set[int] = set()


def _close_locks_in_child() -> None:
    for fd in _held_locks:
        with suppress(OSError):
            os.close(fd)
    _held_locks.clear()


os.register_at_fork(after_in_child=_close_locks_in_child)


@contextmanager
def naming_full_disk(path: Path) -> Iterator[None]:
    """A full disk names the file being written (a write's ENOSPC names none, a rename's names
    the temporary), so the message says where the space ran out."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _NO_SPACE:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def write_temporary(path: Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` under a temporary name the next build can sweep."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    # 0o666 & ~umask, like any other file a tool writes (mkstemp's 0o600 would hide it from httpd).
    # O_EXCL: never write through a symlink planted at the temporary's name; a leftover is
    # removed first (a killed build's, with the same pid).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    with naming_full_disk(path):
        try:  # the open too: a signal during it is raised just after it returns
            try:
                fd = os.open(tmp, flags, 0o666)
            except FileExistsError:
                tmp.unlink()
                fd = os.open(tmp, flags, 0o666)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return tmp


def atomic_write(path: Path, data: bytes) -> None:
    tmp = write_temporary(path, data)
    try:
        with naming_full_disk(path):
            with tmp.open("rb+") as f:
                os.fsync(f.fileno())
            tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
