"""A record cache the build cannot use as it is: why (damage, or a full disk), and setting the
file aside so a new cache is built in its place. A cache is disposable, so damage is never
fatal; a full disk is, with its real cause named."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

from ..errors import ConfigError, StorageError

SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_FULL = 13
_SQLITE_IOERR = 10
# SQLite reports a full disk as SQLITE_FULL, except where it cannot tell (growing the WAL index,
# syncing): an I/O error with less than this free is taken for a full disk too.
_NEARLY_FULL = 1 << 20
_SQLITE_ERROR = 1  # from our fixed SQL: a table or column it expects is missing
# Result codes that mean this file cannot serve as the cache as it is: set it aside, start again.
_DAMAGE = {
    3: "permission denied",  # SQLITE_PERM
    8: "it is read-only",  # SQLITE_READONLY
    11: "the database is malformed",  # SQLITE_CORRUPT
    14: "cannot open it",  # SQLITE_CANTOPEN
    17: "its schema changed while in use",  # SQLITE_SCHEMA
    20: "a value has the wrong type",  # SQLITE_MISMATCH
    26: "not an SQLite database",  # SQLITE_NOTADB
}


class CacheDamaged(Exception):
    """The cache cannot be used as it is. Raised by the cache layer (in worker processes too,
    so its arguments are all it carries); ``open_cache`` sets the file aside and raises it again
    with the warning for the user, and the build starts again once."""

    def __init__(self, reason: str, warning: str = "", in_place: bool = False) -> None:
        super().__init__(reason, warning, in_place)
        self.reason = reason
        self.warning = warning  # one line, naming the file, once it was set aside
        self.in_place = in_place  # emptied where it is: the new cache must not replace it

    def __str__(self) -> str:
        return self.warning or self.reason


def check_file(path: Path) -> None:
    """Raise CacheDamaged unless ``path`` is missing, empty, or a regular file that starts as an
    SQLite database does: SQLite's own errors for the rest are vague ("unable to open database
    file"), and it would follow a symlink and write wherever that points."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CacheDamaged(f"cannot read it: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise CacheDamaged("it is a directory")
    if stat.S_ISLNK(mode):
        raise CacheDamaged("it is a symbolic link")
    if not stat.S_ISREG(mode):
        raise CacheDamaged("it is not a regular file")
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise CacheDamaged(f"cannot read it: {exc.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise CacheDamaged("not an SQLite database")


def translate(exc: sqlite3.Error, path: Path) -> Exception:
    """What an SQLite error on the cache means to the user: a full disk (fatal, exit 70), damage
    (the cache is set aside), or neither (``exc`` itself: a bug or a busy database)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and _free_bytes(path) < _NEARLY_FULL):
        return StorageError(f"no space left on device: {path}")
    if code == _SQLITE_IOERR:
        return StorageError(f"disk I/O error: {path}")
    if code == _SQLITE_ERROR:
        return CacheDamaged(str(exc))  # "no such column: url"
    if code in _DAMAGE:
        return CacheDamaged(_DAMAGE[code])
    return exc


def tidy(path: Path) -> None:
    """After a failure, with every connection closed and the lock held: remove the WAL files
    SQLite could not (on a full disk), unless the WAL still holds data."""
    wal, shm = sidecars(path)
    with contextlib.suppress(OSError):
        if wal.stat().st_size == 0:
            wal.unlink()
    with contextlib.suppress(OSError):
        if not wal.exists():
            shm.unlink()


def set_aside(path: Path, reason: str) -> CacheDamaged:
    """Move the unusable cache (and its WAL files, which belong to it) to ``<name>.broken-N``,
    or, when it cannot be moved, empty it in place. Returns the damage with the user's warning;
    raises ConfigError when neither is possible (a folder the build cannot write)."""
    n = 1
    while any(os.path.lexists(p) for p in _with_sidecars(_broken(path, n))):
        n += 1
    broken = _broken(path, n)
    head = f"{path}: cannot use this record cache ({reason})"
    try:
        path.rename(broken)
    except FileNotFoundError:
        pass  # nothing to move: the WAL files alone go
    except OSError as exc:
        try:
            _empty_in_place(path)
        except OSError as again:
            raise ConfigError(
                f"{head}, and cannot move it aside ({exc.strerror}) or empty it ({again.strerror})"
            ) from None
        return CacheDamaged(
            reason, f"{head}; rebuilt it in place (cannot move it aside: {exc.strerror})", True
        )
    for side, broken_side in zip(sidecars(path), sidecars(broken), strict=True):
        with contextlib.suppress(FileNotFoundError):
            side.rename(broken_side)
    return CacheDamaged(reason, f"{head}; moved it aside to {broken.name} and rebuilt it")


def _empty_in_place(path: Path) -> None:
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise IsADirectoryError(21, "not a regular file")
    # The WAL first: SQLite would replay it into the emptied file.
    for side in sidecars(path):
        side.unlink(missing_ok=True)
    os.truncate(path, 0)


def _free_bytes(path: Path) -> int:
    try:
        fs = os.statvfs(path.parent)
    except OSError:
        return _NEARLY_FULL
    # root may use the blocks a file system keeps back for it; others may not.
    return (fs.f_bfree if os.geteuid() == 0 else fs.f_bavail) * fs.f_frsize


def _broken(path: Path, n: int) -> Path:
    return path.with_name(f"{path.name}.broken-{n}")


def sidecars(path: Path) -> tuple[Path, Path]:
    """An SQLite file's WAL and shared-memory files."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _with_sidecars(path: Path) -> tuple[Path, Path, Path]:
    return (path, *sidecars(path))
